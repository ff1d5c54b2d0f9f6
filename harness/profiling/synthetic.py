"""Random-weight checkpoints built from a config, for speed measurements without downloading weights.

Speed depends on the architecture and sizes, not on the weight values. A
GPT-2-architecture model with random weights therefore measures like a
trained one of the same shape, except in output length: it seldom emits the
end-of-text token, so its outputs usually run to ``max_new_tokens``. The
tokenizer is a byte-level BPE, the GPT-2 tokenizer's algorithm, trained on
the given texts.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Iterable

import torch

logger = logging.getLogger(__name__)

END_OF_TEXT = "<|endoftext|>"


def train_byte_level_tokenizer(texts: Iterable[str], vocab_size: int, folder: Path) -> None:
    """Train a byte-level BPE tokenizer on ``texts`` and save it to ``folder`` in transformers format."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=[END_OF_TEXT],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(texts, trainer=trainer)
    wrapped = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, bos_token=END_OF_TEXT, eos_token=END_OF_TEXT, unk_token=END_OF_TEXT
    )
    wrapped.save_pretrained(folder)


def build_random_gpt2(
    folder: str | Path,
    texts: Iterable[str],
    *,
    n_layer: int = 2,
    n_embd: int = 64,
    n_head: int = 2,
    n_positions: int = 1024,
    vocab_size: int = 2000,
    seed: int = 0,
) -> Path:
    """Write a GPT-2-architecture checkpoint with random weights and a trained tokenizer to ``folder``.

    The defaults give a 2-layer model of about 0.2 M parameters for tests;
    ``n_layer=12, n_embd=768, n_head=12, vocab_size=50257`` is GPT-2 small's
    shape. Returns the folder, loadable as ``hf:<folder>``.
    """
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    train_byte_level_tokenizer(texts, vocab_size, folder)
    tokenizer = PreTrainedTokenizerFast.from_pretrained(folder)

    config = GPT2Config(
        vocab_size=len(tokenizer),
        n_positions=n_positions,
        n_embd=n_embd,
        n_layer=n_layer,
        n_head=n_head,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        architectures=["GPT2LMHeadModel"],
    )
    torch.manual_seed(seed)
    model = GPT2LMHeadModel(config)
    model.save_pretrained(folder)
    logger.info("Wrote a random-weight GPT-2 checkpoint with %d parameters to %s", model.num_parameters(), folder)
    return folder

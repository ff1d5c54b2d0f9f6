"""Tiny transformers checkpoints built from configs with a fixed seed and saved to a folder.

They are loaded back through ``hf:<folder>``, the same path as a real
checkpoint. The tokenizer is a byte-level BPE trained on shipped task text,
so no hub download is needed.
"""

from __future__ import annotations

from pathlib import Path

import torch

REPOSITORY = Path(__file__).resolve().parents[1]
CORPUS_FILES = [
    REPOSITORY / "tasks/translation/wmt22_zh_en/data/generaltest2022.zh-en.ref.A.en",
    REPOSITORY / "tasks/translation/wmt22_zh_en/data/generaltest2022.zh-en.src.zh",
    REPOSITORY / "tasks/summarization/cnn_dailymail_realsumm/data/src.txt",
]


def build_tokenizer(vocab_size: int = 600):
    """Train a small byte-level BPE tokenizer on shipped text and wrap it for transformers."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=["<pad>", "</s>", "<unk>", "<s>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train([str(path) for path in CORPUS_FILES], trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, pad_token="<pad>", eos_token="</s>", unk_token="<unk>", bos_token="<s>"
    )


def save_tiny_gpt2(folder: Path, seed: int = 0) -> Path:
    """Save a 2-layer GPT-2 with a 600-token vocabulary to ``folder``."""
    from transformers import GPT2Config, GPT2LMHeadModel

    tokenizer = build_tokenizer()
    config = GPT2Config(
        vocab_size=len(tokenizer),
        n_positions=256,
        n_embd=32,
        n_layer=2,
        n_head=2,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(seed)
    model = GPT2LMHeadModel(config)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def save_tiny_t5(folder: Path, seed: int = 0) -> Path:
    """Save a 2-layer T5 with a 600-token vocabulary and a summarization prefix to ``folder``."""
    from transformers import T5Config, T5ForConditionalGeneration

    tokenizer = build_tokenizer()
    config = T5Config(
        vocab_size=len(tokenizer),
        d_model=32,
        d_kv=8,
        d_ff=64,
        num_layers=2,
        num_decoder_layers=2,
        num_heads=4,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.pad_token_id,
        task_specific_params={"summarization": {"prefix": "summarize: "}},
    )
    torch.manual_seed(seed)
    model = T5ForConditionalGeneration(config)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def save_tiny_marian(folder: Path, seed: int = 0) -> Path:
    """Save a 2-layer Marian translation model with a 600-token vocabulary to ``folder``."""
    from transformers import MarianConfig, MarianMTModel

    tokenizer = build_tokenizer()
    config = MarianConfig(
        vocab_size=len(tokenizer),
        d_model=32,
        encoder_layers=2,
        decoder_layers=2,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=64,
        decoder_ffn_dim=64,
        max_position_embeddings=256,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(seed)
    model = MarianMTModel(config)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder

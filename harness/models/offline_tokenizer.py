"""Deterministic tokenizers trained offline on the text of the shipped tasks.

They stand in for published tokenizers that cannot be downloaded here, for
random-weight architectures and test models. Each uses the algorithm of the
published tokenizer it replaces: byte-level BPE for GPT-2 and BART,
Metaspace BPE for the SentencePiece models T5 and Marian, and a
frequency-built WordPiece for BERT-style models. Token counts per text are
therefore of the same order as the published ones, but not equal, and no id
means anything to a trained checkpoint: use them for speed measurement and
plumbing tests only.

The training text is the articles and references of
``cnn_dailymail_realsumm``, the sources and first references of
``wmt22_zh_en`` and the references of ``coco_fakecap``, read in file order.
Two trainings on the same text give identical vocabularies
(``tests/test_random_weights.py`` checks this). A trainer stops early when the text
has no more pairs to merge, so the vocabulary can be smaller than
``vocab_size``; every id stays below ``vocab_size``.
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from typing import Iterator, Literal, Sequence

from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

from harness.errors import TaskError

logger = logging.getLogger(__name__)

TokenizerKind = Literal["byte_bpe", "metaspace_bpe", "wordpiece"]

# (task name, use the inputs, number of reference columns to use)
CORPUS_TASKS: tuple[tuple[str, bool, int], ...] = (
    ("cnn_dailymail_realsumm", True, 1),
    ("wmt22_zh_en", True, 1),
    ("coco_fakecap", False, 1),
)


def corpus_texts() -> Iterator[str]:
    """Yield the training text: shipped task inputs and references, in task and row order."""
    from harness.tasks.catalog import get_task

    for name, use_inputs, references in CORPUS_TASKS:
        try:
            task = get_task(name)
        except TaskError:
            logger.warning("Task %s is not installed; training the tokenizer without its text", name)
            continue
        is_text = task.config.input.kind == "text"
        for example in task.examples():
            if use_inputs and is_text:
                yield example.input
            yield from example.references[:references]


def train_tokenizer(
    kind: TokenizerKind,
    vocab_size: int,
    special_tokens: Sequence[str],
    *,
    lowercase: bool = False,
    texts: Sequence[str] | None = None,
) -> Tokenizer:
    """Train a ``kind`` tokenizer of at most ``vocab_size`` entries; ``special_tokens`` get ids 0, 1, 2 ... in order."""
    corpus = list(texts) if texts is not None else list(corpus_texts())
    if kind == "byte_bpe":
        tokenizer = Tokenizer(models.BPE())
        tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        tokenizer.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(
            vocab_size=vocab_size,
            special_tokens=list(special_tokens),
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
            show_progress=False,
        )
    elif kind == "metaspace_bpe":
        unk = next((token for token in special_tokens if "unk" in token.lower()), None)
        tokenizer = Tokenizer(models.BPE(unk_token=unk))
        tokenizer.normalizer = normalizers.NFKC()
        tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
        tokenizer.decoder = decoders.Metaspace()
        trainer = trainers.BpeTrainer(
            vocab_size=vocab_size, special_tokens=list(special_tokens), show_progress=False
        )
    elif kind == "wordpiece":
        return _frequency_wordpiece(corpus, vocab_size, special_tokens, lowercase)
    else:
        raise ValueError(f"unknown tokenizer kind {kind!r}; expected byte_bpe, metaspace_bpe or wordpiece")

    tokenizer.train_from_iterator(corpus, trainer=trainer, length=len(corpus))
    logger.info("Trained a %s tokenizer with %d entries on %d texts", kind, tokenizer.get_vocab_size(), len(corpus))
    return tokenizer


def _frequency_wordpiece(corpus: Sequence[str], vocab_size: int, special_tokens: Sequence[str], lowercase: bool) -> Tokenizer:
    """Build a WordPiece tokenizer whose vocabulary is the most frequent words plus every character.

    The ``tokenizers`` WordPiece trainer (0.23) breaks ties between equally
    frequent merges differently from run to run, so the vocabulary is built
    by counting instead. It lists the special tokens, then every character
    seen, alone and as a ``##`` continuation so that any word can be spelled,
    then whole words. Each group is ordered by descending count, ties in
    code-point order.
    """
    normalizer = normalizers.BertNormalizer(lowercase=lowercase)
    pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    counts: Counter[str] = Counter()
    for text in corpus:
        counts.update(word for word, _ in pre_tokenizer.pre_tokenize_str(normalizer.normalize_str(text)))

    vocab: dict[str, int] = {}
    character_counts: Counter[str] = Counter()
    for word, count in counts.items():
        for character in word:
            character_counts[character] += count
    characters = [character for character, _ in sorted(character_counts.items(), key=lambda item: (-item[1], item[0]))]
    entries = [*special_tokens, *characters, *(f"##{character}" for character in characters)]
    entries += [word for word, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0])) if len(word) > 1]
    for entry in entries:
        if len(vocab) >= vocab_size:
            break
        vocab.setdefault(entry, len(vocab))

    unk = next((token for token in special_tokens if "unk" in token.lower()), "[UNK]")
    tokenizer = Tokenizer(models.WordPiece(vocab=vocab, unk_token=unk))
    tokenizer.normalizer = normalizer
    tokenizer.pre_tokenizer = pre_tokenizer
    tokenizer.decoder = decoders.WordPiece()
    logger.info("Built a WordPiece tokenizer with %d entries from %d texts", len(vocab), len(corpus))
    return tokenizer


def add_post_processor(tokenizer: Tokenizer, *, prefix: Sequence[str] = (), suffix: Sequence[str] = ()) -> None:
    """Make ``tokenizer`` wrap each sequence in the special tokens ``prefix`` and ``suffix``."""
    single = " ".join([*prefix, "$A", *suffix])
    pair = " ".join([*prefix, "$A", *suffix, "$B:1", *suffix])
    special = [(token, tokenizer.token_to_id(token)) for token in dict.fromkeys([*prefix, *suffix])]
    tokenizer.post_processor = processors.TemplateProcessing(single=single, pair=pair, special_tokens=special)


def save_fast_tokenizer(tokenizer: Tokenizer, folder: Path, **special: str) -> None:
    """Save ``tokenizer`` to ``folder`` as a transformers fast tokenizer with the named special tokens."""
    from transformers import PreTrainedTokenizerFast

    wrapped = PreTrainedTokenizerFast(tokenizer_object=tokenizer, **special)
    wrapped.save_pretrained(folder)

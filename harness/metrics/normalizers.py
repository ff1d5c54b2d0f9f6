"""Named text normalizers applied to hypotheses and references before WER and CER.

- ``none``: the text as given (jiwer still splits words on whitespace).
- ``basic``: case-fold, delete apostrophes, replace every other punctuation
  character (Unicode category P*) with a space, collapse whitespace.
- ``english``: OpenAI Whisper's ``EnglishTextNormalizer`` as packaged by
  ``whisper-normalizer`` (spelled-out numbers to digits, British to American
  spelling, contractions expanded, fillers such as "uh" removed, "mr." to
  "mister", symbols and punctuation removed).
- ``multilingual``: Whisper's ``BasicTextNormalizer`` steps (lower-case, drop
  text in brackets and parentheses, NFKC, symbols and punctuation to spaces,
  collapse whitespace), except that combining marks are kept. Whisper turns
  them into spaces, which splits Thai and Indic words inside a character.
- ``chinese``: ``multilingual``, then Traditional Chinese characters and
  phrases converted to Simplified with OpenCC's ``t2s`` table, so that
  Traditional characters in a transcript are not counted as errors against
  Simplified references.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Callable

from harness.errors import MetricError

NORMALIZERS: tuple[str, ...] = ("none", "basic", "english", "multilingual", "chinese")

_WHITESPACE = re.compile(r"\s+")
_APOSTROPHES = {"'", "\u2019", "\u02bc"}
_BRACKETED = re.compile(r"[<\[][^>\]]*[>\]]")
_PARENTHESIZED = re.compile(r"\(([^)]+?)\)")


def normalize_none(text: str) -> str:
    return text


def normalize_basic(text: str) -> str:
    """Case-fold, delete apostrophes, turn other punctuation into spaces and collapse whitespace."""
    characters = []
    for character in text.casefold():
        if character in _APOSTROPHES:
            continue
        characters.append(" " if unicodedata.category(character).startswith("P") else character)
    return _WHITESPACE.sub(" ", "".join(characters)).strip()


def normalize_multilingual(text: str) -> str:
    """Apply Whisper's basic normalization but keep combining marks (see the module docstring)."""
    text = text.lower()
    text = _BRACKETED.sub("", text)
    text = _PARENTHESIZED.sub("", text)
    text = "".join(" " if unicodedata.category(c)[0] in "SP" else c for c in unicodedata.normalize("NFKC", text))
    return _WHITESPACE.sub(" ", text).strip()


@lru_cache(maxsize=1)
def _english_normalizer() -> Callable[[str], str]:
    try:
        from whisper_normalizer.english import EnglishTextNormalizer
    except ImportError:
        raise MetricError(
            "The english normalizer needs the whisper-normalizer package: pip install whisper-normalizer."
        ) from None
    return EnglishTextNormalizer()


def normalize_english(text: str) -> str:
    """Apply OpenAI Whisper's English text normalizer."""
    return _english_normalizer()(text)


@lru_cache(maxsize=1)
def _traditional_to_simplified() -> Callable[[str], str]:
    try:
        import opencc
    except ImportError:
        raise MetricError("The chinese normalizer needs the opencc package: pip install opencc.") from None
    return opencc.OpenCC("t2s.json").convert


def normalize_chinese(text: str) -> str:
    """Apply the multilingual normalizer, then convert Traditional Chinese to Simplified (OpenCC t2s)."""
    return _traditional_to_simplified()(normalize_multilingual(text))


def get_normalizer(name: str) -> Callable[[str], str]:
    """Return the normalizer function registered under ``name``."""
    functions: dict[str, Callable[[str], str]] = {
        "none": normalize_none,
        "basic": normalize_basic,
        "english": normalize_english,
        "multilingual": normalize_multilingual,
        "chinese": normalize_chinese,
    }
    if name not in functions:
        raise MetricError(f"Unknown normalizer {name!r}; use one of {', '.join(NORMALIZERS)}.")
    return functions[name]

"""Sentence splitting for ROUGE-Lsum.

ROUGE-Lsum scores a summary sentence by sentence. A text is split

1. on ``<t> ... </t>`` tags when it has them (the CNN/DailyMail reference
   format; nested or unbalanced tags are treated as sentence boundaries),
2. else on newlines when it has any,
3. else with pysbd (rule-based sentence boundary detection, pysbd 0.3) in
   the task's language when pysbd supports it, and with its English rules
   otherwise.
"""

from __future__ import annotations

import re
from functools import lru_cache

from harness.metrics.languages import primary_language

_SENTENCE_TAG = re.compile(r"\s*</?t>\s*")

# Languages with rules in pysbd 0.3.4 (pysbd.languages.LANGUAGE_CODES).
_PYSBD_LANGUAGES = frozenset(
    {"en", "hi", "mr", "zh", "es", "am", "ar", "hy", "bg", "ur", "ru", "pl", "fa", "nl", "da", "fr", "my", "el",
     "it", "ja", "de", "kk", "sk"}
)


def has_sentence_tags(text: str) -> bool:
    return "<t>" in text or "</t>" in text


@lru_cache(maxsize=32)
def _segmenter(language: str):  # type: ignore[no-untyped-def]
    import pysbd

    return pysbd.Segmenter(language=language, clean=False)


def split_sentences(text: str, language: str | None = None) -> list[str]:
    """Split a summary into sentences by tags, newlines or pysbd (see the module docstring)."""
    if has_sentence_tags(text):
        return [part.strip() for part in _SENTENCE_TAG.split(text) if part.strip()]
    if "\n" in text:
        return [line.strip() for line in text.split("\n") if line.strip()]
    if not text.strip():
        return []
    code = primary_language(language) or "en"
    segmenter = _segmenter(code if code in _PYSBD_LANGUAGES else "en")
    return [sentence.strip() for sentence in segmenter.segment(text) if sentence.strip()]


def sentence_splitter_name(language: str | None) -> str:
    """Return the name of the splitter used for untagged single-line texts, for signatures."""
    code = primary_language(language) or "en"
    return f"pysbd-{code if code in _PYSBD_LANGUAGES else 'en'}"

"""Rule-based sentence splitting for English news text.

A regular-expression splitter is used rather than NLTK's Punkt because Punkt
needs a model download that is not available offline. It splits after ``.``,
``!`` or ``?`` (optionally followed by closing quotes or brackets) when
whitespace follows, except after common abbreviations and single initials.
It also splits after the CJK full stop ``。``, ``！`` and ``？``.
"""

from __future__ import annotations

import re

_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "inc", "ltd", "co", "corp", "gen", "gov",
    "sen", "rep", "rev", "capt", "col", "lt", "sgt", "no", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
    "sep", "sept", "oct", "nov", "dec", "u.s", "u.k", "e.g", "i.e", "a.m", "p.m",
}  # fmt: skip

_TAG = re.compile(r"</?t>")
_BOUNDARY = re.compile(r"([.!?]+[\"'\u201d\u2019)\]]*|[\u3002\uff01\uff1f]+[\"'\u201d\u2019\uff09]*)(\s+|$)")
_CJK_BOUNDARY = re.compile(r"[\u3002\uff01\uff1f]")


def split_sentences(text: str) -> list[str]:
    """Split ``text`` into sentences; ``<t>``/``</t>`` tags are dropped and whitespace is collapsed."""
    text = " ".join(_TAG.sub(" ", text).split())
    sentences: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.end(1)
        candidate = text[start:end].strip()
        last_word = candidate.rsplit(" ", 1)[-1].rstrip(".!?\"')]\u201d\u2019").lower()
        is_cjk = bool(_CJK_BOUNDARY.search(match.group(1)))
        if not is_cjk and match.group(1).startswith(".") and (last_word in _ABBREVIATIONS or len(last_word) == 1):
            continue
        if not is_cjk and not match.group(2) and match.end() != len(text):
            continue
        if candidate:
            sentences.append(candidate)
        start = match.end()
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences

"""harness.text.porter against nltk's PorterStemmer, the stemmer rouge_score uses."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nltk.stem import porter

from harness.text.porter import stem

REPOSITORY = Path(__file__).resolve().parents[2]
NLTK = porter.PorterStemmer()

# Every suffix that a rule of the algorithm tests, and strings that exercise
# the consonant rules ("y" runs, doubled letters, digits).
SUFFIXES = [
    "ational", "tional", "enci", "anci", "izer", "bli", "abli", "alli", "entli", "eli", "ousli", "ization",
    "ation", "ator", "alism", "iveness", "fulness", "ousness", "aliti", "iviti", "biliti", "fulli", "logi",
    "icate", "ative", "alize", "iciti", "ical", "ful", "ness", "al", "ance", "ence", "er", "ic", "able", "ible",
    "ant", "ement", "ment", "ent", "ion", "sion", "tion", "ou", "ism", "ate", "iti", "ous", "ive", "ize", "e",
    "ll", "y", "yy", "ies", "ied", "eed", "ed", "ing", "s", "sses", "ss", "at", "bl", "iz", "*d", "ly",
]  # fmt: skip
LETTERS = "aeiouybcdlstzwxy0*"


def shipped_words() -> list[str]:
    """Every lower-cased run of ASCII letters and digits in the shipped task files."""
    words: set[str] = set()
    for path in (REPOSITORY / "tasks").rglob("*"):
        if path.suffix in {".txt", ".json", ".jsonl", ".tsv", ".yaml"}:
            words.update(re.findall(r"[a-z0-9]+", path.read_text(encoding="utf-8").lower()))
    return sorted(words)


def test_equals_nltk_on_every_shipped_word() -> None:
    words = shipped_words()
    assert len(words) > 50_000

    differences = [(word, NLTK.stem(word), stem(word)) for word in words if NLTK.stem(word) != stem(word)]

    assert differences == []


def test_equals_nltk_on_words_built_from_rule_suffixes() -> None:
    generator = random.Random(20261204)
    words = []
    for _ in range(40_000):
        word = "".join(generator.choice(LETTERS) for _ in range(generator.randint(0, 6)))
        words.append(word + "".join(generator.choice(SUFFIXES) for _ in range(generator.randint(0, 3))))

    differences = [(word, NLTK.stem(word), stem(word)) for word in words if NLTK.stem(word) != stem(word)]

    assert differences == []


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("caresses", "caress"),
        ("ponies", "poni"),
        ("dies", "die"),
        ("agreed", "agre"),
        ("hopping", "hop"),
        ("filing", "file"),
        ("happy", "happi"),
        ("enjoy", "enjoy"),
        ("relational", "relat"),
        ("generalli", "gener"),
        ("archaeology", "archaeolog"),
        ("skies", "sky"),
        ("dying", "die"),
        ("controll", "control"),
        ("Running", "run"),
        ("a*ding", "ad"),
    ],
)
def test_known_stems_equal_nltk(word: str, expected: str) -> None:
    assert NLTK.stem(word) == expected
    assert stem(word) == expected


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from([*"aeiouyAEIOUYbcdlmnrstvwxz09*é", *SUFFIXES]), max_size=8).map("".join))
def test_equals_nltk_on_random_strings(word: str) -> None:
    assert stem(word) == NLTK.stem(word)


@settings(max_examples=1000, deadline=None)
@given(st.text(max_size=12))
def test_equals_nltk_on_any_unicode(word: str) -> None:
    assert stem(word) == NLTK.stem(word)

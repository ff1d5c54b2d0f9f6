"""ROUGE-N, ROUGE-L and ROUGE-Lsum with the results of rouge_score 0.1.2, computed faster.

rouge_score spends most of its time in the Porter stemmer and in pure-Python
LCS tables (O(n*m) cells per pair, built twice for ROUGE-Lsum). This module
memoizes stems from a faster copy of nltk's stemmer (harness.text.porter) and
computes LCS lengths and LCS tables with the bit-parallel
algorithm of Hyyro (2004), one machine-word operation on Python integers per
candidate token. The LCS that ROUGE-Lsum takes the union of is read back with
rouge_score's own backtracking rule (``_backtrack_norec``), so tie-breaking
between equally long LCSs is the same. Equality to 1e-9 with rouge_score is
tested on random inputs in tests/metrics/test_rouge_equality.py, and
benchmarks/bench_metrics.py measures the speed-up.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from itertools import chain
from typing import Iterable, Protocol, Sequence

import regex

from harness.text.porter import stem as porter_stem

# rouge_score.tokenize: lower-case, keep runs of ASCII letters and digits.
_ROUGE_SCORE_TOKEN = re.compile(r"[a-z0-9]+")
_ROUGE_SCORE_VALID = re.compile(r"^[a-z0-9]+$")

# Scripts written without spaces: each character (with its combining marks)
# is one token, as in character-level ROUGE for Chinese and Japanese.
_CONTINUOUS_SCRIPTS = r"\p{Han}\p{Hiragana}\p{Katakana}\u30fc\u3005\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}\p{Tibetan}"
_MULTILINGUAL_TOKEN = regex.compile(
    rf"[{_CONTINUOUS_SCRIPTS}]\p{{M}}*|[[\p{{L}}\p{{N}}\p{{M}}]--[{_CONTINUOUS_SCRIPTS}]]+",
    regex.V1,
)


class Tokenizer(Protocol):
    """Anything with rouge_score's ``tokenize(text) -> list[str]`` method."""

    def tokenize(self, text: str) -> list[str]: ...


class _MemoizedPorterStemmer:
    """The Porter stemmer that rouge_score uses (nltk's, see harness.text.porter) with a process-wide per-word cache.

    ``stem_valid`` returns the stem of a word, or "" when the stem is not a
    valid rouge_score token (rouge_score drops such tokens after stemming).
    """

    # Shared by all instances: references are stemmed once per process even
    # when several systems are scored against them.
    _cache: dict[str, str] = {}
    _MAX_CACHE_SIZE = 2_000_000

    def stem_valid(self, word: str) -> str:
        stem = self._cache.get(word)
        if stem is None:
            stem = porter_stem(word)
            if not _ROUGE_SCORE_VALID.match(stem):
                stem = ""
            if len(self._cache) < self._MAX_CACHE_SIZE:
                self._cache[word] = stem
        return stem


def _stem_tokens(tokens: list[str], stemmer: _MemoizedPorterStemmer) -> list[str]:
    """Stem ASCII tokens longer than 3 characters and drop invalid stems, as rouge_score's tokenize does."""
    cache = stemmer._cache
    stemmed = []
    for token in tokens:
        if len(token) > 3:
            stem = cache.get(token)
            if stem is None:
                stem = stemmer.stem_valid(token)
            if stem:
                stemmed.append(stem)
        else:
            stemmed.append(token)
    return stemmed


class RougeScoreTokenizer:
    """rouge_score's default tokenizer: lower-case, ASCII letters and digits only, optional Porter stems.

    Letters outside a-z (accented, Cyrillic, CJK ...) are deleted, which is why
    non-English text needs :class:`MultilingualTokenizer`.
    """

    name = "rouge_score"

    def __init__(self, use_stemmer: bool = False) -> None:
        self._stemmer = _MemoizedPorterStemmer() if use_stemmer else None

    def tokenize(self, text: str) -> list[str]:
        tokens = _ROUGE_SCORE_TOKEN.findall(text.lower())
        if self._stemmer is None:
            return tokens
        return _stem_tokens(tokens, self._stemmer)


class MultilingualTokenizer:
    """Tokenizer for any script: NFKC, lower-case, then words of letters, digits and marks.

    Characters of scripts written without spaces (Han, Hiragana, Katakana,
    Thai, Lao, Khmer, Myanmar, Tibetan) are single tokens, each with its
    combining marks; Hangul, Cyrillic, Arabic, Devanagari and others keep
    their space-separated words. Punctuation and symbols are dropped. With
    ``use_stemmer``, ASCII words longer than 3 letters get Porter stems, as in
    rouge_score.
    """

    name = "multilingual"

    def __init__(self, use_stemmer: bool = False) -> None:
        self._stemmer = _MemoizedPorterStemmer() if use_stemmer else None

    def tokenize(self, text: str) -> list[str]:
        tokens = _MULTILINGUAL_TOKEN.findall(unicodedata.normalize("NFKC", text).lower())
        if self._stemmer is None:
            return tokens
        stem = self._stemmer.stem_valid
        return [
            (stem(token) or token) if len(token) > 3 and _ROUGE_SCORE_VALID.match(token) else token
            for token in tokens
        ]


def fmeasure(precision: float, recall: float) -> float:
    """Return the F1 of precision and recall, with rouge_score's arithmetic (0 when both are 0)."""
    if precision + recall > 0:
        return 2 * precision * recall / (precision + recall)
    return 0.0


def _position_masks(tokens: Sequence[str]) -> dict[str, int]:
    masks: dict[str, int] = {}
    for position, token in enumerate(tokens):
        masks[token] = masks.get(token, 0) | (1 << position)
    return masks


def lcs_length(reference: Sequence[str], candidate: Sequence[str]) -> int:
    """Return the length of the longest common subsequence (bit-parallel, Hyyro 2004)."""
    if len(candidate) > len(reference):
        reference, candidate = candidate, reference
    masks = _position_masks(reference)
    full = (1 << len(reference)) - 1
    vector = full
    for token in candidate:
        mask = masks.get(token)
        if mask:
            matched = vector & mask
            vector = ((vector + matched) | (vector - matched)) & full
    return len(reference) - vector.bit_count()


def lcs_indices(
    reference: Sequence[str], candidate: Sequence[str], masks: dict[str, int] | None = None
) -> list[int]:
    """Return the reference positions of the LCS that rouge_score's ``lcs_ind`` returns.

    Column ``j`` of the DP table ``t`` (prefix ``candidate[:j]``) is the bit
    vector ``columns[j]``: ``t[i][j] = i - popcount(columns[j] & (2**i - 1))``.
    The walk back is rouge_score's ``_backtrack_norec``. ``masks`` may pass
    ``_position_masks(reference)`` when the reference is reused.
    """
    if masks is None:
        masks = _position_masks(reference)
    full = (1 << len(reference)) - 1
    vector = full
    columns = [vector]
    for token in candidate:
        mask = masks.get(token)
        if mask:
            matched = vector & mask
            vector = ((vector + matched) | (vector - matched)) & full
        columns.append(vector)

    i = len(reference)
    j = len(candidate)
    positions: list[int] = []
    while i > 0 and j > 0:
        if reference[i - 1] == candidate[j - 1]:
            positions.append(i - 1)
            i -= 1
            j -= 1
            continue
        prefix_mask = (1 << i) - 1
        left = i - (columns[j - 1] & prefix_mask).bit_count()
        up = (i - 1) - (columns[j] & (prefix_mask >> 1)).bit_count()
        if left > up:
            j -= 1
        else:
            i -= 1
    positions.reverse()
    return positions


def rouge_n(target: Sequence[str], prediction: Sequence[str], n: int) -> tuple[float, float, float]:
    """Return (precision, recall, F1) of n-gram overlap, as rouge_score's ``_score_ngrams``."""
    target_ngrams = Counter(zip(*(target[k:] for k in range(n))))
    prediction_ngrams = Counter(zip(*(prediction[k:] for k in range(n))))
    overlap = sum((target_ngrams & prediction_ngrams).values())
    precision = overlap / max(sum(prediction_ngrams.values()), 1)
    recall = overlap / max(sum(target_ngrams.values()), 1)
    return precision, recall, fmeasure(precision, recall)


def rouge_l(target: Sequence[str], prediction: Sequence[str]) -> tuple[float, float, float]:
    """Return (precision, recall, F1) of sentence-level LCS, as rouge_score's ``_score_lcs``."""
    if not target or not prediction:
        return 0, 0, 0
    length = lcs_length(target, prediction)
    precision = length / len(prediction)
    recall = length / len(target)
    return precision, recall, fmeasure(precision, recall)


def rouge_lsum(
    target_sentences: Sequence[Sequence[str]], prediction_sentences: Sequence[Sequence[str]]
) -> tuple[float, float, float]:
    """Return (precision, recall, F1) of summary-level union LCS, as rouge_score's ``_summary_level_lcs``."""
    if not target_sentences or not prediction_sentences:
        return 0, 0, 0
    target_length = sum(map(len, target_sentences))
    prediction_length = sum(map(len, prediction_sentences))
    if not prediction_length or not target_length:
        return 0, 0, 0

    target_counts = Counter(chain.from_iterable(target_sentences))
    prediction_counts = Counter(chain.from_iterable(prediction_sentences))
    hits = 0
    for reference in target_sentences:
        union: set[int] = set()
        masks = _position_masks(reference)
        for candidate in prediction_sentences:
            union.update(lcs_indices(reference, candidate, masks))
        for position in sorted(union):
            token = reference[position]
            if prediction_counts[token] > 0 and target_counts[token] > 0:
                hits += 1
                prediction_counts[token] -= 1
                target_counts[token] -= 1

    recall = hits / target_length
    precision = hits / prediction_length
    return precision, recall, fmeasure(precision, recall)


class TokenizedText:
    """A text tokenized as a whole (ROUGE-N, ROUGE-L) and line by line (ROUGE-Lsum)."""

    __slots__ = ("tokens", "sentences")

    def __init__(self, text: str, tokenizer: Tokenizer, need_tokens: bool, need_sentences: bool) -> None:
        if need_sentences:
            self.sentences = [tokenizer.tokenize(line) for line in text.split("\n") if len(line)]
            # Both tokenizers treat a newline as a separator, so the whole text
            # tokenizes to the concatenated line tokens.
            self.tokens = list(chain.from_iterable(self.sentences)) if need_tokens else []
        else:
            self.sentences = []
            self.tokens = tokenizer.tokenize(text) if need_tokens else []


def check_rouge_types(rouge_types: Iterable[str]) -> list[str]:
    """Validate rouge_score type names (``rougeN`` with N >= 1, ``rougeL``, ``rougeLsum``)."""
    checked = []
    for rouge_type in rouge_types:
        if rouge_type in ("rougeL", "rougeLsum"):
            checked.append(rouge_type)
            continue
        match = re.fullmatch(r"rouge([0-9])", rouge_type)
        if not match or int(match.group(1)) <= 0:
            raise ValueError(f"Invalid rouge type {rouge_type!r}; use rouge1 .. rouge9, rougeL or rougeLsum.")
        checked.append(rouge_type)
    return checked


class RougeScorer:
    """Drop-in equivalent of ``rouge_score.rouge_scorer.RougeScorer`` returning plain tuples.

    ``score_multi`` picks, per ROUGE type, the reference with the highest F1
    (the first one on ties), as rouge_score does.
    """

    def __init__(self, rouge_types: Sequence[str], tokenizer: Tokenizer) -> None:
        self.rouge_types = check_rouge_types(rouge_types)
        self.tokenizer = tokenizer
        self._need_tokens = any(t != "rougeLsum" for t in self.rouge_types)
        self._need_sentences = "rougeLsum" in self.rouge_types

    def prepare(self, text: str) -> TokenizedText:
        """Tokenize a text once for all ROUGE types."""
        return TokenizedText(text, self.tokenizer, self._need_tokens, self._need_sentences)

    def score_prepared(self, target: TokenizedText, prediction: TokenizedText) -> dict[str, tuple[float, float, float]]:
        scores = {}
        for rouge_type in self.rouge_types:
            if rouge_type == "rougeL":
                scores[rouge_type] = rouge_l(target.tokens, prediction.tokens)
            elif rouge_type == "rougeLsum":
                scores[rouge_type] = rouge_lsum(target.sentences, prediction.sentences)
            else:
                scores[rouge_type] = rouge_n(target.tokens, prediction.tokens, int(rouge_type[5:]))
        return scores

    def score(self, target: str, prediction: str) -> dict[str, tuple[float, float, float]]:
        return self.score_prepared(self.prepare(target), self.prepare(prediction))

    def score_multi(self, targets: Sequence[str], prediction: str) -> dict[str, tuple[float, float, float]]:
        prepared_prediction = self.prepare(prediction)
        per_target = [self.score_prepared(self.prepare(target), prepared_prediction) for target in targets]
        best = {}
        for rouge_type in self.rouge_types:
            best_scores = per_target[0][rouge_type]
            for scores in per_target[1:]:
                if scores[rouge_type][2] > best_scores[2]:
                    best_scores = scores[rouge_type]
            best[rouge_type] = best_scores
        return best

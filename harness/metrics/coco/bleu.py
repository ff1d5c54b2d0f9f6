"""COCO BLEU-1..4 (pycocoevalcap ``Bleu``) from per-image statistics.

pycocoevalcap cooks each image with ``cook_refs``/``cook_test`` and sums the
statistics with the "closest" reference length. Those functions are used as
they are. Only the final formula of ``BleuScorer.compute_score`` is restated
here, vectorized, so that resamples only re-sum the statistics. Note that
COCO BLEU differs from sacrebleu's: no smoothing apart from the 1e-15 and
1e-9 terms below, and the brevity penalty uses the closest reference length.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from pycocoevalcap.bleu.bleu_scorer import cook_refs, cook_test

_SMALL = 1e-9
_TINY = 1e-15


def bleu_statistics(hypotheses: Sequence[str], references: Sequence[Sequence[str]], n: int = 4) -> np.ndarray:
    """Return per-image rows [testlen, reflen, guess_1..n, correct_1..n] for tokenized captions."""
    rows = np.zeros((len(hypotheses), 2 + 2 * n), dtype=np.float64)
    for index, (hypothesis, image_references) in enumerate(zip(hypotheses, references)):
        cooked = cook_test(hypothesis, cook_refs(list(image_references), n=n), n=n)
        test_length = cooked["testlen"]
        # BleuScorer._single_reflen with option "closest".
        reference_length = min((abs(length - test_length), length) for length in cooked["reflen"])[1]
        rows[index, 0] = test_length
        rows[index, 1] = reference_length
        rows[index, 2 : 2 + n] = cooked["guess"]
        rows[index, 2 + n :] = cooked["correct"]
    return rows


def bleu_from_statistics(sums: np.ndarray, n: int = 4) -> np.ndarray:
    """Return BLEU-1..n, shape (rows, n), from summed statistics, as ``BleuScorer.compute_score``."""
    sums = np.atleast_2d(sums)
    test_length, reference_length = sums[:, 0], sums[:, 1]
    guess, correct = sums[:, 2 : 2 + n], sums[:, 2 + n :]
    scores = np.zeros((len(sums), n))
    product = np.ones(len(sums))
    for k in range(n):
        product = product * ((correct[:, k] + _TINY) / (guess[:, k] + _SMALL))
        scores[:, k] = product ** (1.0 / (k + 1))
    ratio = (test_length + _TINY) / (reference_length + _SMALL)
    penalty = np.where(ratio < 1, np.exp(1 - 1 / np.where(ratio < 1, ratio, 1.0)), 1.0)
    return scores * penalty[:, None]

"""METEOR 1.5 as pycocoevalcap runs it (``meteor-1.5.jar -l en -norm``), with a Python aggregate for resampling.

The jar aligns each hypothesis with its references and prints 23 sufficient
statistics per segment; its corpus score (``EVAL``) sums them and applies
:func:`meteor_from_statistics`. Scoring a bootstrap resample through the jar
costs about 0.15 s per 1000 segments, so resamples use the Python formula.
It equals the jar's ``EVAL`` to 1e-12 on a COCO fakecap resample
(tests/metrics/test_captioning_reference.py).
"""

from __future__ import annotations

import logging
from typing import Sequence

import numpy as np

from harness.errors import MetricError
from harness.metrics.coco.java import JAVA_FIX, require_java

logger = logging.getLogger(__name__)

# METEOR 1.5 parameters for English with default task settings
# (alpha, beta, gamma, delta) and module weights (exact, stem, synonym, paraphrase).
ALPHA, BETA, GAMMA, DELTA = 0.85, 0.20, 0.60, 0.75
MODULE_WEIGHTS = (1.0, 0.6, 0.8, 0.6)
N_STATISTICS = 23


def meteor_from_statistics(statistics: np.ndarray) -> np.ndarray:
    """Return METEOR scores from summed segment statistics, shape (rows, 23) -> (rows,).

    Columns: test length, reference length, test and reference function
    words, then per module (test content, reference content, test function,
    reference function) matches, then chunks, test and reference word matches.
    """
    statistics = np.atleast_2d(statistics)
    test_length, reference_length = statistics[:, 0], statistics[:, 1]
    test_function, reference_function = statistics[:, 2], statistics[:, 3]
    test_weighted = np.zeros(len(statistics))
    reference_weighted = np.zeros(len(statistics))
    test_matches = np.zeros(len(statistics))
    reference_matches = np.zeros(len(statistics))
    for module, weight in enumerate(MODULE_WEIGHTS):
        base = 4 + 4 * module
        test_content, reference_content = statistics[:, base], statistics[:, base + 1]
        test_function_matches, reference_function_matches = statistics[:, base + 2], statistics[:, base + 3]
        test_weighted += weight * (DELTA * test_content + (1 - DELTA) * test_function_matches)
        reference_weighted += weight * (DELTA * reference_content + (1 - DELTA) * reference_function_matches)
        test_matches += test_content + test_function_matches
        reference_matches += reference_content + reference_function_matches
    chunks, test_word_matches, reference_word_matches = statistics[:, 20], statistics[:, 21], statistics[:, 22]

    test_weighted_length = DELTA * (test_length - test_function) + (1 - DELTA) * test_function
    reference_weighted_length = DELTA * (reference_length - reference_function) + (1 - DELTA) * reference_function
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(test_weighted_length > 0, test_weighted / test_weighted_length, 0.0)
        recall = np.where(reference_weighted_length > 0, reference_weighted / reference_weighted_length, 0.0)
        f_mean = precision * recall / (ALPHA * precision + (1 - ALPHA) * recall)
        exact = (test_matches == test_length) & (reference_matches == reference_length) & (chunks == 1)
        fragmentation = np.where(exact, 0.0, chunks / ((test_word_matches + reference_word_matches) / 2))
        score = f_mean * (1 - GAMMA * fragmentation**BETA)
    return np.where((precision > 0) & (recall > 0), score, 0.0)


def meteor_segments(
    hypotheses: Sequence[str], references: Sequence[Sequence[str]]
) -> tuple[np.ndarray, list[float], float]:
    """Run the METEOR jar on tokenized captions.

    Returns the per-segment statistics (segments x 23), the jar's
    per-segment scores and its corpus score, computed as pycocoevalcap's
    ``Meteor.compute_score`` does.
    """
    require_java("METEOR")
    try:
        from pycocoevalcap.meteor.meteor import Meteor
    except ImportError:
        raise MetricError("METEOR needs pycocoevalcap: pip install pycocoevalcap.") from None
    try:
        scorer = Meteor()
    except OSError as error:
        raise MetricError(f"METEOR could not start Java ({error}): {JAVA_FIX}.") from None

    try:
        with scorer.lock:
            statistics_lines = [scorer._stat(hypothesis, list(refs)) for hypothesis, refs in zip(hypotheses, references)]
            scorer.meteor_p.stdin.write(("EVAL ||| " + " ||| ".join(statistics_lines) + "\n").encode())
            scorer.meteor_p.stdin.flush()
            segment_scores = [float(scorer.meteor_p.stdout.readline().strip()) for _ in statistics_lines]
            corpus_score = float(scorer.meteor_p.stdout.readline().strip())
    except (BrokenPipeError, ValueError) as error:
        stderr = scorer.meteor_p.stderr.read(2000).decode(errors="replace") if scorer.meteor_p.stderr else ""
        raise MetricError(f"METEOR jar failed ({error}); its output: {stderr.strip() or 'none'}.") from None
    finally:
        scorer.meteor_p.stdin.close()
        scorer.meteor_p.kill()
        scorer.meteor_p.wait()

    statistics = np.asarray([[float(v) for v in line.split()] for line in statistics_lines], dtype=np.float64)
    if statistics.shape[1:] != (N_STATISTICS,):
        raise MetricError(f"METEOR jar printed {statistics.shape[1:]} statistics per segment, expected {N_STATISTICS}.")
    return statistics, segment_scores, corpus_score

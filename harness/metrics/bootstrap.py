"""Bootstrap confidence intervals and paired bootstrap significance tests.

Resampling follows sacrebleu 2.x (``sacrebleu.significance``). Indices are
drawn with ``numpy.random.default_rng(seed).choice(n, size=(resamples, n))``.
The 95 % interval takes the order statistics ``sorted[k]`` and
``sorted[R - k - 1]`` with ``k = R // 40``. The paired test is Koehn's (2004)
paired bootstrap with sacrebleu's p-value: the share of resamples whose
mean-centred absolute difference exceeds the observed absolute difference,
with add-one smoothing. So with the same seed and resample count, BLEU and
chrF intervals and p-values equal sacrebleu's.

Metrics derived from :class:`~harness.metrics.corpus.CorpusMetric` are
resampled from their sufficient statistics; any other :class:`Metric` is
recomputed on each resampled corpus, which is correct but slow.
"""

from __future__ import annotations

import logging
from typing import Any, Iterator, Sequence

import numpy as np

from harness.errors import MetricError
from harness.metrics.base import Metric
from harness.metrics.corpus import DEFAULT_BOOTSTRAP_RESAMPLES, DEFAULT_BOOTSTRAP_SEED, CorpusMetric

logger = logging.getLogger(__name__)

# Upper bound on resamples x samples held in memory at once (float64 counts).
_MAX_CELLS_PER_CHUNK = 2_000_000


def iter_resample_counts(n_samples: int, n_resamples: int, seed: int) -> Iterator[np.ndarray]:
    """Yield chunks of resample count matrices of shape (chunk, n_samples), float64.

    ``counts[b, i]`` is how many times sample ``i`` is drawn in resample ``b``.
    The chunks together equal one ``rng.choice(n_samples, size=(n_resamples,
    n_samples))`` call, because the generator draws the indices row by row.
    """
    if n_samples <= 0:
        raise MetricError("Bootstrap needs at least one sample.")
    rng = np.random.default_rng(seed)
    chunk_size = max(1, min(n_resamples, _MAX_CELLS_PER_CHUNK // n_samples))
    done = 0
    while done < n_resamples:
        size = min(chunk_size, n_resamples - done)
        indices = rng.choice(n_samples, size=(size, n_samples), replace=True)
        flat = indices + (np.arange(size)[:, None] * n_samples)
        counts = np.bincount(flat.ravel(), minlength=size * n_samples).reshape(size, n_samples)
        yield counts.astype(np.float64)
        done += size


def interval_from_resamples(values: np.ndarray, confidence: float = 0.95) -> tuple[float, float]:
    """Return the percentile interval of bootstrap scores, as sacrebleu's ``estimate_ci`` picks it.

    Non-finite resample scores (a resample with no reference words for WER,
    for example) are left out; an interval of only such scores is (nan, nan).
    """
    finite = np.sort(values[np.isfinite(values)])
    if len(finite) < len(values):
        logger.warning("Left out %d non-finite bootstrap scores of %d", len(values) - len(finite), len(values))
    if len(finite) == 0:
        return (float("nan"), float("nan"))
    lower_index = int(len(finite) * (1.0 - confidence) / 2.0)
    upper_index = len(finite) - lower_index - 1
    return (float(finite[lower_index]), float(finite[upper_index]))


def _resample_scores_from_statistics(
    metric: CorpusMetric, statistics_list: Sequence[Any], n_resamples: int, seed: int
) -> list[dict[str, np.ndarray]]:
    """Score the same resamples for each statistics object (one per system) and concatenate the chunks."""
    n_samples = len(statistics_list[0])
    chunks: list[list[dict[str, np.ndarray]]] = [[] for _ in statistics_list]
    for counts in iter_resample_counts(n_samples, n_resamples, seed):
        for system_chunks, statistics in zip(chunks, statistics_list):
            system_chunks.append(metric.score_resamples(statistics, counts))
    return [
        {name: np.concatenate([chunk[name] for chunk in system_chunks]) for name in system_chunks[0]}
        for system_chunks in chunks
    ]


def _resample_scores_by_recomputing(
    metric: Metric,
    hypotheses_list: Sequence[Sequence[str]],
    references: Sequence[Sequence[str]],
    n_resamples: int,
    seed: int,
) -> list[dict[str, np.ndarray]]:
    """Recompute ``metric`` on each resampled corpus; the fallback for metrics without statistics."""
    n_samples = len(references)
    rng = np.random.default_rng(seed)
    indices = rng.choice(n_samples, size=(n_resamples, n_samples), replace=True)
    per_system: list[dict[str, list[float]]] = [{} for _ in hypotheses_list]
    for row in indices:
        resampled_references = [references[i] for i in row]
        for scores, hypotheses in zip(per_system, hypotheses_list):
            result = metric.compute([hypotheses[i] for i in row], resampled_references)
            for name, value in result.scores.items():
                scores.setdefault(name, []).append(value)
    return [{name: np.asarray(values) for name, values in scores.items()} for scores in per_system]


def _defined_intervals(resampled: dict[str, np.ndarray], confidence: float) -> dict[str, tuple[float, float]]:
    """Return the interval of each score, leaving out scores with no finite resample value."""
    intervals = {}
    for name, values in resampled.items():
        low, high = interval_from_resamples(values, confidence)
        if np.isfinite(low) and np.isfinite(high):
            intervals[name] = (low, high)
        else:
            logger.warning("No bootstrap interval for %s: every resample score is undefined", name)
    return intervals


def confidence_intervals_from_statistics(
    metric: CorpusMetric,
    statistics: Any,
    n_resamples: int = DEFAULT_BOOTSTRAP_RESAMPLES,
    seed: int = DEFAULT_BOOTSTRAP_SEED,
    confidence: float = 0.95,
) -> dict[str, tuple[float, float]]:
    """Return the bootstrap interval of every score of ``metric`` from precomputed statistics."""
    if n_resamples <= 0:
        return {}
    (resampled,) = _resample_scores_from_statistics(metric, [statistics], n_resamples, seed)
    return _defined_intervals(resampled, confidence)


def _resample(
    metric: Metric,
    hypotheses_list: Sequence[Sequence[str]],
    references: Sequence[Sequence[str]],
    n_resamples: int,
    seed: int,
) -> tuple[list[dict[str, float]], list[dict[str, np.ndarray]]]:
    """Return the corpus scores and the resample scores of each system."""
    if isinstance(metric, CorpusMetric):
        statistics_list = [metric.sample_statistics(hypotheses, references) for hypotheses in hypotheses_list]
        corpus = [metric.corpus_scores(statistics) for statistics in statistics_list]
        return corpus, _resample_scores_from_statistics(metric, statistics_list, n_resamples, seed)

    logger.info("%s has no sufficient statistics; recomputing it on %d resamples", type(metric).__name__, n_resamples)
    # A metric with its own bootstrap option would nest resampling, so it is off meanwhile.
    saved_resamples = getattr(metric, "bootstrap_resamples", None)
    if saved_resamples is not None:
        metric.bootstrap_resamples = 0  # type: ignore[attr-defined]
    try:
        corpus = [dict(metric.compute(hypotheses, references).scores) for hypotheses in hypotheses_list]
        return corpus, _resample_scores_by_recomputing(metric, hypotheses_list, references, n_resamples, seed)
    finally:
        if saved_resamples is not None:
            metric.bootstrap_resamples = saved_resamples  # type: ignore[attr-defined]


def bootstrap_confidence_interval(
    metric: Metric,
    hypotheses: Sequence[str],
    references: Sequence[Sequence[str]],
    n_resamples: int = DEFAULT_BOOTSTRAP_RESAMPLES,
    seed: int = DEFAULT_BOOTSTRAP_SEED,
    confidence: float = 0.95,
) -> dict[str, tuple[float, float]]:
    """Return the bootstrap confidence interval (low, high) of every score of ``metric``.

    A score that is undefined on every resample (SPICE without any image
    score, for example) gets no interval.

    Samples (sentences, documents, images, utterances) are drawn with
    replacement ``n_resamples`` times and the corpus statistic is recomputed on
    each resample, for CIDEr-D with the document frequencies of the resample.
    """
    _check_resamples(n_resamples)
    _, (resampled,) = _resample(metric, [hypotheses], references, n_resamples, seed)
    return _defined_intervals(resampled, confidence)


def paired_bootstrap(
    metric: Metric,
    hypotheses_a: Sequence[str],
    hypotheses_b: Sequence[str],
    references: Sequence[Sequence[str]],
    n_resamples: int = DEFAULT_BOOTSTRAP_RESAMPLES,
    seed: int = DEFAULT_BOOTSTRAP_SEED,
    confidence: float = 0.95,
) -> dict[str, dict[str, Any]]:
    """Compare system B with system A on the same samples by paired bootstrap resampling.

    Both systems are scored on the same resamples. Returns, per score name,
    ``score_a`` and ``score_b`` (corpus scores), ``difference`` (B minus A) and
    ``ci`` (the bootstrap interval of the difference). ``p_value`` is two-sided:
    the probability of an absolute difference this large if the systems were
    equal, computed as sacrebleu's paired bootstrap test does.
    """
    _check_resamples(n_resamples)
    if len(hypotheses_a) != len(hypotheses_b) or len(hypotheses_a) != len(references):
        raise MetricError(
            f"Paired bootstrap needs both systems on the same samples: got {len(hypotheses_a)} and "
            f"{len(hypotheses_b)} hypotheses for {len(references)} reference lists."
        )
    (corpus_a, corpus_b), (resampled_a, resampled_b) = _resample(
        metric, [hypotheses_a, hypotheses_b], references, n_resamples, seed
    )

    comparison: dict[str, dict[str, Any]] = {}
    for name in corpus_a:
        observed = corpus_b[name] - corpus_a[name]
        differences = resampled_b[name] - resampled_a[name]
        comparison[name] = {
            "score_a": corpus_a[name],
            "score_b": corpus_b[name],
            "difference": observed,
            "ci": interval_from_resamples(differences, confidence),
            "p_value": _paired_p_value(np.abs(differences), abs(observed)),
        }
    return comparison


def _paired_p_value(absolute_differences: np.ndarray, observed_absolute_difference: float) -> float:
    """Return sacrebleu's paired bootstrap p-value: centre the resampled differences, count larger ones.

    Two identical outputs (observed difference 0) get 1.0; sacrebleu's formula
    would return 1 / (resamples + 1) for them.
    """
    finite = absolute_differences[np.isfinite(absolute_differences)]
    if len(finite) == 0:
        return float("nan")
    if observed_absolute_difference == 0 and not np.any(finite):
        return 1.0
    centred = finite - finite.mean()
    exceed = int(np.sum(centred > observed_absolute_difference))
    return (exceed + 1) / (len(finite) + 1)


def _check_resamples(n_resamples: int) -> None:
    if not isinstance(n_resamples, int) or n_resamples < 1:
        raise MetricError(f"n_resamples must be a positive integer, got {n_resamples!r}.")


"""Metrics computed from per-sample sufficient statistics, with bootstrap intervals.

A :class:`CorpusMetric` splits scoring in two steps: ``sample_statistics``
extracts what the corpus score needs from each sample once (n-gram match
counts, edit counts, per-document F1 ...), and ``score_resamples`` turns
weighted sums of them into corpus scores. The bootstrap repeats only the
second step, without tokenizing or matching again.
"""

from __future__ import annotations

import logging
from abc import abstractmethod
from typing import Any, Protocol, Sequence

import numpy as np

from harness.errors import MetricError
from harness.metrics.base import Metric, MetricResult

logger = logging.getLogger(__name__)

DEFAULT_BOOTSTRAP_RESAMPLES = 1000
DEFAULT_BOOTSTRAP_SEED = 12345


class SampleStatistics(Protocol):
    """Per-sample statistics of one system output; ``len`` is the number of samples."""

    def __len__(self) -> int: ...


def check_inputs(
    metric_name: str,
    hypotheses: Sequence[str],
    references: Sequence[Sequence[str]],
    *,
    min_references: int = 1,
    max_references: int | None = None,
) -> tuple[list[str], list[list[str]]]:
    """Validate the shapes of ``hypotheses`` and ``references`` and return them as lists.

    Raises :class:`MetricError` naming the sample index and the fix when a
    hypothesis is not a string, a reference list is a bare string, or the
    number of references is outside ``[min_references, max_references]``.
    """
    if isinstance(hypotheses, str) or isinstance(references, str):
        raise MetricError(
            f"{metric_name}: hypotheses and references must be sequences (one entry per sample), not a single string."
        )
    if len(hypotheses) != len(references):
        raise MetricError(
            f"{metric_name}: got {len(hypotheses)} hypotheses but {len(references)} reference lists; "
            "pass one list of references per hypothesis."
        )
    if len(hypotheses) == 0:
        raise MetricError(f"{metric_name}: no samples to score; pass at least one hypothesis.")

    hypothesis_list: list[str] = []
    reference_lists: list[list[str]] = []
    for index, (hypothesis, sample_references) in enumerate(zip(hypotheses, references)):
        if not isinstance(hypothesis, str):
            raise MetricError(
                f"{metric_name}: hypothesis of sample {index} is {type(hypothesis).__name__}, expected str; "
                "write an empty string for a missing output."
            )
        if isinstance(sample_references, str):
            raise MetricError(
                f"{metric_name}: references of sample {index} are a single string; wrap them in a list: [{sample_references!r}]."
            )
        sample_list = list(sample_references)
        for reference in sample_list:
            if not isinstance(reference, str):
                raise MetricError(
                    f"{metric_name}: a reference of sample {index} is {type(reference).__name__}, expected str."
                )
        if len(sample_list) < min_references:
            raise MetricError(
                f"{metric_name}: sample {index} has {len(sample_list)} references, needs at least {min_references}; "
                "remove the sample or add its reference."
            )
        if max_references is not None and len(sample_list) > max_references:
            raise MetricError(
                f"{metric_name}: sample {index} has {len(sample_list)} references, but this metric takes at most "
                f"{max_references}; keep one reference per sample."
            )
        hypothesis_list.append(hypothesis)
        reference_lists.append(sample_list)
    return hypothesis_list, reference_lists


class CorpusMetric(Metric):
    """A metric whose corpus scores are a function of per-sample sufficient statistics.

    ``bootstrap_resamples`` (default 1000, 0 disables) sets how many bootstrap
    resamples :meth:`compute` draws for the 95 % confidence intervals, and
    ``bootstrap_seed`` seeds them.
    """

    def __init__(
        self,
        *,
        language: str | None = None,
        bootstrap_resamples: int = DEFAULT_BOOTSTRAP_RESAMPLES,
        bootstrap_seed: int = DEFAULT_BOOTSTRAP_SEED,
    ) -> None:
        if not isinstance(bootstrap_resamples, int) or isinstance(bootstrap_resamples, bool) or bootstrap_resamples < 0:
            raise MetricError(
                f"{type(self).__name__}: bootstrap_resamples must be an integer >= 0 (0 disables), got {bootstrap_resamples!r}."
            )
        if not isinstance(bootstrap_seed, int) or isinstance(bootstrap_seed, bool):
            raise MetricError(f"{type(self).__name__}: bootstrap_seed must be an integer, got {bootstrap_seed!r}.")
        self.language = language
        self.bootstrap_resamples = bootstrap_resamples
        self.bootstrap_seed = bootstrap_seed

    @abstractmethod
    def sample_statistics(self, hypotheses: Sequence[str], references: Sequence[Sequence[str]]) -> SampleStatistics:
        """Extract the per-sample statistics of one system output (inputs not yet validated)."""

    @abstractmethod
    def score_resamples(self, statistics: Any, counts: np.ndarray) -> dict[str, np.ndarray]:
        """Score resampled corpora.

        ``counts`` has shape (resamples, samples): ``counts[b, i]`` is how many
        times sample ``i`` is drawn in resample ``b`` (a row of ones is the
        corpus itself). Returns one array of shape (resamples,) per score name.
        """

    @abstractmethod
    def build_result(self, statistics: Any) -> MetricResult:
        """Build the corpus result (scores, signature, details, per-sample scores) without intervals."""

    def compute(self, hypotheses: Sequence[str], references: Sequence[Sequence[str]]) -> MetricResult:
        """Score hypotheses against their references, with bootstrap intervals unless disabled."""
        statistics = self.sample_statistics(hypotheses, references)
        result = self.build_result(statistics)
        if self.bootstrap_resamples > 0:
            # Imported here because bootstrap imports this module.
            from harness.metrics.bootstrap import confidence_intervals_from_statistics

            result.confidence_intervals = confidence_intervals_from_statistics(
                self, statistics, n_resamples=self.bootstrap_resamples, seed=self.bootstrap_seed
            )
        result.options.setdefault("bootstrap_resamples", self.bootstrap_resamples)
        result.options.setdefault("bootstrap_seed", self.bootstrap_seed)
        return result

    def corpus_scores(self, statistics: Any) -> dict[str, float]:
        """Return the corpus scores of the full sample set (one resample drawing every sample once)."""
        counts = np.ones((1, len(statistics)), dtype=np.float64)
        return {name: float(values[0]) for name, values in self.score_resamples(statistics, counts).items()}

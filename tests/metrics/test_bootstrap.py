"""Bootstrap intervals and paired tests: resampling, generic fallback and the public API."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pytest

from harness.errors import MetricError
from harness.metrics import (
    Metric,
    MetricResult,
    bootstrap_confidence_interval,
    build_metric,
    metric_names,
    paired_bootstrap,
    score_texts,
)
from harness.metrics.bootstrap import interval_from_resamples, iter_resample_counts

HYPOTHESES_A = ["the cat sat on the mat", "a dog runs in the park", "hello world", "it is raining today"] * 10
HYPOTHESES_B = ["the cat sat on a mat", "a dog is running in a park", "hello there", "it rains"] * 10
REFERENCES = [["the cat sat on the mat"], ["a dog runs in the park"], ["hello world"], ["it is raining today"]] * 10


def test_resample_counts_equal_one_shot_choice() -> None:
    chunks = list(iter_resample_counts(n_samples=1_500_000, n_resamples=3, seed=3))
    assert len(chunks) > 1
    counts = np.concatenate(chunks)
    indices = np.random.default_rng(3).choice(1_500_000, size=(3, 1_500_000), replace=True)
    for row, expected in zip(counts, indices):
        assert np.array_equal(row, np.bincount(expected, minlength=1_500_000))
    assert np.all(counts.sum(axis=1) == 1_500_000)


def test_interval_uses_sacrebleu_order_statistics() -> None:
    values = np.arange(1000, dtype=np.float64)
    assert interval_from_resamples(values) == (25.0, 974.0)
    assert interval_from_resamples(np.array([np.nan, 1.0, 2.0])) == (1.0, 2.0)


def test_every_metric_accepts_language_and_bootstrap_options() -> None:
    for name in metric_names():
        metric = build_metric(name, language=None, bootstrap_resamples=0, bootstrap_seed=1)
        assert metric.name == name
        assert build_metric(name, language="en").bootstrap_resamples == 1000


def test_invalid_bootstrap_options_raise() -> None:
    with pytest.raises(MetricError, match="bootstrap_resamples"):
        build_metric("bleu", bootstrap_resamples=-1)
    with pytest.raises(MetricError, match="Unknown metric"):
        build_metric("blue")


def test_bootstrap_interval_function_matches_compute() -> None:
    metric = build_metric("rouge", language="en", bootstrap_resamples=300, bootstrap_seed=9)
    result = metric.compute(HYPOTHESES_B, REFERENCES)
    intervals = bootstrap_confidence_interval(metric, HYPOTHESES_B, REFERENCES, n_resamples=300, seed=9)
    assert intervals == result.confidence_intervals
    assert intervals["rouge1"][0] < result.scores["rouge1"] < intervals["rouge1"][1]


def test_paired_bootstrap_detects_better_system() -> None:
    metric = build_metric("wer", bootstrap_resamples=0)
    comparison = paired_bootstrap(metric, HYPOTHESES_A, HYPOTHESES_B, REFERENCES, n_resamples=500)["wer"]
    assert comparison["score_a"] == 0.0
    assert comparison["difference"] == pytest.approx(comparison["score_b"])
    assert comparison["p_value"] < 0.01
    assert comparison["ci"][0] > 0


def test_paired_bootstrap_same_system_is_not_significant() -> None:
    metric = build_metric("chrf", bootstrap_resamples=0)
    comparison = paired_bootstrap(metric, HYPOTHESES_B, HYPOTHESES_B, REFERENCES, n_resamples=200)["chrf"]
    assert comparison["difference"] == 0.0
    assert comparison["p_value"] == pytest.approx(1.0, abs=0.05)


def test_paired_bootstrap_rejects_unequal_lengths() -> None:
    with pytest.raises(MetricError, match="same samples"):
        paired_bootstrap(build_metric("bleu"), HYPOTHESES_A, HYPOTHESES_B[:-1], REFERENCES)


class ExactMatch(Metric):
    """A metric without sufficient statistics: share of hypotheses equal to a reference."""

    name = "exact_match"

    def compute(self, hypotheses: Sequence[str], references: Sequence[Sequence[str]]) -> MetricResult:
        matches = [float(h in refs) for h, refs in zip(hypotheses, references)]
        return MetricResult(metric=self.name, scores={"exact_match": float(np.mean(matches))}, signature="exact")


def test_generic_metric_is_recomputed_per_resample() -> None:
    half_right = [a if i % 2 else b for i, (a, b) in enumerate(zip(HYPOTHESES_A, HYPOTHESES_B))]
    intervals = bootstrap_confidence_interval(ExactMatch(), half_right, REFERENCES, n_resamples=200, seed=4)
    low, high = intervals["exact_match"]
    assert 0.0 < low < 0.5 < high < 1.0
    comparison = paired_bootstrap(ExactMatch(), HYPOTHESES_A, half_right, REFERENCES, n_resamples=100)
    assert comparison["exact_match"]["difference"] == pytest.approx(-0.5)
    assert comparison["exact_match"]["p_value"] < 0.05


def test_score_texts_takes_task_metric_specs() -> None:
    results = score_texts(
        ["bleu", {"name": "chrf", "options": {"word_order": 2, "bootstrap_resamples": 0}}],
        HYPOTHESES_B,
        REFERENCES,
        language="en",
    )
    assert [result.metric for result in results] == ["bleu", "chrf"]
    assert results[1].options["word_order"] == 2
    assert results[0].confidence_intervals
    with pytest.raises(MetricError, match="Invalid metric specification"):
        score_texts([{"options": {}}], HYPOTHESES_B, REFERENCES)

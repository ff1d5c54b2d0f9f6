"""Score one task's outputs with every metric the task declares."""

from __future__ import annotations

import logging
from typing import Any, Sequence

from harness.metrics.base import MetricResult
from harness.metrics.registry import build_metric
from harness.results.schema import MetricRecord
from harness.tasks.task import Example, Task

logger = logging.getLogger(__name__)


def metric_language(task: Task) -> str | None:
    """Return the language of the texts being scored: the target language, else the source language (ASR)."""
    return task.config.target_language or task.config.source_language


def score_outputs(
    task: Task, examples: Sequence[Example], predictions: Sequence[str], options: dict[str, Any] | None = None
) -> tuple[dict[str, MetricRecord], list[dict[str, float]]]:
    """Compute every metric of ``task`` at corpus level.

    Returns the metric records by metric name and, per example, a dict of
    sentence-level scores keyed ``<metric>.<score>``. ``options`` adds or
    overrides metric options for every metric (for example the number of
    bootstrap resamples).
    """
    if len(examples) != len(predictions):
        raise ValueError(f"{len(predictions)} predictions for {len(examples)} examples of task {task.name}")
    references = [list(example.references) for example in examples]
    records: dict[str, MetricRecord] = {}
    per_sample: list[dict[str, float]] = [{} for _ in examples]
    for spec in task.config.metrics:
        metric_options = {**spec.options, **(options or {})}
        metric = build_metric(spec.name, language=metric_language(task), **metric_options)
        result: MetricResult = metric.compute(list(predictions), references)
        records[spec.name] = MetricRecord(
            scores=result.scores,
            signature=result.signature,
            options=result.options,
            details=result.details,
            confidence_intervals=result.confidence_intervals,
        )
        for index, sample_scores in enumerate(result.per_sample or []):
            for key, value in sample_scores.items():
                per_sample[index][f"{spec.name}.{key}"] = value
        logger.info("%s %s: %s", task.name, spec.name, result.scores)
    return records, per_sample

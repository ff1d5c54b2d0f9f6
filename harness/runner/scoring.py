"""Score one task's outputs with every metric the task declares."""

from __future__ import annotations

import logging
from typing import Any, Sequence

from harness.errors import MetricError
from harness.metrics.base import Metric, MetricResult
from harness.metrics.registry import build_metric
from harness.results.schema import MetricRecord
from harness.tasks.task import Example, Task

logger = logging.getLogger(__name__)


def metric_language(task: Task) -> str | None:
    """Return the language of the texts being scored: the target language, else the source language (ASR)."""
    return task.config.target_language or task.config.source_language


def build_task_metrics(task: Task, options: dict[str, Any] | None = None) -> dict[str, Metric]:
    """Instantiate every metric of ``task``, so that a bad name or option fails before any prediction.

    Raises :class:`MetricError` naming the task file and the position of the metric in its ``metrics`` list.
    """
    metrics: dict[str, Metric] = {}
    for index, spec in enumerate(task.config.metrics):
        try:
            metrics[spec.name] = build_metric(spec.name, language=metric_language(task), **{**spec.options, **(options or {})})
        except MetricError as error:
            raise MetricError(f"Task file {task.path}, metrics.{index} ({spec.name}): {error}") from None
    return metrics


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
    for name, metric in build_task_metrics(task, options).items():
        result: MetricResult = metric.compute(list(predictions), references)
        records[name] = MetricRecord(
            scores=result.scores,
            signature=result.signature,
            options=result.options,
            details=result.details,
            confidence_intervals=result.confidence_intervals,
        )
        for index, sample_scores in enumerate(result.per_sample or []):
            for key, value in sample_scores.items():
                per_sample[index][f"{name}.{key}"] = value
        logger.info("%s %s: %s", task.name, name, result.scores)
    return records, per_sample

"""Scoring a system output with a list of metric specifications, without a model."""

from __future__ import annotations

import logging
from typing import Any, Mapping, Sequence, Union

from harness.errors import MetricError
from harness.metrics.base import MetricResult
from harness.metrics.registry import build_metric

logger = logging.getLogger(__name__)

MetricSpec = Union[str, Mapping[str, Any]]


def score_texts(
    metrics: Sequence[MetricSpec],
    hypotheses: Sequence[str],
    references: Sequence[Sequence[str]],
    language: str | None = None,
) -> list[MetricResult]:
    """Compute each metric on one system output and return the results in order.

    A metric is given by name (``"bleu"``) or as a mapping
    ``{"name": "chrf", "options": {"word_order": 2}}``, the form of a task file.
    """
    results = []
    for spec in metrics:
        if isinstance(spec, str):
            name, options = spec, {}
        elif isinstance(spec, Mapping) and isinstance(spec.get("name"), str):
            name, options = spec["name"], dict(spec.get("options") or {})
        else:
            raise MetricError(f"Invalid metric specification {spec!r}; use a name or {{name: ..., options: {{...}}}}.")
        logger.info("Scoring %d samples with %s", len(hypotheses), name)
        metric = build_metric(name, language=language, **options)
        results.append(metric.compute(hypotheses, references))
    return results

"""Paired comparison of two runs of the same tasks: score differences with bootstrap significance, and speed.

Significance is recomputed from the two runs' per-sample files: both
systems' outputs are matched by example id and scored on the same bootstrap
resamples with :func:`harness.metrics.bootstrap.paired_bootstrap`, using the
metric and options that the task file declares.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import HarnessError
from harness.leaderboard.direction import higher_is_better
from harness.leaderboard.frame import LoadedRun
from harness.leaderboard.speed import SpeedFigures, speed_figures
from harness.results.io import SamplesLog
from harness.results.schema import TaskRecord

logger = logging.getLogger(__name__)

DEFAULT_RESAMPLES = 1000
DEFAULT_SEED = 12345

# Relative tolerance between a recomputed corpus score and the one in results.json.
_RECOMPUTE_TOLERANCE = 1e-6


@dataclass
class ScoreComparison:
    """One metric score of both runs; ``difference`` is B minus A, so its sign does not depend on the direction."""

    metric: str
    score: str
    higher_is_better: bool
    value_a: float
    value_b: float
    difference: float
    ci_low: float = math.nan
    ci_high: float = math.nan
    p_value: float = math.nan

    @property
    def improvement(self) -> float:
        """Change of B over A in the better direction: positive means B is better."""
        return self.difference if self.higher_is_better else -self.difference

    @property
    def label(self) -> str:
        return self.score if self.metric == self.score else f"{self.metric}.{self.score}"


@dataclass
class SpeedComparison:
    """One speed figure of both runs and the ratio B / A."""

    figure: str
    unit: str
    value_a: float
    value_b: float

    @property
    def ratio(self) -> float:
        if not (math.isfinite(self.value_a) and math.isfinite(self.value_b)) or self.value_a == 0:
            return math.nan
        return self.value_b / self.value_a


@dataclass
class TaskComparison:
    """Comparison of one model's two runs on one task."""

    model_a: str
    model_b: str
    task: str
    comparable: bool = True
    reason: str = ""
    scores: list[ScoreComparison] = field(default_factory=list)
    speed: list[SpeedComparison] = field(default_factory=list)
    same_hardware: bool = True
    hardware_a: str = ""
    hardware_b: str = ""
    num_samples: int = 0
    warnings: list[str] = field(default_factory=list)
    # Warnings about the speed figures. The gate words its own, and only when it checks speed.
    speed_warnings: list[str] = field(default_factory=list)


SPEED_FIELDS = (
    ("samples_per_second", "samples/s", "samples/s"),
    ("latency_p50_ms", "latency p50", "ms"),
    ("peak_memory_mib", "peak memory", "MiB"),
)


def incomparability(task: str, record_a: TaskRecord, record_b: TaskRecord) -> str:
    """Return why two records of ``task`` cannot be compared, or '' when they can."""
    reasons = []
    if record_a.version != record_b.version:
        reasons.append(f"task version {record_a.version} vs {record_b.version}")
    if record_a.content_hash != record_b.content_hash:
        reasons.append(f"task content hash {record_a.content_hash} vs {record_b.content_hash}")
    if record_a.num_examples != record_b.num_examples:
        reasons.append(f"{record_a.num_examples} vs {record_b.num_examples} examples, --limit {record_a.limit} vs {record_b.limit}")
    if not reasons:
        return ""
    return f"{task}: not comparable ({'; '.join(reasons)}); rerun both on the same task version, data and examples."


def compare_speed(figures_a: SpeedFigures, figures_b: SpeedFigures) -> list[SpeedComparison]:
    """Return the speed figures present in both runs."""
    comparisons = []
    for attribute, name, unit in SPEED_FIELDS:
        value_a, value_b = getattr(figures_a, attribute), getattr(figures_b, attribute)
        if value_a is None or value_b is None:
            continue
        comparisons.append(SpeedComparison(figure=name, unit=unit, value_a=value_a, value_b=value_b))
    return comparisons


def _read_samples(run: LoadedRun, record: TaskRecord) -> dict[str, dict[str, Any]]:
    path = Path(run.path).parent / record.samples_file
    if not path.is_file():
        raise FileNotFoundError(path)
    return {str(sample["id"]): sample for sample in SamplesLog(path).read()}


def _metric_builder(task_name: str) -> tuple[Any, str | None]:
    """Return the task's metric specs by name and the scoring language."""
    from harness.runner.scoring import metric_language
    from harness.tasks.catalog import get_task

    task = get_task(task_name)
    return {spec.name: spec for spec in task.config.metrics}, metric_language(task)


def _paired_significance(
    comparison: TaskComparison,
    run_a: LoadedRun,
    run_b: LoadedRun,
    record_a: TaskRecord,
    record_b: TaskRecord,
    resamples: int,
    seed: int,
) -> None:
    """Fill the confidence intervals and p-values of ``comparison`` from both runs' samples files."""
    from harness.metrics.bootstrap import paired_bootstrap
    from harness.metrics.registry import build_metric

    task = comparison.task
    try:
        samples_a = _read_samples(run_a, record_a)
        samples_b = _read_samples(run_b, record_b)
    except FileNotFoundError as error:
        comparison.warnings.append(f"{task}: samples file {error} not found; no significance test.")
        return
    if set(samples_a) != set(samples_b):
        comparison.comparable = False
        only_a, only_b = len(set(samples_a) - set(samples_b)), len(set(samples_b) - set(samples_a))
        comparison.reason = (
            f"{task}: the runs scored different examples ({only_a} ids only in A, {only_b} only in B); "
            "rerun both on the same examples."
        )
        return

    # Dataset order (the "row" field), so the resamples equal those of a
    # bootstrap over the task's inputs in file order with the same seed.
    ids = sorted(samples_a, key=lambda example_id: (samples_a[example_id].get("row", 0), example_id))
    references = [list(samples_a[example_id]["references"]) for example_id in ids]
    if references != [list(samples_b[example_id]["references"]) for example_id in ids]:
        comparison.warnings.append(f"{task}: the runs' samples files hold different references; using those of A.")
    hypotheses_a = [samples_a[example_id].get("prediction") or "" for example_id in ids]
    hypotheses_b = [samples_b[example_id].get("prediction") or "" for example_id in ids]
    comparison.num_samples = len(ids)

    try:
        specs, language = _metric_builder(task)
    except HarnessError as error:
        comparison.warnings.append(f"{task}: task not loadable ({error}); no significance test.")
        return

    by_metric: dict[str, list[ScoreComparison]] = {}
    for score in comparison.scores:
        by_metric.setdefault(score.metric, []).append(score)
    for metric_name, scores in by_metric.items():
        spec = specs.get(metric_name)
        if spec is None:
            comparison.warnings.append(f"{task}: metric {metric_name} is not in the task file; no significance test.")
            continue
        metric = build_metric(spec.name, language=language, **spec.options)
        logger.info("Paired bootstrap of %s on %s: %d samples, %d resamples", metric_name, task, len(ids), resamples)
        result = paired_bootstrap(metric, hypotheses_a, hypotheses_b, references, n_resamples=resamples, seed=seed)
        for score in scores:
            paired = result.get(score.score)
            if paired is None:
                comparison.warnings.append(f"{task}: {score.label} not recomputed by the metric; no significance test.")
                continue
            for side, recorded, recomputed in (("A", score.value_a, paired["score_a"]), ("B", score.value_b, paired["score_b"])):
                if not math.isclose(recorded, recomputed, rel_tol=_RECOMPUTE_TOLERANCE, abs_tol=1e-9):
                    comparison.warnings.append(
                        f"{task}: {score.label} of run {side} recomputed from its samples is {recomputed:.6g}, "
                        f"but results.json says {recorded:.6g}; the metric or its options changed since the run."
                    )
            score.ci_low, score.ci_high = paired["ci"]
            score.p_value = float(paired["p_value"])


def compare_task(
    run_a: LoadedRun,
    run_b: LoadedRun,
    task: str,
    *,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> TaskComparison:
    """Compare two runs on ``task``; ``resamples`` 0 skips the significance test."""
    record_a, record_b = run_a.results.tasks[task], run_b.results.tasks[task]
    from harness.leaderboard.frame import describe_hardware

    comparison = TaskComparison(
        model_a=run_a.results.model.name,
        model_b=run_b.results.model.name,
        task=task,
        same_hardware=run_a.results.hardware.fingerprint == run_b.results.hardware.fingerprint,
        hardware_a=describe_hardware(run_a.results.hardware),
        hardware_b=describe_hardware(run_b.results.hardware),
        num_samples=record_a.num_examples,
    )
    figures_a, figures_b = speed_figures(record_a.profile), speed_figures(record_b.profile)
    comparison.speed = compare_speed(figures_a, figures_b)
    if figures_a.is_empty() != figures_b.is_empty():
        side = "A" if figures_a.is_empty() else "B"
        comparison.speed_warnings.append(f"{task}: run {side} has no speed figures (run it with --profile).")
    if comparison.speed and not comparison.same_hardware:
        comparison.speed_warnings.append(
            f"{task}: speed measured on different hardware ({comparison.hardware_a} vs {comparison.hardware_b}); "
            "the ratio does not compare the models."
        )

    reason = incomparability(task, record_a, record_b)
    if reason:
        comparison.comparable = False
        comparison.reason = reason
        return comparison
    if run_a.results.model.random_weights or run_b.results.model.random_weights:
        comparison.warnings.append(f"{task}: a run has random weights, so only its speed is compared.")
        return comparison

    for metric_name, metric_a in record_a.metrics.items():
        metric_b = record_b.metrics.get(metric_name)
        if metric_b is None:
            comparison.warnings.append(f"{task}: metric {metric_name} is missing from run B.")
            continue
        for score_name, value_a in metric_a.scores.items():
            if score_name not in metric_b.scores:
                continue
            value_b = metric_b.scores[score_name]
            comparison.scores.append(
                ScoreComparison(
                    metric=metric_name,
                    score=score_name,
                    higher_is_better=higher_is_better(metric_name, score_name),
                    value_a=value_a,
                    value_b=value_b,
                    difference=value_b - value_a,
                )
            )
        if metric_a.signature != metric_b.signature:
            comparison.warnings.append(
                f"{task}: {metric_name} signatures differ ({metric_a.signature} vs {metric_b.signature})."
            )

    if resamples > 0 and comparison.scores:
        _paired_significance(comparison, run_a, run_b, record_a, record_b, resamples, seed)
    return comparison


def compare_runs(
    run_a: LoadedRun, run_b: LoadedRun, *, resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED
) -> tuple[list[TaskComparison], list[str]]:
    """Compare two runs on every task they share; returns the comparisons and warnings about unshared tasks."""
    tasks_a, tasks_b = run_a.results.tasks, run_b.results.tasks
    warnings = []
    for task in tasks_a:
        if task not in tasks_b:
            warnings.append(f"Task {task} of {run_a.path} is missing from {run_b.path}.")
    for task in tasks_b:
        if task not in tasks_a:
            warnings.append(f"Task {task} of {run_b.path} is missing from {run_a.path}.")
    comparisons = [
        compare_task(run_a, run_b, task, resamples=resamples, seed=seed) for task in tasks_a if task in tasks_b
    ]
    return comparisons, warnings

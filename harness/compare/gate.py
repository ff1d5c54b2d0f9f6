"""Regression gate for CI: compare current results against baseline results and decide pass or fail.

Rules, per model and task present in the baseline:

- The task definitions must match (version, content hash, number of
  examples); otherwise the runs are incomparable (exit status 2).
- Every metric score may drop by at most its allowed amount (default 0, in
  the metric's own units), in the direction where worse means lower for
  BLEU-like scores and higher for error rates. With ``require_significance``
  a drop counts only when the paired bootstrap p-value is below the
  significance level.
- With ``max_slowdown_percent``, throughput (samples/s, else p50 latency)
  may worsen by at most that percentage. Speed is compared only between equal
  hardware fingerprints; on different hardware it is skipped with a warning,
  or is incomparable (exit status 2) with ``strict_hardware``.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from harness.compare.paired import DEFAULT_RESAMPLES, DEFAULT_SEED, ScoreComparison, TaskComparison, compare_runs
from harness.compare.pairing import pair_runs
from harness.compare.render import format_number, format_p_value, format_signed, format_table
from harness.errors import HarnessError

logger = logging.getLogger(__name__)

PASSED, REGRESSED, INCOMPARABLE = 0, 1, 2

# Changes smaller than this are floating-point noise from recomputation, not drops.
_TOLERANCE = 1e-9


class UsageError(HarnessError):
    """Invalid command-line value for ``harness check``."""


@dataclass
class GateOptions:
    """Thresholds of the gate."""

    max_drops: dict[str, float] = field(default_factory=dict)
    max_slowdown_percent: float | None = None
    require_significance: bool = False
    significance_level: float = 0.05
    strict_hardware: bool = False
    resamples: int = DEFAULT_RESAMPLES
    seed: int = DEFAULT_SEED


@dataclass
class Finding:
    """One checked figure and its verdict."""

    model: str
    task: str
    figure: str
    baseline: str
    current: str
    change: str
    allowed: str
    p_value: str
    status: str


@dataclass
class GateResult:
    """Outcome of the gate: the exit status and the markdown summary."""

    status: int
    findings: list[Finding]
    speed_findings: list[Finding]
    problems: list[str]
    warnings: list[str]
    summary: str = ""


def parse_max_drops(values: Sequence[str]) -> dict[str, float]:
    """Parse ``METRIC=ABS`` items; METRIC is a metric name, a score name or ``metric.score``."""
    drops: dict[str, float] = {}
    for item in values:
        name, separator, amount = item.partition("=")
        if not separator or not name.strip():
            raise UsageError(f"Invalid --max-drop {item!r}: expected METRIC=ABS, for example bleu=0.5.")
        try:
            value = float(amount)
        except ValueError:
            raise UsageError(f"Invalid --max-drop {item!r}: {amount!r} is not a number.") from None
        if not math.isfinite(value) or value < 0:
            raise UsageError(f"Invalid --max-drop {item!r}: the allowed drop must be a finite number >= 0.")
        drops[name.strip()] = value
    return drops


def format_allowed(value: float) -> str:
    return f"{value:g}"


def allowed_drop(score: ScoreComparison, max_drops: dict[str, float]) -> float:
    """Return the allowed drop of ``score``: ``metric.score`` first, then the score name, then the metric name, else 0."""
    for key in (f"{score.metric}.{score.score}", score.score, score.metric):
        if key in max_drops:
            return max_drops[key]
    return 0.0


def _check_scores(comparison: TaskComparison, options: GateOptions) -> tuple[list[Finding], bool]:
    findings, regressed = [], False
    for score in comparison.scores:
        drop = -score.improvement
        allowed = allowed_drop(score, options.max_drops)
        significant = math.isfinite(score.p_value) and score.p_value < options.significance_level
        if drop <= allowed + _TOLERANCE:
            status = "ok"
        elif options.require_significance and math.isfinite(score.p_value) and not significant:
            status = "drop, not significant"
        else:
            status = "REGRESSION"
            regressed = True
        findings.append(
            Finding(
                model=comparison.model_b,
                task=comparison.task,
                figure=f"{score.label} {'↑' if score.higher_is_better else '↓'}",
                baseline=format_number(score.value_a),
                current=format_number(score.value_b),
                change=format_signed(score.difference),
                allowed=format_allowed(allowed),
                p_value=format_p_value(score.p_value),
                status=status,
            )
        )
    return findings, regressed


def _check_speed(comparison: TaskComparison, options: GateOptions) -> tuple[list[Finding], bool]:
    """Check the throughput (else p50 latency) slowdown of one task; returns findings and whether it regressed."""
    by_name = {speed.figure: speed for speed in comparison.speed}
    speed = by_name.get("samples/s") or by_name.get("latency p50")
    if speed is None or not math.isfinite(speed.ratio) or speed.ratio <= 0:
        return [], False
    # Percent of throughput lost; for latency, the throughput loss that the longer latency implies.
    if speed.figure == "samples/s":
        slowdown = (1.0 - speed.ratio) * 100.0
    else:
        slowdown = (1.0 - 1.0 / speed.ratio) * 100.0
    regressed = slowdown > options.max_slowdown_percent + _TOLERANCE
    finding = Finding(
        model=comparison.model_b,
        task=comparison.task,
        figure=speed.figure if speed.figure == speed.unit else f"{speed.figure} ({speed.unit})",
        baseline=format_number(speed.value_a),
        current=format_number(speed.value_b),
        change=f"{slowdown:.1f} % slower" if slowdown >= 0 else f"{-slowdown:.1f} % faster",
        allowed=f"{format_allowed(options.max_slowdown_percent)} %",
        p_value="",
        status="REGRESSION" if regressed else "ok",
    )
    return [finding], regressed


def run_gate(
    baseline: Sequence[str | Path], current: Sequence[str | Path], options: GateOptions
) -> GateResult:
    """Compare ``current`` with ``baseline`` and return the exit status (0, 1 or 2) and a markdown summary."""
    pairs, only_baseline, only_current = pair_runs(baseline, current)
    problems = [f"Model {name} is in the baseline but not in the current results." for name in only_baseline]
    warnings = [f"Model {name} is only in the current results; it has no baseline." for name in only_current]
    findings: list[Finding] = []
    speed_findings: list[Finding] = []
    regressed = False

    needs_significance = options.require_significance
    score_keys: set[str] = set()
    for run_baseline, run_current in pairs:
        comparisons, _ = compare_runs(
            run_baseline,
            run_current,
            resamples=options.resamples if needs_significance else 0,
            seed=options.seed,
        )
        model = run_baseline.results.model.name
        for task in run_baseline.results.tasks:
            if task not in run_current.results.tasks:
                problems.append(f"Task {task} of model {model} is in the baseline but not in the current results.")
        for task in run_current.results.tasks:
            if task not in run_baseline.results.tasks:
                warnings.append(f"Task {task} of model {model} is only in the current results; it has no baseline.")

        for comparison in comparisons:
            warnings += comparison.warnings
            if not comparison.comparable:
                problems.append(f"{comparison.model_b}: {comparison.reason}")
                continue
            for score in comparison.scores:
                score_keys.update({score.metric, score.score, f"{score.metric}.{score.score}"})
            task_findings, task_regressed = _check_scores(comparison, options)
            findings += task_findings
            regressed |= task_regressed

            if options.max_slowdown_percent is None:
                continue
            if not comparison.speed:
                warnings.append(
                    f"{comparison.model_b} on {comparison.task}: no speed figures in both runs "
                    "(run with --profile); speed not checked."
                )
            elif not comparison.same_hardware:
                message = (
                    f"{comparison.model_b} on {comparison.task}: different hardware "
                    f"({comparison.hardware_a} vs {comparison.hardware_b}); speed not checked."
                )
                (problems if options.strict_hardware else warnings).append(message)
            else:
                task_speed, speed_regressed = _check_speed(comparison, options)
                speed_findings += task_speed
                regressed |= speed_regressed

    unknown = sorted(set(options.max_drops) - score_keys)
    if unknown and score_keys:
        raise UsageError(
            f"Unknown metric or score {', '.join(unknown)} in --max-drop; the runs have "
            f"{', '.join(sorted(key for key in score_keys if '.' not in key))}."
        )
    if problems:
        status = INCOMPARABLE
    elif regressed:
        status = REGRESSED
    else:
        status = PASSED
    result = GateResult(status, findings, speed_findings, problems, list(dict.fromkeys(warnings)))
    result.summary = render_summary(result, options)
    return result


_HEADLINES = {
    PASSED: "passed: no regression",
    REGRESSED: "failed: regression",
    INCOMPARABLE: "failed: incomparable results",
}

_FINDING_HEADERS = ["Model", "Task", "Figure", "Baseline", "Current", "Change", "Allowed drop", "p-value", "Status"]


def _finding_rows(findings: Sequence[Finding]) -> list[list[str]]:
    return [
        [f.model, f.task, f.figure, f.baseline, f.current, f.change, f.allowed, f.p_value, f.status] for f in findings
    ]


def render_summary(result: GateResult, options: GateOptions) -> str:
    """Return the markdown summary printed to the CI log."""
    parts = [f"## harness check {_HEADLINES[result.status]}", ""]
    rules = ["each score may drop by at most its allowed drop (default 0)"]
    if options.require_significance:
        rules.append(f"a drop counts only with a paired bootstrap p-value below {options.significance_level}")
    if options.max_slowdown_percent is not None:
        rules.append(f"throughput may fall by at most {format_allowed(options.max_slowdown_percent)} % on equal hardware")
    parts.append("Rules: " + "; ".join(rules) + ".")
    if result.findings:
        parts += ["", "### Quality", "", format_table(_FINDING_HEADERS, _finding_rows(result.findings), markdown=True)]
    if result.speed_findings:
        headers = ["Model", "Task", "Figure", "Baseline", "Current", "Change", "Allowed slowdown", "p-value", "Status"]
        parts += ["", "### Speed", "", format_table(headers, _finding_rows(result.speed_findings), markdown=True)]
    if result.problems:
        parts += ["", "### Incomparable", ""] + [f"- {problem}" for problem in result.problems]
    if result.warnings:
        parts += ["", "### Warnings", ""] + [f"- {warning}" for warning in result.warnings]
    return "\n".join(parts) + "\n"

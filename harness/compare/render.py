"""Render run comparisons as a terminal table, markdown or JSON."""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any, Sequence

from harness.compare.paired import TaskComparison
from harness.leaderboard.tables import format_number

SIGNIFICANCE_LEVEL = 0.05


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]], markdown: bool) -> str:
    """Return an aligned plain-text table, or a markdown table with pipes escaped."""
    if markdown:
        def clean(cell: str) -> str:
            return str(cell).replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;").replace("\n", " ")

        lines = ["| " + " | ".join(clean(header) for header in headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
        lines += ["| " + " | ".join(clean(cell) for cell in row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(str(row[index])) for row in [headers, *rows]) for index in range(len(headers))]
    lines = ["  ".join(str(cell).ljust(width) for cell, width in zip(headers, widths)).rstrip()]
    lines.append("  ".join("-" * width for width in widths))
    lines += ["  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    return "\n".join(lines)


def format_signed(value: float) -> str:
    if not math.isfinite(value):
        return ""
    text = format_number(value)
    return text if text.startswith("-") else f"+{text}"


def format_p_value(value: float) -> str:
    if not math.isfinite(value):
        return ""
    return f"{value:.4f}"


def format_ratio(value: float) -> str:
    return f"{value:.3f}x" if math.isfinite(value) else ""


def score_rows(comparisons: Sequence[TaskComparison]) -> list[list[str]]:
    rows = []
    for comparison in comparisons:
        for score in comparison.scores:
            interval = ""
            if math.isfinite(score.ci_low) and math.isfinite(score.ci_high):
                interval = f"[{format_signed(score.ci_low)}, {format_signed(score.ci_high)}]"
            significant = math.isfinite(score.p_value) and score.p_value < SIGNIFICANCE_LEVEL
            if score.improvement > 0:
                verdict = "B better"
            elif score.improvement < 0:
                verdict = "A better"
            else:
                verdict = "equal"
            if math.isfinite(score.p_value) and not significant and score.improvement != 0:
                verdict += " (not significant)"
            rows.append(
                [
                    comparison.task,
                    f"{score.label} {'↑' if score.higher_is_better else '↓'}",
                    format_number(score.value_a),
                    format_number(score.value_b),
                    format_signed(score.difference),
                    interval,
                    format_p_value(score.p_value),
                    verdict,
                ]
            )
    return rows


def speed_rows(comparisons: Sequence[TaskComparison]) -> list[list[str]]:
    rows = []
    for comparison in comparisons:
        for speed in comparison.speed:
            rows.append(
                [
                    comparison.task,
                    speed.figure if speed.figure == speed.unit else f"{speed.figure} ({speed.unit})",
                    format_number(speed.value_a),
                    format_number(speed.value_b),
                    format_ratio(speed.ratio),
                    "yes" if comparison.same_hardware else "no",
                ]
            )
    return rows


SCORE_HEADERS = ["Task", "Score", "A", "B", "B - A", "95 % CI of B - A", "p-value", "Verdict"]
SPEED_HEADERS = ["Task", "Figure", "A", "B", "B / A", "Same hardware"]


def render_comparison(
    comparisons: Sequence[TaskComparison], warnings: Sequence[str], label_a: str, label_b: str, markdown: bool
) -> str:
    """Return the comparison as aligned text tables or as markdown."""
    parts = []
    if markdown:
        parts += [f"## Comparison of {label_a} (A) and {label_b} (B)", ""]
    else:
        parts += [f"A: {label_a}", f"B: {label_b}", ""]
    parts.append(
        f"p-value: paired bootstrap test of B - A; below {SIGNIFICANCE_LEVEL} counts as significant. "
        "↑ higher is better, ↓ lower is better."
    )
    rows = score_rows(comparisons)
    if rows:
        parts += ["", format_table(SCORE_HEADERS, rows, markdown)]
    speed = speed_rows(comparisons)
    if speed:
        parts += ["", format_table(SPEED_HEADERS, speed, markdown)]
    problems = [comparison.reason for comparison in comparisons if not comparison.comparable]
    all_warnings = [
        *warnings,
        *(warning for comparison in comparisons for warning in [*comparison.warnings, *comparison.speed_warnings]),
    ]
    for line in problems:
        parts += ["", f"Not compared: {line}"]
    for line in all_warnings:
        parts += ["", f"Warning: {line}"]
    return "\n".join(parts) + "\n"


def _json_value(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def comparison_json(comparisons: Sequence[TaskComparison], warnings: Sequence[str], label_a: str, label_b: str) -> str:
    """Return the comparison as JSON; missing numbers (no interval, no p-value) are null."""
    tasks = []
    for comparison in comparisons:
        record = dataclasses.asdict(comparison)
        record["scores"] = [
            {**{key: _json_value(value) for key, value in dataclasses.asdict(score).items()}, "improvement": _json_value(score.improvement)}
            for score in comparison.scores
        ]
        record["speed"] = [
            {**{key: _json_value(value) for key, value in dataclasses.asdict(speed).items()}, "ratio": _json_value(speed.ratio)}
            for speed in comparison.speed
        ]
        tasks.append(record)
    document = {"run_a": label_a, "run_b": label_b, "significance_level": SIGNIFICANCE_LEVEL, "tasks": tasks, "warnings": list(warnings)}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"

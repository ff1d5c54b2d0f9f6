"""Render the leaderboard as markdown (``README.md``) and CSV (``leaderboard.csv``)."""

from __future__ import annotations

import csv
import html
import io

from harness.leaderboard.tables import Entry, Leaderboard, Section, format_interval, format_number, short_hash

SPEED_HEADERS = ["Samples/s", "Latency p50 (ms)", "Peak memory (MiB)", "Hardware"]

CSV_FIELDS = [
    "task",
    "task_version",
    "content_hash",
    "limit",
    "flagged",
    "model",
    "run",
    "random_weights",
    "num_examples",
    "num_failed",
    "metric",
    "score",
    "value",
    "ci_low",
    "ci_high",
    "higher_is_better",
    "samples_per_second",
    "latency_p50_ms",
    "peak_memory_mib",
    "hardware",
    "hardware_fingerprint",
]


def escape_markdown(text: str) -> str:
    """Escape a value for a markdown table cell: HTML entities, so markup shows as text, and pipes."""
    return html.escape(str(text), quote=False).replace("|", "\\|").replace("\n", " ")


def score_text(entry: Entry, section: Section, index: int) -> str:
    """Return ``value [low, high]`` for column ``index`` of ``entry``; '' when absent."""
    cell = entry.cells.get(section.columns[index])
    if cell is None:
        return ""
    interval = format_interval(cell)
    return f"{format_number(cell.value)} {interval}".strip()


def model_label(entry: Entry) -> str:
    return f"{entry.model} (random weights)" if entry.random_weights else entry.model


def examples_text(entry: Entry) -> str:
    return f"{entry.num_examples} ({entry.num_failed} failed)" if entry.num_failed else str(entry.num_examples)


def speed_texts(entry: Entry) -> list[str]:
    has_speed = any(
        value == value for value in (entry.samples_per_second, entry.latency_p50_ms, entry.peak_memory_mib)
    )
    return [
        format_number(entry.samples_per_second),
        format_number(entry.latency_p50_ms),
        format_number(entry.peak_memory_mib),
        entry.hardware if has_speed else "",
    ]


def _table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(escape_markdown(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def section_markdown(section: Section) -> str:
    """Return the heading, notes and table of one section."""
    headers = ["Rank", "Model", "Run", "Examples"]
    headers += [f"{column.label} {'↑' if column.higher_is_better else '↓'} [95 % CI]" for column in section.columns]
    headers += SPEED_HEADERS
    rows = []
    rank = 0
    for entry in section.entries:
        rank_text = ""
        if not entry.random_weights:
            rank += 1
            rank_text = str(rank)
        row = [rank_text, model_label(entry), entry.run, examples_text(entry)]
        row += [score_text(entry, section, index) for index in range(len(section.columns))]
        row += speed_texts(entry)
        rows.append(row)

    parts = [f"## {escape_markdown(section.title)}", ""]
    parts.append(
        f"Family {escape_markdown(section.family)}, task version {section.version}, "
        f"content hash `{escape_markdown(short_hash(section.content_hash))}`."
    )
    for note in section.notes:
        parts.append(f"\n> **Note:** {escape_markdown(note)}")
    parts += ["", _table(headers, rows), ""]
    return "\n".join(parts)


def overview_markdown(leaderboard: Leaderboard) -> str:
    overview = leaderboard.overview
    if not overview.sections:
        return "No quality results.\n"
    headers = ["Model"] + [
        f"{section.title}: {section.primary.label} {'↑' if section.primary.higher_is_better else '↓'}"
        for section in overview.sections
    ]
    rows = []
    for model in overview.models:
        row = [model]
        for index in range(len(overview.sections)):
            cell = overview.cells.get((model, index))
            row.append(format_number(cell.value) if cell else "")
        rows.append(row)
    return _table(headers, rows) + "\n"


def render_markdown(leaderboard: Leaderboard, command: str | None = None) -> str:
    """Return the whole ``README.md`` of a leaderboard folder."""
    parts = ["# Leaderboard", ""]
    parts.append(
        "Scores with their 95 % bootstrap confidence interval; ↑ marks scores where higher is better, ↓ where "
        "lower is better. Speed figures come from `harness run --profile` and hold only for the hardware named "
        "in the same row. Results of different task versions or task data are never mixed in one table."
    )
    if command:
        parts += ["", f"Regenerate with `{command}`."]
    parts += ["", "## Overview", "", "Primary score of each model per task.", "", overview_markdown(leaderboard)]
    for section in leaderboard.sections:
        parts.append(section_markdown(section))
    return "\n".join(parts).rstrip() + "\n"


def render_csv(leaderboard: Leaderboard) -> str:
    """Return ``leaderboard.csv``: one row per section, run and metric score, plus speed columns."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for section in leaderboard.sections:
        for entry in section.entries:
            base = {
                "task": section.task,
                "task_version": section.version,
                "content_hash": section.content_hash,
                "limit": "" if section.limit is None else section.limit,
                "flagged": section.flagged,
                "model": entry.model,
                "run": entry.run,
                "random_weights": entry.random_weights,
                "num_examples": entry.num_examples,
                "num_failed": entry.num_failed,
                "samples_per_second": _csv_number(entry.samples_per_second),
                "latency_p50_ms": _csv_number(entry.latency_p50_ms),
                "peak_memory_mib": _csv_number(entry.peak_memory_mib),
                "hardware": entry.hardware,
                "hardware_fingerprint": entry.hardware_fingerprint,
            }
            if not entry.cells:
                writer.writerow(base)
                continue
            for column, cell in entry.cells.items():
                writer.writerow(
                    {
                        **base,
                        "metric": column.metric,
                        "score": column.score,
                        "value": _csv_number(cell.value),
                        "ci_low": _csv_number(cell.ci_low),
                        "ci_high": _csv_number(cell.ci_high),
                        "higher_is_better": column.higher_is_better,
                    }
                )
    return buffer.getvalue()


def _csv_number(value: float) -> str:
    return "" if value is None or value != value else repr(float(value))

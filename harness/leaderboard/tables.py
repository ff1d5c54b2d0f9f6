"""Leaderboard tables built from the long-form results frame.

Results are grouped into sections, one per task definition: task name,
version, content hash and ``--limit``. Two results of the same task with a
different version, content hash or limit measure different things, so they
land in separate sections, and every section of such a task is flagged.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import pandas as pd

from harness.leaderboard.frame import LoadedRun, runs_frame


@dataclass(frozen=True)
class ScoreColumn:
    """One metric score shown as a table column."""

    metric: str
    score: str
    higher_is_better: bool

    @property
    def label(self) -> str:
        return self.score if self.metric == self.score else f"{self.metric}.{self.score}"


@dataclass(frozen=True)
class Cell:
    """A score with its 95 % bootstrap interval (NaN bounds when the run computed none)."""

    value: float
    ci_low: float = math.nan
    ci_high: float = math.nan

    @property
    def has_interval(self) -> bool:
        return math.isfinite(self.ci_low) and math.isfinite(self.ci_high)


@dataclass
class Entry:
    """One run's results on one section's task."""

    run: str
    path: str
    model: str
    random_weights: bool
    num_examples: int
    num_failed: int
    cells: dict[ScoreColumn, Cell]
    samples_per_second: float
    latency_p50_ms: float
    peak_memory_mib: float
    hardware: str
    hardware_fingerprint: str
    timestamp: str


@dataclass
class Section:
    """The table of one task definition: models x metric scores, plus speed columns."""

    task: str
    family: str
    version: int
    content_hash: str
    limit: int | None
    columns: list[ScoreColumn]
    entries: list[Entry]
    flagged: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def primary(self) -> ScoreColumn | None:
        """The task's first metric's first score, used for ranking and the overview."""
        return self.columns[0] if self.columns else None

    @property
    def title(self) -> str:
        title = self.task
        if self.flagged:
            title += f" (version {self.version}, content {short_hash(self.content_hash)})"
        if self.limit is not None:
            title += f" (first {self.limit} examples)"
        return title

    @property
    def anchor(self) -> str:
        """A stable, HTML-safe identifier of the section."""
        slug = re.sub(r"[^a-z0-9]+", "-", self.title.lower()).strip("-")
        return f"task-{slug}"

    @property
    def quality_entries(self) -> list[Entry]:
        """Entries with trained weights: the only ones whose scores are quality results."""
        return [entry for entry in self.entries if not entry.random_weights]


@dataclass
class Overview:
    """Primary score of each model (rows) on each section (columns); latest run per model and section."""

    sections: list[Section]
    models: list[str]
    cells: dict[tuple[str, int], Cell]


@dataclass
class Leaderboard:
    """All sections and the overview across them."""

    sections: list[Section]
    overview: Overview
    frame: pd.DataFrame


def short_hash(content_hash: str) -> str:
    """Return the first 8 hex digits of a ``sha256:...`` content hash."""
    return content_hash.split(":", 1)[-1][:8]


def _section_key(row: pd.Series) -> tuple[str, int, str, int | None]:
    limit = row["limit"]
    limit = None if limit is None or (isinstance(limit, float) and math.isnan(limit)) else int(limit)
    return (row["task"], int(row["task_version"]), row["content_hash"], limit)


def _entries(rows: pd.DataFrame, columns: list[ScoreColumn]) -> list[Entry]:
    by_label = {(column.metric, column.score): column for column in columns}
    entries: list[Entry] = []
    for path, run_rows in rows.groupby("path", sort=False):
        first = run_rows.iloc[0]
        cells: dict[ScoreColumn, Cell] = {}
        for _, row in run_rows.iterrows():
            column = by_label.get((row["metric"], row["score"]))
            if column is not None and not first["random_weights"]:
                cells[column] = Cell(row["value"], row["ci_low"], row["ci_high"])
        entries.append(
            Entry(
                run=first["run"],
                path=str(path),
                model=first["model"],
                random_weights=bool(first["random_weights"]),
                num_examples=int(first["num_examples"]),
                num_failed=int(first["num_failed"]),
                cells=cells,
                samples_per_second=first["samples_per_second"],
                latency_p50_ms=first["latency_p50_ms"],
                peak_memory_mib=first["peak_memory_mib"],
                hardware=first["hardware"],
                hardware_fingerprint=first["hardware_fingerprint"],
                timestamp=first["timestamp"],
            )
        )
    return entries


def _sort_entries(entries: list[Entry], primary: ScoreColumn | None) -> list[Entry]:
    """Best primary score first; entries without it (random weights, missing metric) last."""

    def key(entry: Entry) -> tuple[int, float, str]:
        cell = entry.cells.get(primary) if primary else None
        if cell is None or not math.isfinite(cell.value):
            return (1, 0.0, entry.model)
        value = -cell.value if primary.higher_is_better else cell.value
        return (0, value, entry.model)

    return sorted(entries, key=key)


def _section_notes(section_rows: pd.DataFrame, section: Section, flagged_task: int) -> list[str]:
    notes: list[str] = []
    if flagged_task > 1:
        notes.append(
            f"Task {section.task} has results for {flagged_task} different task definitions "
            "(version, content hash or --limit); each is listed in its own table and never compared with the others."
        )
    scored = section_rows.dropna(subset=["metric"])
    for (metric, score), rows in scored.groupby(["metric", "score"], sort=False):
        signatures = sorted(set(rows["signature"].dropna()))
        if len(signatures) > 1:
            notes.append(f"{metric}.{score} was computed with {len(signatures)} different signatures: " + "; ".join(signatures))
    fingerprints = set(section_rows.loc[section_rows["samples_per_second"].notna(), "hardware_fingerprint"])
    if len(fingerprints) > 1:
        notes.append("Speed figures come from different hardware; compare them only within the same hardware.")
    if any(entry.num_failed for entry in section.entries):
        notes.append("Some runs had failed examples, scored as empty outputs (see the failed column).")
    if any(entry.random_weights for entry in section.entries):
        notes.append("Runs with random weights are listed for speed only; their scores are not quality results.")
    return notes


def build_sections(frame: pd.DataFrame) -> list[Section]:
    """Group the frame into one section per task definition, sorted by task name."""
    if frame.empty:
        return []
    keys = frame.apply(_section_key, axis=1)
    frame = frame.assign(_section=keys)
    definitions_per_task = frame.drop_duplicates("_section").groupby("task").size().to_dict()

    sections: list[Section] = []
    for key in sorted(set(keys), key=lambda item: (item[0], item[1], item[2], item[3] or 0)):
        task, version, content_hash, limit = key
        rows = frame[frame["_section"] == key]
        scored = rows.dropna(subset=["metric"]).drop_duplicates(["metric", "score"])
        columns = [
            ScoreColumn(str(row["metric"]), str(row["score"]), bool(row["higher_is_better"]))
            for _, row in scored.iterrows()
        ]
        section = Section(
            task=task,
            family=str(rows.iloc[0]["family"]),
            version=version,
            content_hash=content_hash,
            limit=limit,
            columns=columns,
            entries=[],
            flagged=definitions_per_task[task] > 1,
        )
        section.entries = _sort_entries(_entries(rows, columns), section.primary)
        section.notes = _section_notes(rows, section, definitions_per_task[task])
        sections.append(section)
    return sections


def build_overview(sections: list[Section]) -> Overview:
    """Tabulate the primary score of every model with trained weights on every section."""
    cells: dict[tuple[str, int], Cell] = {}
    timestamps: dict[tuple[str, int], str] = {}
    models: list[str] = []
    shown = [section for section in sections if section.primary is not None and section.quality_entries]
    for index, section in enumerate(shown):
        for entry in section.quality_entries:
            cell = entry.cells.get(section.primary)
            if cell is None:
                continue
            key = (entry.model, index)
            if key in timestamps and timestamps[key] >= entry.timestamp:
                continue
            cells[key] = cell
            timestamps[key] = entry.timestamp
            if entry.model not in models:
                models.append(entry.model)
    return Overview(sections=shown, models=sorted(models), cells=cells)


def build_leaderboard(runs: list[LoadedRun]) -> Leaderboard:
    """Build every table of the leaderboard from loaded runs."""
    frame = runs_frame(runs)
    sections = build_sections(frame)
    return Leaderboard(sections=sections, overview=build_overview(sections), frame=frame)


def format_number(value: float | None) -> str:
    """Format a score or speed figure with about four significant digits; '' for a missing value."""
    if value is None or not math.isfinite(value):
        return ""
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:.1f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    return f"{value:.4f}"


def format_interval(cell: Cell) -> str:
    """Format a 95 % interval as ``[low, high]``; '' when there is none."""
    if not cell.has_interval:
        return ""
    return f"[{format_number(cell.ci_low)}, {format_number(cell.ci_high)}]"

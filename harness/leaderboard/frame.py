"""Load ``results.json`` files into one pandas DataFrame for analysis.

The frame is in long form, with one row per run, task and metric score. Each
row carries the task identity (version, content hash, limit), the model, the
95 % bootstrap interval, the speed figures of the task run and the hardware
it ran on.
"""

from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import pandas as pd

from harness.errors import ResultsError
from harness.leaderboard.direction import higher_is_better
from harness.leaderboard.speed import speed_figures
from harness.results.io import load_run
from harness.results.schema import HardwareInfo, RunResults

logger = logging.getLogger(__name__)

RESULTS_FILE = "results.json"

COLUMNS = [
    "run",
    "path",
    "model",
    "adapter",
    "random_weights",
    "task",
    "family",
    "task_version",
    "content_hash",
    "num_examples",
    "num_failed",
    "limit",
    "metric",
    "score",
    "value",
    "ci_low",
    "ci_high",
    "higher_is_better",
    "primary",
    "signature",
    "samples_per_second",
    "latency_p50_ms",
    "peak_memory_mib",
    "hardware",
    "hardware_fingerprint",
    "timestamp",
]


@dataclass(frozen=True)
class LoadedRun:
    """A validated results file and the path it was read from."""

    path: Path
    results: RunResults

    @property
    def name(self) -> str:
        """Name of the run folder that contains the results file."""
        return self.path.parent.name


def find_results(paths: Iterable[str | Path]) -> list[Path]:
    """Return the ``results.json`` files named by ``paths``: files as given, folders searched recursively.

    Raises :class:`ResultsError` for a path that does not exist or a folder
    without any results file. Duplicates are dropped, order is kept.
    """
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            matches = sorted(path.rglob(RESULTS_FILE))
            if not matches:
                raise ResultsError(f"No {RESULTS_FILE} found under {path}; pass run folders or results files.")
            found.extend(matches)
        else:
            raise ResultsError(f"Results path not found: {path}")

    unique: dict[Path, None] = {}
    for path in found:
        unique.setdefault(path.resolve(), None)
    return list(unique)


def load_runs(paths: Iterable[str | Path]) -> list[LoadedRun]:
    """Find and validate every results file named by ``paths``."""
    return [LoadedRun(path=path, results=load_run(path)) for path in find_results(paths)]


def describe_hardware(hardware: HardwareInfo) -> str:
    """Return a short hardware label: the GPU names, else the CPU model and its logical core count."""
    if hardware.gpus:
        counts: dict[str, int] = {}
        for gpu in hardware.gpus:
            counts[gpu] = counts.get(gpu, 0) + 1
        return ", ".join(f"{count}x {name}" if count > 1 else name for name, count in counts.items())
    return f"{hardware.cpu} ({hardware.cpu_count} CPUs)"


def _interval(bounds: Sequence[float] | None) -> tuple[float, float]:
    if not bounds:
        return (math.nan, math.nan)
    low, high = bounds
    return (float(low), float(high))


def run_labels(runs: Sequence[LoadedRun]) -> list[str]:
    """Return a distinct label per run: its folder name, or, where two runs share it, its path below their common folder.

    The runs ``results/demo/lead-3`` and ``results/baseline/lead-3`` are
    labelled ``demo/lead-3`` and ``baseline/lead-3``.
    """
    names = [run.name for run in runs]
    duplicated = [run for run in runs if names.count(run.name) > 1]
    if not duplicated:
        return names
    common = Path(os.path.commonpath([run.path.parent for run in duplicated]))
    return [
        run.path.parent.relative_to(common).as_posix() if names.count(run.name) > 1 else run.name for run in runs
    ]


def run_rows(run: LoadedRun, label: str | None = None) -> list[dict[str, object]]:
    """Return the frame rows of one run; a task without metrics still gets one row, with no metric.

    ``label`` names the run in the ``run`` column (default: its folder name).
    """
    results = run.results
    rows: list[dict[str, object]] = []
    for task_name, record in results.tasks.items():
        speed = speed_figures(record.profile)
        common = {
            "run": label or run.name,
            "path": str(run.path),
            "model": results.model.name,
            "adapter": results.model.adapter,
            "random_weights": results.model.random_weights,
            "task": task_name,
            "family": record.family,
            "task_version": record.version,
            "content_hash": record.content_hash,
            "num_examples": record.num_examples,
            "num_failed": record.num_failed,
            "limit": record.limit,
            "samples_per_second": speed.samples_per_second,
            "latency_p50_ms": speed.latency_p50_ms,
            "peak_memory_mib": speed.peak_memory_mib,
            "hardware": describe_hardware(results.hardware),
            "hardware_fingerprint": results.hardware.fingerprint,
            "timestamp": results.timestamp,
        }
        if not record.metrics:
            rows.append({**common, "primary": False})
            continue

        for metric_index, (metric_name, metric) in enumerate(record.metrics.items()):
            for score_index, (score_name, value) in enumerate(metric.scores.items()):
                low, high = _interval(metric.confidence_intervals.get(score_name))
                rows.append(
                    {
                        **common,
                        "metric": metric_name,
                        "score": score_name,
                        "value": float(value),
                        "ci_low": low,
                        "ci_high": high,
                        "higher_is_better": higher_is_better(metric_name, score_name),
                        "primary": metric_index == 0 and score_index == 0,
                        "signature": metric.signature,
                    }
                )
    return rows


def runs_frame(runs: Sequence[LoadedRun]) -> pd.DataFrame:
    """Return the long-form frame of already loaded runs, with the columns in :data:`COLUMNS`."""
    rows = [row for run, label in zip(runs, run_labels(runs)) for row in run_rows(run, label)]
    frame = pd.DataFrame(rows, columns=COLUMNS)
    numeric = ["value", "ci_low", "ci_high", "samples_per_second", "latency_p50_ms", "peak_memory_mib"]
    return frame.astype({"random_weights": bool, "primary": bool, **{column: float for column in numeric}})


def load_results(paths: str | Path | Iterable[str | Path]) -> pd.DataFrame:
    """Load results files or run folders (searched recursively) into a long-form DataFrame.

    One row per run, task and metric score, with the columns in
    :data:`COLUMNS`. ``run`` is the run folder name. ``ci_low`` and
    ``ci_high`` are the 95 % bootstrap interval, NaN when the run computed
    none. ``primary`` marks the task's first metric's first score. The speed
    columns (samples_per_second, latency_p50_ms, peak_memory_mib) are NaN
    without a profile.

    Rows of runs with random weights are kept and marked by
    ``random_weights``; filter them out before comparing quality.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    runs = load_runs(paths)
    logger.info("Loaded %d results files", len(runs))
    return runs_frame(runs)

"""Plain-text tables of run results for the terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:
    import pandas as pd

from harness.plain_table import render_rows
from harness.results.schema import RunResults


def results_frame(runs: Sequence[RunResults]) -> pd.DataFrame:
    """Build a frame with one row per model and task and one column per ``<metric>.<score>`` value."""
    import pandas as pd  # imported here because it adds about 0.5 s to every CLI start

    return pd.DataFrame(_result_rows(runs))


def _result_rows(runs: Sequence[RunResults]) -> list[dict[str, object]]:
    rows = []
    for run in runs:
        for name, task in run.tasks.items():
            row: dict[str, object] = {"model": run.model.name, "task": name, "n": task.num_examples}
            if task.num_failed:
                row["failed"] = task.num_failed
            for metric in task.metrics.values():
                for score, value in metric.scores.items():
                    if score.endswith(("_precision", "_recall")):
                        continue
                    row[score] = value
            rows.append(row)
    return rows


def _nested(record: dict, *keys: str) -> float | None:
    value: object = record
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value if isinstance(value, (int, float)) else None


def profile_frame(runs: Sequence[RunResults]) -> pd.DataFrame:
    """Build a frame of speed figures, one row per profiled neural model and task.

    The columns are throughput, latency percentiles, RTFx and peak memory.

    Models that only read outputs (published systems, lead-k) have no batch
    size and are left out, because their timings measure file reading.
    """
    import pandas as pd

    return pd.DataFrame(_profile_rows(runs)).dropna(axis="columns", how="all")


def _profile_rows(runs: Sequence[RunResults]) -> list[dict[str, object]]:
    rows = []
    for run in runs:
        for name, task in run.tasks.items():
            if not task.profile or task.batch_size is None:
                continue
            profile = task.profile
            peak = _nested(profile, "memory", "cuda_max_allocated_mib") or _nested(profile, "memory", "cpu_peak_rss_mib")
            rows.append(
                {
                    "model": run.model.name,
                    "task": name,
                    "batch": task.batch_size,
                    "samples/s": _nested(profile, "throughput", "samples_per_s"),
                    "out tok/s": _nested(profile, "throughput", "output_tokens_per_s"),
                    "p50 ms": _scaled(_nested(profile, "latency", "p50_s")),
                    "p90 ms": _scaled(_nested(profile, "latency", "p90_s")),
                    "p99 ms": _scaled(_nested(profile, "latency", "p99_s")),
                    "TTFT p50 ms": _scaled(_nested(profile, "time_to_first_token", "p50_s")),
                    "RTFx": _nested(profile, "rtfx"),
                    "peak MiB": peak,
                }
            )
    return rows


def _scaled(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1000


def _two_decimals(value: float) -> str:
    return f"{value:.2f}"


def _four_decimals(value: float) -> str:
    return f"{value:.4f}"


def _without_empty_columns(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """Drop the keys whose value is None or NaN in every row, as ``DataFrame.dropna(axis="columns", how="all")``."""
    kept = {key for row in rows for key, value in row.items() if value is not None and value == value}
    return [{key: value for key, value in row.items() if key in kept} for row in rows]


def format_profile_table(runs: Sequence[RunResults]) -> str:
    """Render the speed figures of profiled runs, or an empty string when no run was profiled."""
    rows = _without_empty_columns(_profile_rows(runs))
    if not rows:
        return ""
    text = render_rows(rows, _two_decimals)
    if text is None:
        text = profile_frame(runs).to_string(index=False, na_rep="", float_format=_two_decimals)
    return text


def format_table(runs: Sequence[RunResults]) -> str:
    """Render the model x task table with four significant decimals; blank where a metric does not apply."""
    rows = _result_rows(runs)
    if not rows:
        return "(no results)"
    text = render_rows(rows, _four_decimals)
    if text is None:
        text = results_frame(runs).to_string(index=False, na_rep="", float_format=_four_decimals)
    return text

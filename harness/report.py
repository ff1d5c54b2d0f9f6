"""Plain-text tables of run results for the terminal."""

from __future__ import annotations

from typing import Sequence

import pandas as pd

from harness.results.schema import RunResults


def results_frame(runs: Sequence[RunResults]) -> pd.DataFrame:
    """One row per model and task, one column per ``<metric>.<score>`` value."""
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
    return pd.DataFrame(rows)


def format_table(runs: Sequence[RunResults]) -> str:
    """Render the model x task table with four significant decimals; blank where a metric does not apply."""
    frame = results_frame(runs)
    if frame.empty:
        return "(no results)"
    return frame.to_string(index=False, na_rep="", float_format=lambda value: f"{value:.4f}")

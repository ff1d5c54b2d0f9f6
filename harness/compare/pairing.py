"""Match the runs of two result sets: the same model on both sides."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from harness.errors import ResultsError
from harness.leaderboard.frame import LoadedRun, load_runs


def _by_model(runs: Sequence[LoadedRun], side: str) -> dict[str, LoadedRun]:
    by_model: dict[str, LoadedRun] = {}
    for run in runs:
        name = run.results.model.name
        if name in by_model:
            raise ResultsError(
                f"The {side} results contain two runs of model {name!r} ({by_model[name].path} and {run.path}); "
                "pass the run folder to use instead of the folder that contains both."
            )
        by_model[name] = run
    return by_model


def pair_runs(
    paths_a: Sequence[str | Path], paths_b: Sequence[str | Path], side_a: str = "baseline", side_b: str = "current"
) -> tuple[list[tuple[LoadedRun, LoadedRun]], list[str], list[str]]:
    """Load both result sets and pair their runs.

    Two single runs are paired whatever their model names. Otherwise runs are
    paired by model name. Returns the pairs, the model names found only on
    side A and those found only on side B.
    """
    runs_a = load_runs(paths_a)
    runs_b = load_runs(paths_b)
    if not runs_a:
        raise ResultsError(f"No {side_a} results found in {', '.join(map(str, paths_a))}.")
    if not runs_b:
        raise ResultsError(f"No {side_b} results found in {', '.join(map(str, paths_b))}.")
    if len(runs_a) == 1 and len(runs_b) == 1:
        return [(runs_a[0], runs_b[0])], [], []

    by_model_a = _by_model(runs_a, side_a)
    by_model_b = _by_model(runs_b, side_b)
    pairs = [(run, by_model_b[name]) for name, run in by_model_a.items() if name in by_model_b]
    only_a = [name for name in by_model_a if name not in by_model_b]
    only_b = [name for name in by_model_b if name not in by_model_a]
    return pairs, only_a, only_b

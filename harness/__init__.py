"""harness: evaluate and benchmark captioning, speech recognition, summarization and translation models.

The Python API mirrors the CLI::

    from harness import RunConfig, run, load_results
    results = run(RunConfig(model="lead-3", tasks=["cnn_dailymail_realsumm"]))
    frame = load_results(["results/lead-3"])
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from harness.runner.runner import RunConfig, run

__all__ = ["RunConfig", "run", "load_results"]


def __getattr__(name: str) -> Any:
    if name in {"RunConfig", "run"}:
        from harness.runner import runner

        return getattr(runner, name)
    if name == "load_results":
        from harness.leaderboard.frame import load_results

        return load_results
    raise AttributeError(f"module 'harness' has no attribute {name!r}")

"""Shared helpers of the benchmark scripts: checkpoints, whole-process timing and paired ratios."""

from __future__ import annotations

import logging
import os
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
SUMMARIZATION_TASK = "cnn_dailymail_realsumm"

logger = logging.getLogger(__name__)


def build_checkpoint(folder: Path, **sizes: int) -> Path:
    """Write a random-weight GPT-2-architecture checkpoint whose tokenizer is trained on the task's articles."""
    sys.path.insert(0, str(REPOSITORY))
    from harness.profiling.synthetic import build_random_gpt2
    from harness.tasks.catalog import get_task

    texts = [example.input for example in get_task(SUMMARIZATION_TASK).examples()]
    return build_random_gpt2(folder, texts, **sizes)


@dataclass
class ProcessTime:
    """Wall seconds of one finished process and its CPU seconds (user + system, children included)."""

    wall: float
    cpu: float


def _spread(values: list[float]) -> str:
    return f"median {statistics.median(values):.3f} (min {min(values):.3f}, max {max(values):.3f})"


@dataclass
class PairedTiming:
    """Whole-process times of two commands run in pairs, and their pairwise ratios.

    On a machine shared with other work the wall ratio is noisy. The CPU-time
    ratio is less affected by waiting for a core, so both are reported.
    """

    times_a: list[ProcessTime] = field(default_factory=list)
    times_b: list[ProcessTime] = field(default_factory=list)

    @property
    def wall_ratios(self) -> list[float]:
        return [a.wall / b.wall for a, b in zip(self.times_a, self.times_b)]

    @property
    def cpu_ratios(self) -> list[float]:
        return [a.cpu / b.cpu for a, b in zip(self.times_a, self.times_b)]

    def summary(self) -> str:
        return "\n".join(
            [
                f"A wall seconds: {_spread([item.wall for item in self.times_a])}",
                f"B wall seconds: {_spread([item.wall for item in self.times_b])}",
                f"A CPU seconds:  {_spread([item.cpu for item in self.times_a])}",
                f"B CPU seconds:  {_spread([item.cpu for item in self.times_b])}",
                f"A/B wall ratio: {_spread(self.wall_ratios)} over {len(self.wall_ratios)} pairs",
                f"A/B CPU ratio:  {_spread(self.cpu_ratios)}",
            ]
        )


def run_process(command: list[str], env: dict[str, str] | None = None) -> ProcessTime:
    """Run ``command`` to completion and return its times; raise with its error output when it fails."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, env={**os.environ, **(env or {})}, cwd=REPOSITORY)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if completed.returncode != 0:
        raise RuntimeError(f"Command failed with exit code {completed.returncode}: {' '.join(command)}\n{completed.stderr[-4000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return ProcessTime(wall=wall, cpu=cpu)


def time_pairs(command_a: list[str], command_b: list[str], runs: int, warmup: int = 1) -> PairedTiming:
    """Time two commands as whole processes in pairs, after ``warmup`` untimed pairs.

    Pairs alternate their order (A B, then B A) so that a periodic load on
    the machine does not always fall on the same command.
    """
    for _ in range(warmup):
        run_process(command_a)
        run_process(command_b)
    timing = PairedTiming()
    for index in range(runs):
        if index % 2 == 0:
            a = run_process(command_a)
            b = run_process(command_b)
        else:
            b = run_process(command_b)
            a = run_process(command_a)
        timing.times_a.append(a)
        timing.times_b.append(b)
        logger.info("pair %d: A %.3f s (CPU %.3f s), B %.3f s (CPU %.3f s)", index + 1, a.wall, a.cpu, b.wall, b.cpu)
    return timing


def harness_run_command(checkpoint: Path, output_dir: Path, *, limit: int, batch_size: int, max_new_tokens: int, extra: list[str] | None = None) -> list[str]:
    """Build the ``harness run`` command line of the summarization benchmarks, on CPU."""
    return [
        sys.executable, "-m", "harness", "run",
        "--model", f"hf:{checkpoint}",
        "--tasks", SUMMARIZATION_TASK,
        "--limit", str(limit),
        "--batch-size", str(batch_size),
        "--max-new-tokens", str(max_new_tokens),
        "--device", "cpu",
        "--output-dir", str(output_dir),
        "--overwrite",
        "--no-progress",
        *(extra or []),
    ]  # fmt: skip

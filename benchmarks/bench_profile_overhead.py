"""Profiling overhead: ``harness run --profile`` against the same run without ``--profile``.

Three measurements:

1. Whole processes: ``harness run`` with and without ``--profile``, timed in
   pairs of alternating order (A B, B A ...), with the ratio taken pair by
   pair. Start-up and model loading are included, which profiling does not
   touch, and on a shared machine the noise between processes is large.
2. In one process, batch by batch: every batch of the task is predicted once
   with the profiler and once without, in alternating order, so that drift in
   machine speed hits both sides alike. The profiled side pays the whole
   profiler every time: the start of a task with its memory polling thread,
   the measured ``predict`` call and the end of the task. A real run starts
   and ends each task once, so this overstates its overhead.
3. The profiler's own costs, timed without the model's work: starting and
   ending a task, one ``measure`` around an empty body, one call of the
   first-token stopping criterion (once per decoding step) and one RSS
   reading (50 per second). Summed over the batches and steps of the run,
   they bound the overhead independently of the noise between model calls.

Usage: python benchmarks/bench_profile_overhead.py [--limit 24] [--max-new-tokens 32] [--runs 2] [--rounds 3]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
from pathlib import Path

from common import SUMMARIZATION_TASK, build_checkpoint, harness_run_command, time_pairs

TARGET = 1.02


def interleaved_ratio(checkpoint: Path, args: argparse.Namespace) -> tuple[float, float, int]:
    """Return (sum of profiled seconds over sum of plain seconds, median per-batch ratio, batches)."""
    from harness.environment import resolve_device
    from harness.models.base import LoadOptions
    from harness.models.registry import load_model
    from harness.profiling.run_profiler import RunProfiler
    from harness.runner.batching import plan_batches
    from harness.tasks.catalog import get_task

    task = get_task(SUMMARIZATION_TASK)
    examples = task.examples(limit=args.limit)
    model = load_model(f"hf:{checkpoint}", LoadOptions(device=resolve_device("cpu")))
    generation = task.config.generation.model_copy(update={"max_new_tokens": args.max_new_tokens})
    lengths = [model.input_length(example, task) for example in examples]
    plan = plan_batches(range(len(examples)), lambda index: lengths[index], args.batch_size)
    batches = [[examples[index] for index in indices] for indices in plan]

    def plain(batch: list) -> float:
        start = time.perf_counter()
        model.predict(batch, task, generation)
        return time.perf_counter() - start

    def profiled(batch: list) -> float:
        start = time.perf_counter()
        profiler = RunProfiler()
        profiler.start_task(task, model, args.batch_size)
        with profiler.measure(batch):
            model.predict(batch, task, generation)
        profiler.finish_task({})
        return time.perf_counter() - start

    model.predict(batches[0], task, generation)
    profiled_total = plain_total = 0.0
    ratios = []
    for round_index in range(args.rounds):
        for batch_index, batch in enumerate(batches):
            if (round_index + batch_index) % 2 == 0:
                seconds_profiled, seconds_plain = profiled(batch), plain(batch)
            else:
                seconds_plain, seconds_profiled = plain(batch), profiled(batch)
            profiled_total += seconds_profiled
            plain_total += seconds_plain
            ratios.append(seconds_profiled / seconds_plain)
    return profiled_total / plain_total, statistics.median(ratios), len(ratios)


def profiler_costs(checkpoint: Path, args: argparse.Namespace, repeats: int = 200) -> dict[str, float]:
    """Time the profiler's parts without model work; seconds per task, batch, decoding step and RSS reading."""
    import torch

    from harness.models.base import LoadOptions
    from harness.models.registry import load_model
    from harness.profiling.generation import _stopping_criterion_class
    from harness.profiling.memory import rss_reader
    from harness.profiling.run_profiler import RunProfiler
    from harness.profiling.timing import Timer
    from harness.tasks.catalog import get_task

    task = get_task(SUMMARIZATION_TASK)
    examples = task.examples(limit=args.batch_size)
    model = load_model(f"hf:{checkpoint}", LoadOptions(device="cpu"))

    start = time.perf_counter()
    for _ in range(20):
        profiler = RunProfiler()
        profiler.start_task(task, model, args.batch_size)
        profiler.finish_task({"predict": 1.0})
    per_task = (time.perf_counter() - start) / 20

    profiler = RunProfiler()
    profiler.start_task(task, model, args.batch_size)
    start = time.perf_counter()
    for _ in range(repeats):
        with profiler.measure(examples):
            pass
    per_batch = (time.perf_counter() - start) / repeats
    profiler.finish_task({})

    clock = _stopping_criterion_class()(Timer("cpu"))
    input_ids = torch.zeros((args.batch_size, 1024), dtype=torch.long)
    start = time.perf_counter()
    for _ in range(repeats * 10):
        clock(input_ids, None)
    per_step = (time.perf_counter() - start) / (repeats * 10)

    read_rss = rss_reader()
    start = time.perf_counter()
    for _ in range(repeats):
        read_rss()
    per_rss_reading = (time.perf_counter() - start) / repeats
    return {"task": per_task, "batch": per_batch, "step": per_step, "rss_reading": per_rss_reading}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=24, help="Articles of the summarization task (default: 24).")
    parser.add_argument("--batch-size", type=int, default=8, help="Batch size (default: 8).")
    parser.add_argument("--max-new-tokens", type=int, default=32, help="Generated tokens per article (default: 32).")
    parser.add_argument("--runs", type=int, default=2, help="Timed whole-process pairs (default: 2).")
    parser.add_argument("--rounds", type=int, default=3, help="Passes over the batches in the in-process comparison (default: 3).")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    with tempfile.TemporaryDirectory(prefix="bench-profile-") as scratch:
        folder = Path(scratch)
        checkpoint = build_checkpoint(folder / "gpt2", n_layer=4, n_embd=256, n_head=4, vocab_size=8000)
        sizes = dict(limit=args.limit, batch_size=args.batch_size, max_new_tokens=args.max_new_tokens)
        profiled = harness_run_command(checkpoint, folder / "profiled", extra=["--profile"], **sizes)
        plain = harness_run_command(checkpoint, folder / "plain", **sizes)
        timing = time_pairs(profiled, plain, runs=args.runs, warmup=1) if args.runs > 0 else None
        total_ratio, median_ratio, batches = interleaved_ratio(checkpoint, args) if args.rounds > 0 else (None, None, 0)
        costs = profiler_costs(checkpoint, args)

    print(f"--profile (A) vs no --profile (B): {args.limit} articles, batch {args.batch_size}, {args.max_new_tokens} new tokens")
    if timing is not None:
        print("whole processes:")
        print(timing.summary())
    if total_ratio is not None and median_ratio is not None:
        print(f"in one process, {batches} batches interleaved: A/B of summed seconds {total_ratio:.4f}, median per-batch A/B {median_ratio:.4f}")
        print(f"target A/B < {TARGET} (in one process): {'met' if total_ratio < TARGET else 'not met'}")
    print(
        "profiler costs without model work: "
        f"task start and end {costs['task'] * 1e3:.3f} ms, measure() {costs['batch'] * 1e6:.1f} us per batch, "
        f"stopping criterion {costs['step'] * 1e6:.2f} us per decoding step, "
        f"RSS reading {costs['rss_reading'] * 1e6:.1f} us (50 per second, {costs['rss_reading'] * 50 * 100:.3f} % of one core)"
    )
    batches_in_run = -(-args.limit // args.batch_size)
    added = costs["task"] + batches_in_run * (costs["batch"] + args.max_new_tokens * costs["step"])
    print(
        f"for a run of {batches_in_run} batches and {args.max_new_tokens} steps each, the profiler adds about "
        f"{added * 1e3:.2f} ms plus the RSS polling share"
    )


if __name__ == "__main__":
    main()

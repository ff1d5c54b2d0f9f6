"""``harness run``: evaluate a model on tasks, or every pair of a suite."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from harness.cli.common import add_model_arguments, batch_size
from harness.errors import HarnessError, ModelError
from harness.report import format_table
from harness.results.schema import RunResults
from harness.runner.runner import RunConfig, run, slugify
from harness.runner.suite import load_suite

logger = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--tasks", help="Comma-separated task names or task file paths; needs --model.")
    target.add_argument("--suite", help="Suite name or suite YAML file: a list of model x task pairs.")
    parser.add_argument("--model", help="Model name: a registered name, hf:<id or folder>, published:<system>, predictions:<file>.")
    parser.add_argument("--output-dir", type=Path, default=Path("results"), help="Folder for run folders (default: results).")
    parser.add_argument("--run-name", help="Name of the run folder (default: derived from the model name).")
    parser.add_argument("--batch-size", type=batch_size, default=8, help="Examples per batch, or 'auto' (halves on out-of-memory).")
    parser.add_argument("--limit", type=int, help="Evaluate only the first N examples of each task.")
    parser.add_argument("--max-new-tokens", type=int, help="Override the tasks' maximum number of generated tokens.")
    parser.add_argument("--resume", action="store_true", help="Continue an interrupted run from its samples files.")
    parser.add_argument("--overwrite", action="store_true", help="Discard the outputs of an earlier run in the same folder.")
    parser.add_argument(
        "--on-error", choices=["raise", "skip"], default="raise", help="On unreadable media: stop (raise) or record and continue (skip)."
    )
    parser.add_argument("--attn-implementation", help="Attention implementation passed to transformers (eager, sdpa ...).")
    parser.add_argument("--bootstrap-resamples", type=int, help="Bootstrap resamples for confidence intervals (0 disables).")
    parser.add_argument("--profile", action="store_true", help="Record throughput, latency and memory figures in results.json.")
    parser.add_argument("--no-progress", action="store_true", help="Hide the progress bars.")
    add_model_arguments(parser)


def _config(args: argparse.Namespace, model: str, tasks: list[str], **overrides: object) -> RunConfig:
    metric_options = {}
    if args.bootstrap_resamples is not None:
        metric_options["bootstrap_resamples"] = args.bootstrap_resamples
    values = dict(
        model=model,
        tasks=tasks,
        output_dir=args.output_dir,
        run_name=args.run_name,
        batch_size=args.batch_size,
        device=args.device,
        dtype=args.dtype,
        limit=args.limit,
        seed=args.seed,
        max_new_tokens=args.max_new_tokens,
        resume=args.resume,
        overwrite=args.overwrite,
        trust_remote_code=args.trust_remote_code,
        random_weights=args.random_weights,
        revision=args.revision,
        attn_implementation=args.attn_implementation,
        on_error=args.on_error,
        show_progress=not args.no_progress,
        metric_options=metric_options,
    )
    values.update(overrides)
    return RunConfig(**values)  # type: ignore[arg-type]


def _profiler(args: argparse.Namespace):
    if not args.profile:
        return None
    from harness.profiling.run_profiler import RunProfiler

    return RunProfiler()


def main(args: argparse.Namespace) -> int:
    results: list[RunResults] = []
    if args.tasks:
        if not args.model:
            raise HarnessError("--tasks needs --model; or pass --suite.")
        tasks = [name.strip() for name in args.tasks.split(",") if name.strip()]
        results.append(run(_config(args, args.model, tasks), _profiler(args)))
    else:
        suite = load_suite(args.suite)
        skipped = []
        for entry in suite.runs:
            if args.model and entry.model != args.model:
                continue
            overrides = {"output_dir": args.output_dir / suite.name, "run_name": slugify(entry.model), **entry.options}
            try:
                results.append(run(_config(args, entry.model, entry.tasks, **overrides), _profiler(args)))
            except ModelError as error:
                if not entry.optional:
                    raise
                skipped.append(f"{entry.model}: {error}")
        for line in skipped:
            print(f"skipped {line}")
    print(format_table(results))
    return 0

"""``harness run``: evaluate a model on tasks, or every pair of a suite."""

from __future__ import annotations

import argparse
import difflib
import logging
from pathlib import Path

from harness.cli.common import add_model_arguments, batch_size
from harness.errors import HarnessError, ModelError, TaskError
from harness.models.registry import adapters, named_models
from harness.report import format_profile_table, format_table
from harness.results.schema import RunResults
from harness.runner.runner import RunConfig, run, slugify
from harness.runner.suite import Suite, load_suite
from harness.tasks.catalog import get_task

logger = logging.getLogger(__name__)


def _integer(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid value {value!r}: expected an integer") from None


def positive_int(value: str) -> int:
    """Parse an integer >= 1."""
    number = _integer(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"invalid value {value!r}: expected an integer >= 1")
    return number


def non_negative_int(value: str) -> int:
    """Parse an integer >= 0."""
    number = _integer(value)
    if number < 0:
        raise argparse.ArgumentTypeError(f"invalid value {value!r}: expected an integer >= 0")
    return number


def add_arguments(parser: argparse.ArgumentParser) -> None:
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--tasks", help="Comma-separated task names or task file paths; needs --model.")
    target.add_argument("--suite", help="Suite name or suite YAML file: a list of model x task pairs.")
    parser.add_argument("--model", help="Model name: a registered name, hf:<id or folder>, published:<system>, predictions:<file>.")
    parser.add_argument("--output-dir", type=Path, default=Path("results"), help="Folder for run folders (default: results).")
    parser.add_argument("--run-name", help="Name of the run folder (default: derived from the model name).")
    parser.add_argument("--batch-size", type=batch_size, default=8, help="Examples per batch, or 'auto' (halves on out-of-memory).")
    parser.add_argument("--limit", type=positive_int, help="Evaluate only the first N examples of each task (N >= 1).")
    parser.add_argument(
        "--max-new-tokens", type=positive_int, help="Override the tasks' maximum number of generated tokens (>= 1)."
    )
    parser.add_argument("--resume", action="store_true", help="Continue an interrupted run from its samples files.")
    parser.add_argument("--overwrite", action="store_true", help="Discard the outputs of an earlier run in the same folder.")
    parser.add_argument(
        "--on-error", choices=["raise", "skip"], default="raise", help="On unreadable media: stop (raise) or record and continue (skip)."
    )
    parser.add_argument("--attn-implementation", help="Attention implementation passed to transformers (eager, sdpa ...).")
    parser.add_argument(
        "--bootstrap-resamples", type=non_negative_int, help="Bootstrap resamples for confidence intervals (0 disables)."
    )
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


def _check_suite_tasks(suite: Suite) -> None:
    """Load every task of the suite before the first run, so a bad task name fails before any work starts."""
    for index, entry in enumerate(suite.runs):
        for name in entry.tasks:
            try:
                get_task(name)
            except TaskError as error:
                raise TaskError(f"Suite {suite.name}, runs.{index} ({entry.model}): {error}") from None


def _check_suite_models(suite: Suite) -> None:
    """Reject model names that no registered model or adapter prefix matches, before the first run starts."""
    models, adapter_entries = named_models(), adapters()
    for index, entry in enumerate(suite.runs):
        prefix, separator, _ = entry.model.partition(":")
        if entry.model in models or (separator and (prefix == "hf" or prefix in adapter_entries)):
            continue
        if entry.model in adapter_entries and not adapter_entries[entry.model].takes_argument:
            continue
        known = sorted(set(models) | {f"{name}:" for name, item in adapter_entries.items() if item.takes_argument})
        close = difflib.get_close_matches(entry.model, known, n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise ModelError(
            f"Suite {suite.name}, runs.{index}: unknown model {entry.model!r}.{hint} "
            "Run 'harness models' to list the registered names."
        )


def main(args: argparse.Namespace) -> int:
    results: list[RunResults] = []
    if args.tasks:
        if not args.model:
            raise HarnessError("--tasks needs --model; or pass --suite.")
        tasks = [name.strip() for name in args.tasks.split(",") if name.strip()]
        if not tasks:
            raise HarnessError(f"--tasks {args.tasks!r} names no task; pass comma-separated task names or task files.")
        results.append(run(_config(args, args.model, tasks), _profiler(args)))
    else:
        suite = load_suite(args.suite)
        if args.model and all(entry.model != args.model for entry in suite.runs):
            models = ", ".join(dict.fromkeys(entry.model for entry in suite.runs))
            raise HarnessError(f"Suite {suite.name} has no run of model {args.model!r}; its models are: {models}.")
        _check_suite_tasks(suite)
        _check_suite_models(suite)
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
    speed = format_profile_table(results)
    if speed:
        print()
        print(speed)
    return 0

"""``harness compare``: compare two runs metric by metric, with paired bootstrap significance."""

from __future__ import annotations

import argparse

from harness.compare.paired import DEFAULT_RESAMPLES, DEFAULT_SEED, TaskComparison, compare_runs
from harness.compare.pairing import pair_runs
from harness.compare.render import comparison_json, render_comparison
from harness.errors import HarnessError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_a", metavar="RUN_A", help="Run folder or results.json of system A (the reference).")
    parser.add_argument("run_b", metavar="RUN_B", help="Run folder or results.json of system B.")
    parser.add_argument(
        "--format", choices=["text", "markdown", "json"], default="text", help="Output format (default: text)."
    )
    parser.add_argument(
        "--resamples",
        type=int,
        default=DEFAULT_RESAMPLES,
        help=f"Paired bootstrap resamples (default: {DEFAULT_RESAMPLES}; 0 skips the significance test).",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"Bootstrap seed (default: {DEFAULT_SEED}).")


def main(args: argparse.Namespace) -> int:
    if args.resamples < 0:
        raise HarnessError(f"Invalid --resamples {args.resamples}: expected 0 or more.")
    pairs, only_a, only_b = pair_runs([args.run_a], [args.run_b], "A", "B")
    comparisons: list[TaskComparison] = []
    warnings = [f"Model {name} is only in A." for name in only_a] + [f"Model {name} is only in B." for name in only_b]
    for run_a, run_b in pairs:
        task_comparisons, task_warnings = compare_runs(run_a, run_b, resamples=args.resamples, seed=args.seed)
        comparisons += task_comparisons
        warnings += task_warnings

    if args.format == "json":
        print(comparison_json(comparisons, warnings, args.run_a, args.run_b), end="")
    else:
        print(render_comparison(comparisons, warnings, args.run_a, args.run_b, markdown=args.format == "markdown"), end="")
    return 0

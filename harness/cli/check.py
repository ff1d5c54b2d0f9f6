"""``harness check``: exit 1 when current results regressed against a baseline, for CI.

Exit status: 0 no regression, 1 regression, 2 bad usage or incomparable
results (different task definitions, missing models or tasks, and different
hardware for speed with --strict-hardware).
"""

from __future__ import annotations

import argparse
import math
import sys

from harness.compare.gate import GateOptions, UsageError, parse_max_drops, run_gate
from harness.compare.paired import DEFAULT_RESAMPLES, DEFAULT_SEED


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--baseline", required=True, nargs="+", help="Baseline run folders, results.json files or folders containing them."
    )
    parser.add_argument(
        "--current", required=True, nargs="+", help="Current run folders, results.json files or folders containing them."
    )
    parser.add_argument(
        "--max-drop",
        action="append",
        default=[],
        metavar="METRIC=ABS",
        help="Allowed drop of a metric in its own units (bleu=0.5, wer=0.2, rouge.rouge1=0.01); repeatable. "
        "Default 0 for every score.",
    )
    parser.add_argument(
        "--max-slowdown",
        type=float,
        default=None,
        metavar="PCT",
        help="Allowed throughput loss in percent, checked only on equal hardware (default: speed not checked).",
    )
    parser.add_argument(
        "--require-significance",
        action="store_true",
        help="Count a quality drop only when the paired bootstrap p-value is below --alpha.",
    )
    parser.add_argument("--alpha", type=float, default=0.05, help="Significance level (default: 0.05).")
    parser.add_argument(
        "--strict-hardware",
        action="store_true",
        help="Treat different hardware as incomparable (exit 2) when --max-slowdown is given, instead of a warning.",
    )
    parser.add_argument(
        "--resamples",
        type=int,
        default=DEFAULT_RESAMPLES,
        help=f"Paired bootstrap resamples for --require-significance (default: {DEFAULT_RESAMPLES}).",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"Bootstrap seed (default: {DEFAULT_SEED}).")


def main(args: argparse.Namespace) -> int:
    if args.max_slowdown is not None and (not math.isfinite(args.max_slowdown) or args.max_slowdown < 0):
        raise UsageError(f"Invalid --max-slowdown {args.max_slowdown}: expected a percentage >= 0.")
    if not 0 < args.alpha < 1:
        raise UsageError(f"Invalid --alpha {args.alpha}: expected a number between 0 and 1.")
    if args.resamples < 1:
        raise UsageError(f"Invalid --resamples {args.resamples}: expected a positive integer.")
    options = GateOptions(
        max_drops=parse_max_drops(args.max_drop),
        max_slowdown_percent=args.max_slowdown,
        require_significance=args.require_significance,
        significance_level=args.alpha,
        strict_hardware=args.strict_hardware,
        resamples=args.resamples,
        seed=args.seed,
    )
    result = run_gate(args.baseline, args.current, options)
    print(result.summary, end="")
    sys.stdout.flush()
    return result.status

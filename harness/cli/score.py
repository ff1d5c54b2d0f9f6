"""``harness score``: score a system output file on a task, through the predictions model."""

from __future__ import annotations

import argparse
from pathlib import Path

from harness.cli.run import non_negative_int
from harness.errors import HarnessError
from harness.report import format_table
from harness.runner.runner import RunConfig, run


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--task", required=True, help="Task name or task file.")
    parser.add_argument(
        "--predictions", required=True, help="System output: plain lines, JSONL {id, prediction} or COCO results JSON."
    )
    parser.add_argument("--output-dir", type=Path, default=Path("results"), help="Folder for the run folder (default: results).")
    parser.add_argument("--run-name", help="Run folder name (default: derived from the file name).")
    parser.add_argument("--overwrite", action="store_true", help="Replace an earlier score of the same file.")
    parser.add_argument(
        "--bootstrap-resamples", type=non_negative_int, help="Bootstrap resamples for confidence intervals (0 disables)."
    )


def main(args: argparse.Namespace) -> int:
    metric_options = {}
    if args.bootstrap_resamples is not None:
        metric_options["bootstrap_resamples"] = args.bootstrap_resamples
    config = RunConfig(
        model=f"predictions:{args.predictions}",
        tasks=[args.task],
        output_dir=args.output_dir,
        run_name=args.run_name,
        device="cpu",
        overwrite=args.overwrite,
        show_progress=False,
        metric_options=metric_options,
    )
    folder = config.run_folder()
    if not args.overwrite and any(folder.glob("samples_*.jsonl")):
        raise HarnessError(
            f"Run folder {folder} already contains a score; pass --overwrite to replace it "
            "or --run-name to write a new one next to it."
        )
    print(format_table([run(config)]))
    return 0

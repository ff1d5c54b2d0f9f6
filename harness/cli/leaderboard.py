"""``harness leaderboard``: build leaderboard tables and a static page from results files."""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path

from harness.errors import HarnessError
from harness.leaderboard.build import write_leaderboard


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "results",
        nargs="*",
        default=["results"],
        metavar="RESULTS",
        help="results.json files or folders searched recursively for them (default: results).",
    )
    parser.add_argument(
        "--out", default="leaderboard", help="Folder for README.md, leaderboard.csv and index.html (default: leaderboard)."
    )


def main(args: argparse.Namespace) -> int:
    if Path(args.out).exists() and not Path(args.out).is_dir():
        raise HarnessError(f"--out {args.out} is a file; pass a folder for README.md, leaderboard.csv and index.html.")
    command = shlex.join(["harness", "leaderboard", *args.results, "--out", args.out])
    leaderboard = write_leaderboard(args.results, args.out, command=command)
    runs = len(set(leaderboard.frame["path"]))
    print(f"Wrote {Path(args.out) / 'README.md'}, leaderboard.csv and index.html: {len(leaderboard.sections)} task tables, {runs} runs.")
    return 0

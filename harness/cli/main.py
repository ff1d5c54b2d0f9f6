"""Entry point of the ``harness`` command.

Each subcommand lives in its own module ``harness.cli.<name>`` with two
functions: ``add_arguments(parser)`` and ``main(args) -> int``.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import importlib.util
import logging
import sys
from collections.abc import Sequence

from harness.errors import HarnessError

logger = logging.getLogger(__name__)

SUBCOMMANDS = {
    "run": "Evaluate a model on tasks or a suite and write results.",
    "score": "Score an existing system output file on a task.",
    "profile": "Measure throughput, latency and memory of a model on a task.",
    "tasks": "List the available tasks.",
    "models": "List the registered models and adapters.",
    "leaderboard": "Build leaderboard tables and a static page from results files.",
    "compare": "Compare two runs metric by metric, with significance.",
    "check": "Fail when a run regressed against a baseline (for CI).",
    "convert": "Convert checkpoints between formats.",
}


def requested_command(argv: Sequence[str]) -> str | None:
    """Return the subcommand named in ``argv``: its first argument that is not an option, None when there is none.

    The top-level options (``-v``, ``-h``) take no value, so the first other argument is the subcommand.
    """
    for argument in argv:
        if argument == "--":
            return None
        if not argument.startswith("-"):
            return argument
    return None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """Build the argument parser. With ``command``, import and configure only that subcommand's module.

    The other subcommands are still listed, with their help text, so that
    ``harness --help`` and the invalid-choice error are the same either way.
    Importing every subcommand module would load their dependencies (pandas
    for ``leaderboard``), which costs each ``harness run`` start-up time.
    """
    parser = argparse.ArgumentParser(prog="harness", description="Evaluate and benchmark generation models.")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="More log output (-vv for debug).")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, help_text in SUBCOMMANDS.items():
        module_name = f"harness.cli.{name}"
        if command is not None and name != command:
            if importlib.util.find_spec(module_name) is not None:
                subparsers.add_parser(name, help=help_text, description=help_text)
            continue
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name != module_name:
                raise
            continue
        subparser = subparsers.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(subparser)
        subparser.set_defaults(handler=module.main)
    return parser


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    parser = build_parser(requested_command(arguments))
    args = parser.parse_args(arguments)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.handler(args) or 0)
    except HarnessError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        # File system failures the commands do not anticipate (disk full, permission denied, a file where a
        # folder is expected) are reported without a traceback; -vv logs it.
        logger.debug("Command failed", exc_info=True)
        where = f" ({error.filename})" if error.filename else ""
        print(f"error: {error.strerror or error}{where}; check that path and the free disk space.", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; finished samples are kept, rerun with --resume", file=sys.stderr)
        return 130


def console_main() -> None:
    """Run the command line and exit the process with its status (the ``harness`` script, ``python -m harness``)."""
    status = main()

    # Interpreter shutdown runs full garbage collections over every object left,
    # which took about 0.7 s with torch and transformers loaded (a 16-article
    # ``harness run`` on 2 CPU cores). Frozen objects are skipped. The process
    # ends next, and output files are already closed.
    gc.freeze()
    sys.exit(status)


if __name__ == "__main__":
    console_main()

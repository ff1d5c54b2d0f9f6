"""``harness tasks``: list the known tasks."""

from __future__ import annotations

import argparse
import json
import sys

from harness.errors import TaskError
from harness.tasks.catalog import all_tasks, broken_task_files


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--family", help="Only tasks of this family.")
    parser.add_argument("--json", action="store_true", help="Print JSON instead of a table.")


def _source(task) -> str:
    dataset = task.config.dataset
    if dataset.hub is not None:
        return f"hub:{dataset.hub.path}"
    return f"local {dataset.format}"


def _example_count(task, problems: list[str]) -> int | None:
    """Return the number of rows of a local task, or None (with a line in ``problems``) when its data is unreadable."""
    if task.config.dataset.format == "hf":
        return None
    try:
        return len(task.load_rows())
    except TaskError as error:
        problems.append(f"task {task.name} ({task.path}): {error}")
        return None


def main(args: argparse.Namespace) -> int:
    """List the tasks; exit 2 after the listing when a task file or its data cannot be read."""
    rows = []
    problems = list(broken_task_files().values())
    for task in all_tasks():
        if args.family and task.family != args.family:
            continue
        languages = "-".join(filter(None, [task.config.source_language, task.config.target_language])) or "-"
        rows.append(
            {
                "task": task.name,
                "family": task.family,
                "examples": _example_count(task, problems),
                "languages": languages,
                "metrics": ",".join(metric.name for metric in task.config.metrics),
                "source": _source(task),
                "systems": len(task.config.systems),
                "version": task.version,
            }
        )
    if args.json:
        print(json.dumps(rows, indent=2))
        return _report(problems)
    headers = list(rows[0]) if rows else ["task"]
    widths = {key: max(len(key), *(len(str(row[key])) for row in rows)) for key in headers} if rows else {}
    print("  ".join(key.ljust(widths.get(key, len(key))) for key in headers))
    for row in rows:
        print("  ".join(str(row[key] if row[key] is not None else "?").ljust(widths[key]) for key in headers))
    return _report(problems)


def _report(problems: list[str]) -> int:
    """Print the unreadable task files to stderr; return the exit status (2 when there are any)."""
    for line in problems:
        print(f"error: {line}", file=sys.stderr)
    if problems:
        print(f"{len(problems)} task files or data files could not be read; fix them or remove them from the task folders.", file=sys.stderr)
    return 2 if problems else 0

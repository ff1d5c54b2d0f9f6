"""``harness tasks``: list the known tasks."""

from __future__ import annotations

import argparse
import json

from harness.tasks.catalog import all_tasks


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--family", help="Only tasks of this family.")
    parser.add_argument("--json", action="store_true", help="Print JSON instead of a table.")


def _source(task) -> str:
    dataset = task.config.dataset
    if dataset.hub is not None:
        return f"hub:{dataset.hub.path}"
    return f"local {dataset.format}"


def main(args: argparse.Namespace) -> int:
    rows = []
    for task in all_tasks():
        if args.family and task.family != args.family:
            continue
        languages = "-".join(filter(None, [task.config.source_language, task.config.target_language])) or "-"
        rows.append(
            {
                "task": task.name,
                "family": task.family,
                "examples": len(task.load_rows()) if task.config.dataset.format != "hf" else None,
                "languages": languages,
                "metrics": ",".join(metric.name for metric in task.config.metrics),
                "source": _source(task),
                "systems": len(task.config.systems),
                "version": task.version,
            }
        )
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    headers = list(rows[0]) if rows else ["task"]
    widths = {key: max(len(key), *(len(str(row[key])) for row in rows)) for key in headers} if rows else {}
    print("  ".join(key.ljust(widths.get(key, len(key))) for key in headers))
    for row in rows:
        print("  ".join(str(row[key] if row[key] is not None else "?").ljust(widths[key]) for key in headers))
    return 0

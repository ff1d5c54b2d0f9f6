"""``harness models``: list the registered models and adapters."""

from __future__ import annotations

import argparse

from harness.models.registry import adapters, named_models


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--adapters", action="store_true", help="Also list the adapters and the model families they run.")


def main(args: argparse.Namespace) -> int:
    models = named_models()
    width = max((len(name) for name in models), default=10)
    print(f"{'model'.ljust(width)}  {'adapter':<14}  {'installed':<9}  weights")
    for name, entry in sorted(models.items()):
        installed = "yes" if entry.is_available() else "no"
        print(f"{name.ljust(width)}  {entry.adapter:<14}  {installed:<9}  {entry.weights or entry.description}")
    print("\nAlso: hf:<hub id or local folder>, published:<system of a task>, predictions:<file>.")
    if args.adapters:
        print("\nadapters:")
        for name, entry in sorted(adapters().items()):
            print(f"  {name:<16} {', '.join(entry.cls.families)}")
    return 0

"""Arguments shared by the subcommands that load models."""

from __future__ import annotations

import argparse


def batch_size(value: str) -> int | str:
    if value == "auto":
        return value
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid batch size {value!r}: expected a positive integer or 'auto'") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"invalid batch size {value!r}: expected a positive integer or 'auto'")
    return number


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options that control how a model is loaded and run."""
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:<index> or mps (default: auto).")
    parser.add_argument(
        "--dtype", default="auto", choices=["auto", "float32", "bfloat16", "float16"], help="Parameter dtype (default: auto)."
    )
    parser.add_argument("--trust-remote-code", action="store_true", help="Allow checkpoints to run their own Python code.")
    parser.add_argument("--revision", help="Hub revision (branch, tag or commit) of the model.")
    parser.add_argument(
        "--random-weights", action="store_true", help="Build the model from its config with random weights (speed only)."
    )
    parser.add_argument("--seed", type=int, default=1234, help="Random seed (default: 1234).")

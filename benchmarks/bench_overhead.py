"""Harness overhead: ``harness run`` against a bare ``model.generate`` loop over the same batches.

Both sides run as whole processes (interpreter start, imports, model loading
and writing outputs included), in turn A B A B ..., and the ratio is taken
pair by pair so that drift in machine speed cancels. The model is a GPT-2-
architecture checkpoint with random weights built from a config; both sides
must produce identical outputs, which the script checks. ``harness run``
also scores ROUGE and writes results.json; the bare loop does neither.

Usage: python benchmarks/bench_overhead.py [--limit 24] [--max-new-tokens 32] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import tempfile
from pathlib import Path

from common import REPOSITORY, build_checkpoint, harness_run_command, time_pairs

TARGET = 1.03


def _predictions(path: Path, key: str) -> dict[int, str]:
    with path.open(encoding="utf-8") as handle:
        return {record[key]: record["prediction"] for record in map(json.loads, handle)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=24, help="Articles of the summarization task (default: 24).")
    parser.add_argument("--batch-size", type=int, default=8, help="Batch size of both sides (default: 8).")
    parser.add_argument("--max-new-tokens", type=int, default=32, help="Generated tokens per article (default: 32).")
    parser.add_argument("--runs", type=int, default=3, help="Timed pairs (default: 3).")
    parser.add_argument("--warmup", type=int, default=1, help="Untimed pairs first (default: 1).")
    parser.add_argument("--layers", type=int, default=4, help="GPT-2 layers (default: 4).")
    parser.add_argument("--hidden", type=int, default=256, help="GPT-2 hidden size (default: 256).")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    with tempfile.TemporaryDirectory(prefix="bench-overhead-") as scratch:
        folder = Path(scratch)
        checkpoint = build_checkpoint(
            folder / "gpt2", n_layer=args.layers, n_embd=args.hidden, n_head=args.hidden // 64, vocab_size=8000
        )
        source = REPOSITORY / "tasks/summarization/cnn_dailymail_realsumm/data/src.txt"
        bare_output = folder / "bare.jsonl"
        harness_command = harness_run_command(
            checkpoint, folder / "runs", limit=args.limit, batch_size=args.batch_size, max_new_tokens=args.max_new_tokens
        )
        bare_command = [
            sys.executable, str(REPOSITORY / "benchmarks/bare_generate.py"), str(checkpoint), str(source), str(bare_output),
            "--limit", str(args.limit), "--batch-size", str(args.batch_size), "--max-new-tokens", str(args.max_new_tokens),
        ]  # fmt: skip
        timing = time_pairs(harness_command, bare_command, runs=args.runs, warmup=args.warmup)

        samples = next((folder / "runs").glob("*/samples_cnn_dailymail_realsumm.jsonl"))
        identical = _predictions(samples, "row") == _predictions(bare_output, "row")

    print(f"harness run (A) vs bare generate loop (B): {args.limit} articles, batch {args.batch_size}, "
          f"{args.max_new_tokens} new tokens, GPT-2 {args.layers} layers x {args.hidden}")  # fmt: skip
    print(timing.summary())
    print(f"outputs identical: {identical}")
    for kind, ratios in (("wall", timing.wall_ratios), ("CPU", timing.cpu_ratios)):
        print(f"target A/B <= {TARGET} ({kind}): {'met' if statistics.median(ratios) <= TARGET else 'not met'}")


if __name__ == "__main__":
    main()

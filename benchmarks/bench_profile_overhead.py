"""Profiling overhead: ``harness run --profile`` against the same run without ``--profile``.

Both runs are whole processes, timed in turn A B A B ... with the ratio taken
pair by pair. The predict-phase seconds that each run records in
results.json give a second, less noisy ratio that leaves out process start-up
and model loading, which profiling does not touch.

Usage: python benchmarks/bench_profile_overhead.py [--limit 24] [--max-new-tokens 32] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import tempfile
from pathlib import Path

from common import SUMMARIZATION_TASK, build_checkpoint, harness_run_command, run_process

TARGET = 1.02


def predict_seconds(output_dir: Path) -> float:
    results = next(output_dir.glob("*/results.json"))
    return json.loads(results.read_text())["tasks"][SUMMARIZATION_TASK]["timings"]["predict"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=24, help="Articles of the summarization task (default: 24).")
    parser.add_argument("--batch-size", type=int, default=8, help="Batch size (default: 8).")
    parser.add_argument("--max-new-tokens", type=int, default=32, help="Generated tokens per article (default: 32).")
    parser.add_argument("--runs", type=int, default=3, help="Timed pairs (default: 3).")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    whole: list[float] = []
    whole_cpu: list[float] = []
    predict: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as scratch:
        folder = Path(scratch)
        checkpoint = build_checkpoint(folder / "gpt2", n_layer=4, n_embd=256, n_head=4, vocab_size=8000)
        sizes = dict(limit=args.limit, batch_size=args.batch_size, max_new_tokens=args.max_new_tokens)
        profiled = harness_run_command(checkpoint, folder / "profiled", extra=["--profile"], **sizes)
        plain = harness_run_command(checkpoint, folder / "plain", **sizes)
        run_process(profiled)
        run_process(plain)
        for index in range(args.runs):
            time_profiled = run_process(profiled)
            time_plain = run_process(plain)
            whole.append(time_profiled.wall / time_plain.wall)
            whole_cpu.append(time_profiled.cpu / time_plain.cpu)
            predict.append(predict_seconds(folder / "profiled") / predict_seconds(folder / "plain"))
            logging.info("pair %d: wall %.4f, CPU %.4f, predict %.4f", index + 1, whole[-1], whole_cpu[-1], predict[-1])

    print(f"--profile (A) vs no --profile (B): {args.limit} articles, batch {args.batch_size}, {args.max_new_tokens} new tokens")
    print(f"whole-process wall A/B: median {statistics.median(whole):.4f} (min {min(whole):.4f}, max {max(whole):.4f}) over {len(whole)} pairs")
    print(f"whole-process CPU A/B:  median {statistics.median(whole_cpu):.4f} (min {min(whole_cpu):.4f}, max {max(whole_cpu):.4f})")
    print(f"predict-phase A/B: median {statistics.median(predict):.4f} (min {min(predict):.4f}, max {max(predict):.4f})")
    for kind, ratios in (("wall", whole), ("CPU", whole_cpu)):
        print(f"target A/B < {TARGET} ({kind}): {'met' if statistics.median(ratios) < TARGET else 'not met'}")


if __name__ == "__main__":
    main()

"""Length-sorted against dataset-order batching on the summarization task, whose articles vary in length.

Both orders run in this process through :class:`harness.runner.runner.Runner`
with the same GPT-2-architecture checkpoint (random weights built from a
config), in turn sorted, unsorted, sorted ... The speedup is the median
predict-phase time of dataset order over that of length-sorted order. It
also counts the prompt positions that the prefill computes in each order,
padding included: that count measures the saved work independently of the
machine's timing noise. The script also checks that both orders produce the same output for every
article: left padding and the attention mask must make a row's output
independent of its batch neighbours.

Usage: python benchmarks/bench_sorting.py [--limit 48] [--batch-size 8] [--runs 2]
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import tempfile
from pathlib import Path

from common import SUMMARIZATION_TASK, build_checkpoint

from harness.runner.runner import RunConfig, Runner


def run_once(checkpoint: Path, output_dir: Path, sort: bool, args: argparse.Namespace) -> tuple[float, dict[str, str]]:
    """Run the task once; return the predict-phase seconds and the predictions by example id."""
    config = RunConfig(
        model=f"hf:{checkpoint}",
        tasks=[SUMMARIZATION_TASK],
        output_dir=output_dir,
        run_name="sorted" if sort else "dataset-order",
        batch_size=args.batch_size,
        limit=args.limit,
        max_new_tokens=args.max_new_tokens,
        device="cpu",
        overwrite=True,
        sort_by_length=sort,
        show_progress=False,
    )
    runner = Runner(config)
    results = runner.run()
    samples = runner.folder / f"samples_{SUMMARIZATION_TASK}.jsonl"
    with samples.open(encoding="utf-8") as handle:
        predictions = {record["id"]: record["prediction"] for record in map(json.loads, handle)}
    return results.tasks[SUMMARIZATION_TASK].timings["predict"], predictions


def padded_positions(checkpoint: Path, args: argparse.Namespace) -> dict[bool, tuple[int, int]]:
    """Count prompt positions the model computes, with and without padding, per batch order.

    Returns sort flag -> (real prompt tokens, rows x longest prompt summed over
    batches). The count is exact for the prefill: it tokenizes the prompts as
    the causal-lm adapter builds them, truncation included.
    """
    from harness.models.base import LoadOptions
    from harness.models.registry import load_model
    from harness.runner.batching import plan_batches
    from harness.tasks.catalog import get_task

    task = get_task(SUMMARIZATION_TASK)
    examples = task.examples(limit=args.limit)
    model = load_model(f"hf:{checkpoint}", LoadOptions(device="cpu"))
    generation = task.config.generation.model_copy(update={"max_new_tokens": args.max_new_tokens})
    prompt_lengths = [len(model.tokenizer(model._prompt(example, task, generation))["input_ids"]) for example in examples]  # type: ignore[attr-defined]
    sort_lengths = [model.input_length(example, task) for example in examples]

    counts = {}
    for sort in (True, False):
        plan = plan_batches(range(len(examples)), lambda index: sort_lengths[index], args.batch_size, sort)
        padded = sum(len(indices) * max(prompt_lengths[index] for index in indices) for indices in plan)
        counts[sort] = (sum(prompt_lengths), padded)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=48, help="Articles of the task (default: 48).")
    parser.add_argument("--batch-size", type=int, default=8, help="Batch size (default: 8).")
    parser.add_argument("--max-new-tokens", type=int, default=16, help="Generated tokens per article (default: 16).")
    parser.add_argument("--runs", type=int, default=2, help="Timed runs of each order (default: 2).")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(message)s")

    sorted_seconds: list[float] = []
    unsorted_seconds: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-sorting-") as scratch:
        folder = Path(scratch)
        checkpoint = build_checkpoint(folder / "gpt2", n_layer=4, n_embd=256, n_head=4, vocab_size=8000)
        positions = padded_positions(checkpoint, args)
        run_once(checkpoint, folder / "runs", True, argparse.Namespace(**{**vars(args), "limit": 2}))
        for _ in range(args.runs):
            seconds, sorted_predictions = run_once(checkpoint, folder / "runs", True, args)
            sorted_seconds.append(seconds)
            seconds, unsorted_predictions = run_once(checkpoint, folder / "runs", False, args)
            unsorted_seconds.append(seconds)

    differing = sorted(key for key in sorted_predictions if sorted_predictions[key] != unsorted_predictions[key])
    speedup = statistics.median(unsorted_seconds) / statistics.median(sorted_seconds)
    print(f"{SUMMARIZATION_TASK}: {args.limit} articles, batch {args.batch_size}, {args.max_new_tokens} new tokens")
    print(f"predict seconds, length-sorted: {', '.join(f'{value:.2f}' for value in sorted_seconds)}")
    print(f"predict seconds, dataset order: {', '.join(f'{value:.2f}' for value in unsorted_seconds)}")
    for sort, label in ((True, "length-sorted"), (False, "dataset order")):
        real, padded = positions[sort]
        print(f"prompt positions computed, {label}: {padded} for {real} real tokens ({padded / real - 1:.1%} padding)")
    print(f"prefill work ratio, dataset order over length-sorted: {positions[False][1] / positions[True][1]:.3f}")
    print(f"speedup of length-sorted batching (median over median): {speedup:.3f}x")
    print(f"outputs identical: {not differing} ({len(differing)} of {len(sorted_predictions)} differ)")


if __name__ == "__main__":
    main()

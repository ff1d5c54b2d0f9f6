"""Time the reference metric libraries against this package's reimplementations, side by side.

Usage: ``python benchmarks/bench_metrics.py [--documents 10000] [--repeat 1]``

ROUGE: rouge_score 0.1.2 ``RougeScorer(["rouge1", "rouge2", "rougeL",
"rougeLsum"], use_stemmer=True).score`` against
``harness.metrics.rouge.RougeScorer`` on the same newline-split texts.
"cold" empties the process-wide Porter stem cache first; "shared cache" is
the steady state when several systems are scored against the same
references. CIDEr-D: pycocoevalcap ``Cider().compute_score`` against
``harness.metrics.coco.cider.CiderStatistics`` on the same PTB-tokenized
captions (tokenization is not timed). Every row also checks that the values
agree (largest absolute difference).
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import re
import sys
import time
from pathlib import Path
from typing import Callable

import numpy as np
from pycocoevalcap.cider.cider import Cider
from rouge_score import rouge_scorer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness.metrics.bootstrap import iter_resample_counts  # noqa: E402
from harness.metrics.coco.cider import CiderStatistics  # noqa: E402
from harness.metrics.coco.ptb_python import tokenize_python  # noqa: E402
from harness.metrics.rouge import RougeScorer, RougeScoreTokenizer, _MemoizedPorterStemmer  # noqa: E402

logger = logging.getLogger("bench_metrics")

ROUGE_TYPES = ["rouge1", "rouge2", "rougeL", "rougeLsum"]
CNNDM = ROOT / "tasks" / "summarization" / "cnn_dailymail_realsumm" / "data"
FAKECAP = ROOT / "tasks" / "captioning" / "coco_fakecap" / "data" / "coco_val2014_fakecap1000_with_refs.vdtk.json"
VAL2017 = ROOT / "tasks" / "captioning" / "coco_val2017_refs" / "captions_val2017.json"


def timed(function: Callable[[], object], repeat: int) -> tuple[float, object]:
    """Return the best wall time in seconds over ``repeat`` runs and the last result."""
    best = float("inf")
    result: object = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def print_row(name: str, reference_seconds: float, ours_seconds: float, max_difference: float) -> None:
    print(
        f"{name:<62} {reference_seconds:9.3f} s {ours_seconds:9.3f} s {reference_seconds / ours_seconds:8.1f}x"
        f"   max |diff| {max_difference:.1e}"
    )


def sentences(text: str) -> str:
    return "\n".join(part.strip() for part in re.split(r"\s*</?t>\s*", text) if part.strip())


def rouge_pair_lists() -> dict[str, tuple[list[str], list[str]]]:
    references = [sentences(line) for line in (CNNDM / "ref.txt").read_text(encoding="utf-8").splitlines()]
    systems = {}
    for path in sorted((CNNDM / "systems").glob("*.txt")):
        hypotheses = [sentences(line) for line in path.read_text(encoding="utf-8").splitlines()]
        systems[path.stem] = (references, hypotheses)
    return systems


def synthetic_documents(count: int, seed: int = 0) -> tuple[list[str], list[str]]:
    """Zipf-distributed pseudo-English: 20,000 word types, 3 sentences of 8-25 words per summary."""
    rng = random.Random(seed)
    letters = "etaoinshrdlcumwfgypbvk"
    suffixes = ["", "", "", "s", "ed", "ing", "ly", "ness", "ation", "ies"]
    vocabulary = sorted({"".join(rng.choices(letters, k=rng.randint(2, 9))) + rng.choice(suffixes) for _ in range(24000)})
    rng.shuffle(vocabulary)
    vocabulary = vocabulary[:20000]
    weights = [1.0 / (rank + 1) for rank in range(len(vocabulary))]

    def summary() -> str:
        lines = []
        for _ in range(3):
            lines.append(" ".join(rng.choices(vocabulary, weights=weights, k=rng.randint(8, 25))) + " .")
        return "\n".join(lines)

    references = [summary() for _ in range(count)]
    hypotheses = []
    for reference in references:
        words = reference.split(" ")
        # Keep about 60 % of the reference words and replace the rest, so scores are realistic.
        hypotheses.append(" ".join(w if rng.random() < 0.6 or w == "." else rng.choice(vocabulary) for w in words))
    return references, hypotheses


def bench_rouge(
    name: str, references: list[str], hypotheses: list[str], repeat: int, cold: bool
) -> tuple[float, float]:
    """Print one ROUGE row and return (reference seconds, our seconds)."""
    reference_scorer = rouge_scorer.RougeScorer(ROUGE_TYPES, use_stemmer=True)
    reference_seconds, expected = timed(
        lambda: [reference_scorer.score(r, h) for r, h in zip(references, hypotheses)], repeat
    )

    def ours() -> list[dict]:
        if cold:
            _MemoizedPorterStemmer._cache.clear()
        scorer = RougeScorer(ROUGE_TYPES, RougeScoreTokenizer(use_stemmer=True))
        return [scorer.score(r, h) for r, h in zip(references, hypotheses)]

    ours_seconds, actual = timed(ours, repeat)
    difference = max(
        abs(e[t].fmeasure - a[t][2]) for e, a in zip(expected, actual) for t in ROUGE_TYPES  # type: ignore[union-attr]
    )
    print_row(f"ROUGE {name}{' (cold)' if cold else ' (shared cache)'}", reference_seconds, ours_seconds, difference)
    return reference_seconds, ours_seconds


def bench_cider(name: str, hypotheses: list[str], references: list[list[str]], repeat: int) -> None:
    gts = {i: refs for i, refs in enumerate(references)}
    res = {i: [h] for i, h in enumerate(hypotheses)}
    reference_seconds, (reference_mean, reference_scores) = timed(lambda: Cider().compute_score(gts, res), repeat)
    ours_seconds, scores = timed(lambda: CiderStatistics(hypotheses, references).corpus_image_scores(), repeat)
    difference = float(np.max(np.abs(np.asarray(scores) - np.asarray(reference_scores))))
    print_row(f"CIDEr-D {name}", reference_seconds, ours_seconds, difference)


def bench_cider_bootstrap(hypotheses: list[str], references: list[list[str]], resamples: int) -> None:
    statistics = CiderStatistics(hypotheses, references)
    start = time.perf_counter()
    for counts in iter_resample_counts(len(hypotheses), resamples, seed=12345):
        statistics.resample_scores(counts)
    seconds = time.perf_counter() - start
    print(f"CIDEr-D bootstrap, {resamples} resamples of {len(hypotheses)} images (df per resample): {seconds:.2f} s")


def synthetic_captions(count: int, seed: int = 1) -> tuple[list[str], list[list[str]]]:
    rng = random.Random(seed)
    subjects = "man woman dog cat child group of people bus train plate of food giraffe skier surfer".split()
    verbs = "sitting standing riding holding eating walking looking playing flying".split()
    objects = "table street bench field beach kitchen horse kite pizza frisbee skateboard umbrella".split()
    adjectives = "red blue small large young old white black wooden busy".split()

    def caption() -> str:
        words = ["a", rng.choice(adjectives), rng.choice(subjects), "is", rng.choice(verbs), "on", "a"]
        words += [rng.choice(adjectives), rng.choice(objects)]
        if rng.random() < 0.5:
            words += ["near", "a", rng.choice(objects)]
        return " ".join(words)

    return [caption() for _ in range(count)], [[caption() for _ in range(5)] for _ in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=10000, help="size of the synthetic sets (documents, images)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per timing; the best is reported")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    print(f"{'':<62} {'reference':>11} {'ours':>11} {'ratio':>9}")
    systems = rouge_pair_lists()
    first = True
    reference_total = ours_total = 0.0
    for system, (references, hypotheses) in systems.items():
        reference_seconds, ours_seconds = bench_rouge(
            f"CNN/DM 100 docs {system}", references, hypotheses, args.repeat, cold=first
        )
        reference_total += reference_seconds
        ours_total += ours_seconds
        first = False
    print_row(f"ROUGE CNN/DM task: all {len(systems)} systems, first one cold", reference_total, ours_total, 0.0)
    references, hypotheses = synthetic_documents(args.documents)
    bench_rouge(f"synthetic {args.documents} docs", references, hypotheses, args.repeat, cold=True)
    bench_rouge(f"synthetic {args.documents} docs", references, hypotheses, args.repeat, cold=False)

    records = json.loads(FAKECAP.read_text(encoding="utf-8"))
    raw_hypotheses = [record["candidates"][0] for record in records]
    raw_references = [record["references"] for record in records]
    tokenized = tokenize_python(raw_hypotheses + [r for refs in raw_references for r in refs])
    hypotheses_tok = tokenized[: len(records)]
    references_tok, position = [], len(records)
    for refs in raw_references:
        references_tok.append(tokenized[position : position + len(refs)])
        position += len(refs)
    bench_cider("COCO fakecap 1000 images", hypotheses_tok, references_tok, args.repeat)

    if VAL2017.is_file():
        annotations = json.loads(VAL2017.read_text(encoding="utf-8"))["annotations"]
        by_image: dict[int, list[str]] = {}
        for annotation in annotations:
            by_image.setdefault(annotation["image_id"], []).append(annotation["caption"])
        groups = [tokenize_python(captions) for captions in by_image.values()]
        # Leave-one-out: the first human caption is the hypothesis, the others its references.
        bench_cider(f"COCO val2017 {len(groups)} images (leave-one-out)", [g[0] for g in groups], [g[1:] for g in groups], args.repeat)

    synthetic_hypotheses, synthetic_references = synthetic_captions(args.documents)
    bench_cider(f"synthetic {args.documents} images", synthetic_hypotheses, synthetic_references, args.repeat)
    bench_cider_bootstrap(hypotheses_tok, references_tok, 1000)


if __name__ == "__main__":
    main()

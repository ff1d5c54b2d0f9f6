"""Baseline of the harness-overhead benchmark: a plain loop of ``model.generate`` over the same batches.

It reproduces what ``harness run`` does for a decoder-only model on the
summarization task with no harness code: the same prompt template, the same
input truncation, the same longest-first batches, greedy decoding, and one
JSON line per output. It does no scoring.

Usage: python benchmarks/bare_generate.py CHECKPOINT SOURCE_FILE OUTPUT_FILE --limit N --batch-size B --max-new-tokens M
"""

from __future__ import annotations

import argparse
import json

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

TEMPLATE = "{input}\nTL;DR:"
MAX_INPUT_TOKENS = 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint")
    parser.add_argument("source")
    parser.add_argument("output")
    parser.add_argument("--limit", type=int, required=True)
    parser.add_argument("--batch-size", type=int, required=True)
    parser.add_argument("--max-new-tokens", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1234)
    args = parser.parse_args()

    with open(args.source, encoding="utf-8") as handle:
        articles = [line.rstrip("\n") for line in handle][: args.limit]

    tokenizer = AutoTokenizer.from_pretrained(args.checkpoint)
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(args.checkpoint, dtype=torch.float32).eval()

    limit = model.config.n_positions - args.max_new_tokens
    prompts = []
    lengths = []
    for article in articles:
        ids = tokenizer(article, add_special_tokens=False)["input_ids"]
        lengths.append(len(ids))
        budget = min(limit - len(tokenizer(TEMPLATE.format(input=""))["input_ids"]), MAX_INPUT_TOKENS)
        prompt = TEMPLATE.format(input=article)
        if len(ids) > budget:
            ids = ids[: max(budget, 0)]
            prompt = TEMPLATE.format(input=tokenizer.decode(ids))
        # The cut shrinks until the whole prompt fits, as in the causal-lm adapter.
        while ids and len(tokenizer(prompt)["input_ids"]) > limit:
            ids = ids[:-1]
            prompt = TEMPLATE.format(input=tokenizer.decode(ids))
        prompts.append(prompt)

    order = sorted(range(len(articles)), key=lambda index: (-lengths[index], index))
    outputs: dict[int, str] = {}
    torch.manual_seed(args.seed)
    with torch.inference_mode():
        for start in range(0, len(order), args.batch_size):
            indices = order[start : start + args.batch_size]
            batch = tokenizer([prompts[index] for index in indices], return_tensors="pt", padding=True)
            generated = model.generate(
                **batch,
                max_new_tokens=args.max_new_tokens,
                do_sample=False,
                num_beams=1,
                pad_token_id=tokenizer.pad_token_id,
            )
            texts = tokenizer.batch_decode(generated[:, batch["input_ids"].shape[1] :], skip_special_tokens=True)
            for index, text in zip(indices, texts):
                outputs[index] = text.strip()

    with open(args.output, "w", encoding="utf-8") as handle:
        for index in range(len(articles)):
            handle.write(json.dumps({"row": index, "prediction": outputs[index]}) + "\n")


if __name__ == "__main__":
    main()

"""Prompts of the causal-lm adapter: ids kept from input_length give the same prompts as fresh tokenization."""

from __future__ import annotations

from pathlib import Path

from harness.models.base import LoadOptions
from harness.models.registry import load_model
from harness.tasks.catalog import get_task


def test_prompts_same_with_and_without_kept_ids(tiny_gpt2: Path) -> None:
    model = load_model(f"hf:{tiny_gpt2}", LoadOptions(device="cpu"))
    task = get_task("cnn_dailymail_realsumm")
    examples = task.examples(limit=6)
    generation = task.config.generation.model_copy(update={"max_new_tokens": 8})

    model.prepare(task, examples)
    fresh = [model._prompt(example, task, generation) for example in examples]

    model.prepare(task, examples)
    lengths = [model.input_length(example, task) for example in examples]
    kept = [model._prompt(example, task, generation) for example in examples]

    assert kept == fresh
    assert model._input_ids == {}
    assert lengths == [len(model.tokenizer(example.input, add_special_tokens=False)["input_ids"]) for example in examples]
    # Every prompt fits the tiny model's 256-position window, less the 8 new tokens.
    assert all(len(model.tokenizer(prompt)["input_ids"]) <= 256 - 8 for prompt in kept)


def test_long_input_keeps_the_token_budget(tiny_gpt2: Path) -> None:
    model = load_model(f"hf:{tiny_gpt2}", LoadOptions(device="cpu"))
    task = get_task("cnn_dailymail_realsumm")
    generation = task.config.generation.model_copy(update={"max_new_tokens": 8})
    limit = 256 - 8

    for example in task.examples(limit=6):
        prompt = model._prompt(example, task, generation)
        input_tokens = len(model.tokenizer(example.input, add_special_tokens=False)["input_ids"])
        prompt_tokens = len(model.tokenizer(prompt)["input_ids"])
        assert input_tokens > limit
        assert prompt_tokens <= limit
        # The cut keeps all but a few tokens of the window; merges at the cut may cost a token or two.
        assert prompt_tokens >= limit - 4
        assert prompt.endswith("\nTL;DR:")


def test_prepared_prompts_match_fresh_ones(tiny_gpt2: Path) -> None:
    model = load_model(f"hf:{tiny_gpt2}", LoadOptions(device="cpu"))
    task = get_task("cnn_dailymail_realsumm")
    examples = task.examples(limit=6)
    generation = task.config.generation.model_copy(update={"max_new_tokens": 8})
    longer = generation.model_copy(update={"max_new_tokens": 64})

    model.prepare(task, examples)
    fresh = [model._prompt(example, task, generation) for example in examples]
    fresh_longer = [model._prompt(example, task, longer) for example in examples]

    model.prepare(task, examples)
    for example in examples:
        model.input_length(example, task)
    model.prepare_inputs(examples, task, generation)
    assert model._input_ids == {}
    assert set(model._prompts) == {example.input for example in examples}

    # Prompts built for other generation settings are not used.
    assert model._prompt(examples[0], task, longer) == fresh_longer[0]
    assert [model._prompt(example, task, generation) for example in examples] == fresh
    assert model._prompts == {}
    assert fresh_longer[0] != fresh[0]

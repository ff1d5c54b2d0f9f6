"""Prompt templates and output post-processing shared by the text generation adapters."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from harness.tasks.schema import GenerationSpec
    from harness.tasks.task import Task

# Default prompt per task family for decoder-only models; '{input}' is the
# example's input text. A task overrides it with generation.prompt.
DEFAULT_PROMPTS = {
    "summarization": "{input}\nTL;DR:",
    "translation": "Translate from {source} to {target}.\n{source}: {{input}}\n{target}:",
}

LANGUAGE_NAMES = {
    "en": "English",
    "zh": "Chinese",
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "ja": "Japanese",
    "ko": "Korean",
    "ru": "Russian",
    "cs": "Czech",
    "th": "Thai",
}


def language_name(code: str | None) -> str:
    """Return the English name of an ISO 639-1 code, or the code itself when unknown."""
    if code is None:
        return "the source language"
    return LANGUAGE_NAMES.get(code, code)


def prompt_for(task: Task, generation: GenerationSpec) -> str:
    """Return the prompt template of ``task`` with '{input}' left to fill."""
    if generation.prompt:
        return generation.prompt
    template = DEFAULT_PROMPTS.get(task.family, "{input}")
    if task.family == "translation":
        return template.format(
            source=language_name(task.config.source_language), target=language_name(task.config.target_language)
        )
    return template


def decoding_arguments(generation: GenerationSpec) -> dict[str, Any]:
    """Return the ``generate`` keyword arguments for the task's decoding settings.

    ``top_p`` and ``top_k`` are set to None so that defaults stored in a
    checkpoint's generation config do not change greedy or sampled decoding.
    """
    return {
        "max_new_tokens": generation.max_new_tokens,
        "num_beams": generation.num_beams,
        "do_sample": generation.do_sample,
        "temperature": generation.temperature if generation.do_sample else None,
        "top_p": None,
        "top_k": None,
    }


def cut_at_stop(text: str, stops: list[str]) -> str:
    """Cut ``text`` before the earliest occurrence of any stop sequence."""
    end = len(text)
    for stop in stops:
        position = text.find(stop)
        if position != -1:
            end = min(end, position)
    return text[:end]

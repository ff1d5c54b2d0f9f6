"""GPT-style decoder-only language models through ``AutoModelForCausalLM``."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Sequence

import torch

from harness.models.base import BatchStats, LoadOptions, Model
from harness.models.hf_common import describe, load_pretrained
from harness.models.registry import register_adapter
from harness.models.text import cut_at_stop, decoding_arguments, prompt_for

if TYPE_CHECKING:
    from harness.tasks.schema import GenerationSpec
    from harness.tasks.task import Example, Task

logger = logging.getLogger(__name__)


@register_adapter("causal-lm", hf_mappings=("MODEL_FOR_CAUSAL_LM_MAPPING_NAMES",), priority=10)
class CausalLM(Model):
    """Decoder-only LM: fills the task's prompt template and returns only the generated continuation.

    Prompts are left-padded so that every row of a batch ends at the same
    position. Inputs longer than the context window (minus ``max_new_tokens``)
    are truncated from the end of the input text, keeping the template intact.
    """

    families = ("summarization", "translation")

    def __init__(self, *, name: str, options: LoadOptions, source: str) -> None:
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.options = options
        self.tokenizer = AutoTokenizer.from_pretrained(
            source, revision=options.revision, trust_remote_code=options.trust_remote_code
        )
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.model = load_pretrained(AutoModelForCausalLM, source, options)
        self.info = describe(name, "causal-lm", source, self.model, options)
        self.context_length = int(getattr(self.model.config, "max_position_embeddings", 0) or getattr(self.model.config, "n_positions", 0) or 2048)
        # Token ids of input texts, from input_length until a prompt is built, so that each input is tokenized once.
        self._input_ids: dict[str, list[int]] = {}
        # Prompts built by prepare_inputs, by input text, and the (template, limit, budget) they were built with.
        self._prompts: dict[str, str] = {}
        self._prompts_settings: tuple[str, int, int] | None = None

    def prepare(self, task: Task, examples: Sequence[Example]) -> None:
        self._input_ids.clear()
        self._prompts.clear()
        self._prompts_settings = None

    def _tokenize_input(self, text: str) -> list[int]:
        return self.tokenizer(text, add_special_tokens=False)["input_ids"]

    def input_length(self, example: Example, task: Task) -> float:
        ids = self._input_ids.get(example.input)
        if ids is None:
            ids = self._input_ids[example.input] = self._tokenize_input(example.input)
        return float(len(ids))

    def _prompt_settings(self, task: Task, generation: GenerationSpec) -> tuple[str, int, int]:
        """Return the template, the token limit of the whole prompt and the token budget of the input."""
        template = prompt_for(task, generation)
        limit = self.context_length - generation.max_new_tokens
        budget = limit - len(self.tokenizer(template.format(input=""))["input_ids"])
        if generation.max_input_tokens is not None:
            budget = min(budget, generation.max_input_tokens)
        return template, limit, budget

    def prepare_inputs(self, examples: Sequence[Example], task: Task, generation: GenerationSpec) -> None:
        # Every prompt is built here, before the first generate call, so the runner times prompt building as
        # preprocessing. NOTE: a speed gain from keeping tokenizer allocations out of the generate loop was not
        # measurable, because page faults vary by about 20 % between identical runs.
        settings = self._prompt_settings(task, generation)
        for example in examples:
            if example.input not in self._prompts:
                self._prompts[example.input] = self._build_prompt(example.input, *settings)
        self._prompts_settings = settings

    def _prompt(self, example: Example, task: Task, generation: GenerationSpec) -> str:
        return self._take_prompt(example.input, self._prompt_settings(task, generation))

    def _take_prompt(self, text: str, settings: tuple[str, int, int]) -> str:
        """Return the prompt that prepare_inputs built for ``text`` with ``settings``, or build it now."""
        if settings == self._prompts_settings and text in self._prompts:
            return self._prompts.pop(text)
        return self._build_prompt(text, *settings)

    def _build_prompt(self, text: str, template: str, limit: int, budget: int) -> str:
        ids = self._input_ids.pop(text, None)
        if ids is None:
            ids = self._tokenize_input(text)
        prompt = template.format(input=text)
        if len(ids) > budget:
            ids = ids[: max(budget, 0)]
            prompt = template.format(input=self.tokenizer.decode(ids))

        # Decoding a cut and encoding it again can merge tokens differently at
        # the template boundary, so the cut shrinks one token at a time until the whole prompt fits.
        while ids and len(self.tokenizer(prompt)["input_ids"]) > limit:
            ids = ids[:-1]
            prompt = template.format(input=self.tokenizer.decode(ids))
        return prompt

    @torch.inference_mode()
    def predict(self, examples: Sequence[Example], task: Task, generation: GenerationSpec) -> list[str]:
        settings = self._prompt_settings(task, generation)
        prompts = [self._take_prompt(example.input, settings) for example in examples]
        batch = self.tokenizer(prompts, return_tensors="pt", padding=True).to(self.options.device)
        output = self.model.generate(
            **batch,
            **decoding_arguments(generation),
            pad_token_id=self.tokenizer.pad_token_id,
        )
        new_tokens = output[:, batch["input_ids"].shape[1] :]
        texts = self.tokenizer.batch_decode(new_tokens, skip_special_tokens=True)
        generated = int((new_tokens != self.tokenizer.pad_token_id).sum())
        self._last_batch_stats = BatchStats(input_tokens=int(batch["attention_mask"].sum()), output_tokens=generated)
        return [cut_at_stop(text, generation.stop).strip() for text in texts]

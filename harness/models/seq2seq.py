"""Encoder-decoder text models (T5, BART, Marian) through ``AutoModelForSeq2SeqLM``."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Sequence

import torch

from harness.models.base import BatchStats, LoadOptions, Model
from harness.models.hf_common import describe, load_pretrained
from harness.models.registry import register_adapter
from harness.models.text import cut_at_stop, decoding_arguments

if TYPE_CHECKING:
    from harness.tasks.schema import GenerationSpec
    from harness.tasks.task import Example, Task

logger = logging.getLogger(__name__)


@register_adapter("seq2seq", hf_mappings=("MODEL_FOR_SEQ_TO_SEQ_CAUSAL_LM_MAPPING_NAMES",), priority=20)
class Seq2SeqLM(Model):
    """Encoder-decoder LM for summarization and translation.

    The input gets the prefix that the checkpoint's ``config.task_specific_params``
    declares for the task (T5 ships ``"summarize: "`` and
    ``"translate English to German: "`` there); a task's ``generation.prompt``
    replaces it. Inputs are truncated to the encoder's maximum length.
    """

    families = ("summarization", "translation")

    def __init__(self, *, name: str, options: LoadOptions, source: str) -> None:
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        self.options = options
        self.tokenizer = AutoTokenizer.from_pretrained(
            source, revision=options.revision, trust_remote_code=options.trust_remote_code
        )
        self.model = load_pretrained(AutoModelForSeq2SeqLM, source, options)
        self.info = describe(name, "seq2seq", source, self.model, options)

    def _prefix(self, task: Task) -> str:
        params = getattr(self.model.config, "task_specific_params", None) or {}
        if task.family == "summarization":
            return params.get("summarization", {}).get("prefix", "")
        key = f"translation_{task.config.source_language}_to_{task.config.target_language}"
        return params.get(key, {}).get("prefix", "")

    def _inputs(self, examples: Sequence[Example], task: Task, generation: GenerationSpec) -> list[str]:
        if generation.prompt:
            return [generation.prompt.format(input=example.input) for example in examples]
        prefix = self._prefix(task)
        return [prefix + example.input for example in examples]

    def input_length(self, example: Example, task: Task) -> float:
        return float(len(self.tokenizer(example.input)["input_ids"]))

    @torch.inference_mode()
    def predict(self, examples: Sequence[Example], task: Task, generation: GenerationSpec) -> list[str]:
        max_length = generation.max_input_tokens or self.tokenizer.model_max_length
        if max_length > 100_000:  # tokenizers without a declared limit report a huge sentinel
            max_length = int(getattr(self.model.config, "max_position_embeddings", 512) or 512)
        batch = self.tokenizer(
            self._inputs(examples, task, generation),
            return_tensors="pt",
            padding=True,
            truncation=True,
            max_length=max_length,
        ).to(self.options.device)
        output = self.model.generate(
            **batch,
            **decoding_arguments(generation),
        )
        texts = self.tokenizer.batch_decode(output, skip_special_tokens=True)
        pad = self.tokenizer.pad_token_id
        self._last_batch_stats = BatchStats(
            input_tokens=int(batch["attention_mask"].sum()),
            output_tokens=int((output != pad).sum()) if pad is not None else int(output.numel()),
        )
        return [cut_at_stop(text, generation.stop).strip() for text in texts]

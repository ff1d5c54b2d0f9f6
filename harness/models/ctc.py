"""CTC speech encoders (wav2vec 2.0, HuBERT, ...) through ``AutoModelForCTC``.

Transcripts are greedy CTC decodes: the arg-max label of each frame, with
repeats merged and blanks (the pad token) dropped by the processor's
``batch_decode``. Recordings in a batch are padded to the longest one, with
an attention mask when the checkpoint's feature extractor sets
``return_attention_mask``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Sequence

import torch

from harness.errors import ModelError
from harness.media.audio import load_audio
from harness.models.base import BatchStats, LoadOptions, Model
from harness.models.hf_common import describe, load_pretrained
from harness.models.registry import register_adapter
from harness.models.speech import audio_length

if TYPE_CHECKING:
    from harness.tasks.schema import GenerationSpec
    from harness.tasks.task import Example, Task

logger = logging.getLogger(__name__)


@register_adapter("ctc", hf_mappings=("MODEL_FOR_CTC_MAPPING_NAMES",), priority=30)
class CTCSpeech(Model):
    """An encoder with a CTC head; the task's language settings do not apply (the vocabulary fixes the language)."""

    families = ("asr",)

    def __init__(self, *, name: str, options: LoadOptions, source: str) -> None:
        from transformers import AutoModelForCTC, AutoProcessor

        self.options = options
        try:
            self.processor = AutoProcessor.from_pretrained(
                source, revision=options.revision, trust_remote_code=options.trust_remote_code
            )
        except (OSError, ValueError) as error:
            raise ModelError(
                f"Could not load the processor (feature extractor and CTC tokenizer) of {source!r}: {error}"
            ) from None
        if not hasattr(self.processor, "feature_extractor"):
            raise ModelError(f"{source!r} has no feature extractor config (preprocessor_config.json); save the processor with the model.")
        self.model = load_pretrained(AutoModelForCTC, source, options)
        self.sampling_rate = int(self.processor.feature_extractor.sampling_rate)
        self.info = describe(name, "ctc", source, self.model, options)

    def input_length(self, example: Example, task: Task) -> float:
        return audio_length(example)

    @torch.inference_mode()
    def predict(self, examples: Sequence[Example], task: Task, generation: GenerationSpec) -> list[str]:
        audios = [load_audio(example.input, self.sampling_rate, example.id) for example in examples]
        inputs = self.processor(
            [audio.waveform for audio in audios],
            sampling_rate=self.sampling_rate,
            padding=True,
            return_tensors="pt",
        )
        dtype = next(self.model.parameters()).dtype
        arguments = {"input_values": inputs["input_values"].to(self.options.device, dtype)}
        if "attention_mask" in inputs:
            arguments["attention_mask"] = inputs["attention_mask"].to(self.options.device)
        logits = self.model(**arguments).logits
        labels = logits.argmax(dim=-1).cpu()

        # Frames past the end of a shorter recording are cut before decoding.
        lengths = self._frame_lengths(inputs, labels.shape[-1])
        rows = [row[:length] for row, length in zip(labels, lengths)]
        texts = self.processor.batch_decode(rows, skip_special_tokens=True)
        blank = self.processor.tokenizer.pad_token_id
        self._last_batch_stats = BatchStats(
            input_tokens=int(sum(lengths)),
            output_tokens=sum(int((torch.unique_consecutive(row) != blank).sum()) for row in rows),
            audio_seconds=sum(audio.duration for audio in audios),
            per_example=[{"audio_seconds": round(audio.duration, 3)} for audio in audios],
        )
        return [text.strip() for text in texts]

    def _frame_lengths(self, inputs: dict, frames: int) -> list[int]:
        if "attention_mask" not in inputs or not hasattr(self.model, "_get_feat_extract_output_lengths"):
            return [frames] * len(inputs["input_values"])
        samples = inputs["attention_mask"].sum(dim=-1)
        lengths = self.model._get_feat_extract_output_lengths(samples)
        return [min(int(length), frames) for length in lengths]

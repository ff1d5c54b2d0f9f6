"""Image captioning through the standard ``transformers`` image-to-text classes.

Runs ``VisionEncoderDecoderModel`` checkpoints (a vision encoder such as ViT
with a GPT-2 style decoder, e.g. nlpconnect/vit-gpt2-image-captioning) and
BLIP or GIT captioners (``BlipForConditionalGeneration``,
``GitForCausalLM``). ``hf:<folder>`` picks this adapter for any architecture
in transformers' ``MODEL_FOR_IMAGE_TEXT_TO_TEXT_MAPPING_NAMES`` table. The
chat-style vision-language models of that table need a prompt format that
this adapter does not build, so it rejects them when loading.

On video tasks, a GIT checkpoint with temporal embeddings
(``config.num_image_with_embedding``, as in microsoft/git-base-vatex) reads
the sampled frames together as one input. Any other captioner captions every
sampled frame, and one caption is chosen by the rule of
:mod:`harness.models.video`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Sequence

import torch
from PIL import Image

from harness.errors import ModelError
from harness.media.image import load_image
from harness.models.base import BatchStats, LoadOptions, Model
from harness.models.hf_common import describe, load_pretrained
from harness.models.registry import register_adapter
from harness.models.text import cut_at_stop, decoding_arguments

if TYPE_CHECKING:
    from harness.tasks.schema import GenerationSpec
    from harness.tasks.task import Example, Task

logger = logging.getLogger(__name__)

# Values of config.model_type that caption an image with no text prompt.
CAPTIONER_MODEL_TYPES = ("vision-encoder-decoder", "blip", "git")


@register_adapter("image-captioning", hf_mappings=("MODEL_FOR_IMAGE_TEXT_TO_TEXT_MAPPING_NAMES",), priority=30)
class ImageCaptioner(Model):
    """Greedy (or beam) image and video captioning with a transformers image-to-text checkpoint.

    Vision encoder-decoder checkpoints are read with ``AutoImageProcessor``
    and ``AutoTokenizer`` because they ship no processor class; BLIP and GIT
    are read with ``AutoProcessor``. Generation follows the task's
    ``generation`` settings: ``max_new_tokens``, ``num_beams``, sampling and
    stop sequences.
    """

    families = ("captioning", "video_captioning")

    def __init__(self, *, name: str, options: LoadOptions, source: str) -> None:
        from transformers import AutoConfig

        self.options = options
        config = AutoConfig.from_pretrained(source, revision=options.revision, trust_remote_code=options.trust_remote_code)
        self.model_type = config.model_type
        if self.model_type not in CAPTIONER_MODEL_TYPES:
            raise ModelError(
                f"{source!r} is a {self.model_type!r} model; the image-captioning adapter runs only "
                f"{', '.join(CAPTIONER_MODEL_TYPES)} checkpoints, which caption without a chat prompt."
            )
        self.image_processor, self.tokenizer = self._load_processors(source, options)
        self.model = self._load_model(source, options)
        # GIT video checkpoints learn one temporal embedding per frame, so they need exactly this many frames.
        self.frames_per_clip: int | None = (
            getattr(config, "num_image_with_embedding", None) if self.model_type == "git" else None
        )
        self.info = describe(name, "image-captioning", source, self.model, options)
        self.info.extra["model_type"] = self.model_type
        if self.frames_per_clip:
            self.info.extra["frames_per_clip"] = self.frames_per_clip

    def _load_processors(self, source: str, options: LoadOptions) -> tuple[Any, Any]:
        from transformers import AutoImageProcessor, AutoProcessor, AutoTokenizer

        common = {"revision": options.revision, "trust_remote_code": options.trust_remote_code}
        try:
            if self.model_type == "vision-encoder-decoder":
                return AutoImageProcessor.from_pretrained(source, **common), AutoTokenizer.from_pretrained(source, **common)
            processor = AutoProcessor.from_pretrained(source, **common)
        except OSError as error:
            raise ModelError(
                f"Could not load the image processor or tokenizer of {source!r}: {error}. "
                "Save them next to the weights with save_pretrained."
            ) from None
        return processor.image_processor, processor.tokenizer

    def _load_model(self, source: str, options: LoadOptions) -> torch.nn.Module:
        from transformers import AutoModelForImageTextToText

        return load_pretrained(AutoModelForImageTextToText, source, options)

    def input_length(self, example: Example, task: Task) -> float:
        # Every image is resized to the processor's size, so all inputs cost the same.
        return 1.0

    def caption_images(self, images: Sequence[Image.Image], generation: GenerationSpec) -> list[str]:
        """Return one caption per image, in order, and set ``last_batch_stats``."""
        pixel_values = self.image_processor(images=list(images), return_tensors="pt")["pixel_values"]
        return self._generate(pixel_values, generation)

    def caption_clips(self, clips: Sequence[Sequence[Image.Image]], generation: GenerationSpec) -> list[str]:
        """Return one caption per clip of ``frames_per_clip`` frames, read together by a video-capable model."""
        if not self.frames_per_clip:
            raise ModelError(f"{self.info.name} has no temporal embeddings; caption its frames with caption_images.")
        frames = [frame for clip in clips for frame in clip]
        pixel_values = self.image_processor(images=frames, return_tensors="pt")["pixel_values"]
        pixel_values = pixel_values.reshape(len(clips), self.frames_per_clip, *pixel_values.shape[1:])
        return self._generate(pixel_values, generation)

    @torch.inference_mode()
    def _generate(self, pixel_values: torch.Tensor, generation: GenerationSpec) -> list[str]:
        pixel_values = pixel_values.to(self.options.device, dtype=next(self.model.parameters()).dtype)
        output = self.model.generate(
            pixel_values=pixel_values,
            **decoding_arguments(generation),
        )
        texts = self.tokenizer.batch_decode(output, skip_special_tokens=True)
        pad = self.tokenizer.pad_token_id
        self._last_batch_stats = BatchStats(
            input_tokens=0, output_tokens=int((output != pad).sum()) if pad is not None else int(output.numel())
        )
        return [cut_at_stop(text, generation.stop).strip() for text in texts]

    def predict(self, examples: Sequence[Example], task: Task, generation: GenerationSpec) -> list[str]:
        if task.config.input.kind == "video":
            from harness.models.video import caption_videos

            return caption_videos(self, examples, task, generation)
        images = [load_image(example.input, example.id) for example in examples]
        return self.caption_images(images, generation)

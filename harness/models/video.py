"""Video captioning from sampled frames with an image-to-text checkpoint.

Frames are sampled at the centres of ``task.input.num_frames`` equal segments
of the clip (:mod:`harness.media.video`). A video-capable checkpoint (GIT
with temporal embeddings) reads its own number of frames, sampled the same
way, as one input and writes one caption.

For any other captioner every frame is captioned, and the caption kept is
the consensus: the one with the highest mean unigram F1 against the
captions of the other frames, words lower-cased and counts clipped. This is
the consensus re-ranking of Devlin et al. (2015, "Exploring Nearest
Neighbor Approaches for Image Captioning", arXiv:1505.04467), which picks
the candidate caption most similar on average to the other candidates,
with unigram F1 in place of their BLEU or CIDEr. It favours what the clip
shows in most frames over a caption of one atypical frame. Ties go to the
frame nearest the middle of the clip, then to the earlier frame.

Two spellings run it:

* ``video-frames:<image captioner folder or hub id>`` for any checkpoint
  that the ``image-captioning`` adapter loads;
* ``hf:<image captioner folder>`` on a ``video_captioning`` task, since the
  ``image-captioning`` adapter applies the same rule to video inputs.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from typing import TYPE_CHECKING, Sequence

from harness.errors import ModelError
from harness.models.base import BatchStats, LoadOptions, Model, ModelInfo
from harness.models.registry import load_model, register_adapter
from harness.models.vision import ImageCaptioner

if TYPE_CHECKING:
    from harness.tasks.schema import GenerationSpec
    from harness.tasks.task import Example, Task

logger = logging.getLogger(__name__)

FRAME_SAMPLING = "centres of num_frames equal segments"
MERGE_RULE = "consensus: highest mean unigram F1 to the other frames' captions"
JOINT_RULE = "none: the model reads all frames of a clip as one input"

_WORD = re.compile(r"\w+")


def unigram_f1(first: str, second: str) -> float:
    """Return the F1 of the clipped lower-cased word overlap of two captions; 0 when either is empty."""
    first_counts = Counter(_WORD.findall(first.lower()))
    second_counts = Counter(_WORD.findall(second.lower()))
    overlap = sum((first_counts & second_counts).values())
    if overlap == 0:
        return 0.0
    precision = overlap / sum(first_counts.values())
    recall = overlap / sum(second_counts.values())
    return 2 * precision * recall / (precision + recall)


def consensus_index(captions: Sequence[str]) -> int:
    """Return the index of the consensus caption, as the module docstring defines it."""
    if not captions:
        raise ValueError("consensus_index needs at least one caption")
    middle = (len(captions) - 1) / 2

    def rank(index: int) -> tuple[float, float, int]:
        others = [unigram_f1(captions[index], other) for position, other in enumerate(captions) if position != index]
        mean = sum(others) / len(others) if others else 0.0
        return (-mean, abs(index - middle), index)

    return min(range(len(captions)), key=rank)


def caption_videos(
    captioner: ImageCaptioner, examples: Sequence[Example], task: Task, generation: GenerationSpec
) -> list[str]:
    """Return one caption per clip: from all frames at once for a video-capable model, else the consensus of frame captions."""
    # Imported here because harness.media.video imports PyAV (about 0.03 s), and every registry lookup imports this module.
    from harness.media.video import read_video_frames

    if captioner.frames_per_clip:
        if captioner.frames_per_clip != task.config.input.num_frames:
            logger.info(
                "%s reads %d frames per clip; sampling %d instead of the %d that %s sets",
                captioner.info.name,
                captioner.frames_per_clip,
                captioner.frames_per_clip,
                task.config.input.num_frames,
                task.name,
            )
        clips = [read_video_frames(example.input, captioner.frames_per_clip, example.id) for example in examples]
        return captioner.caption_clips(clips, generation)

    num_frames = task.config.input.num_frames
    frames = []
    for example in examples:
        frames.extend(read_video_frames(example.input, num_frames, example.id))

    captions = captioner.caption_images(frames, generation)
    chosen = []
    for start in range(0, len(captions), num_frames):
        clip = captions[start : start + num_frames]
        chosen.append(clip[consensus_index(clip)])
    return chosen


@register_adapter("video-frames", takes_argument=True)
class FrameCaptionVideo(Model):
    """Video captioner built from an image captioner: ``video-frames:<folder or hub id>``."""

    families = ("video_captioning",)

    def __init__(self, *, name: str, options: LoadOptions, argument: str) -> None:
        source = argument.removeprefix("hf:")
        if not source:
            raise ModelError("video-frames needs an image captioner: video-frames:<checkpoint folder or hub id>.")
        captioner = load_model(f"hf:{source}", options)
        if not isinstance(captioner, ImageCaptioner):
            raise ModelError(
                f"{source!r} loads with the {captioner.info.adapter!r} adapter, not as an image captioner; "
                "video-frames needs a vision encoder-decoder, BLIP or GIT checkpoint."
            )
        self.captioner = captioner
        self.info = ModelInfo(
            **{
                **captioner.info.to_dict(),
                "name": name,
                "adapter": "video-frames",
                "extra": {
                    **captioner.info.extra,
                    "frame_sampling": FRAME_SAMPLING,
                    "merge_rule": JOINT_RULE if captioner.frames_per_clip else MERGE_RULE,
                },
            }
        )

    def input_length(self, example: Example, task: Task) -> float:
        return 1.0

    def predict(self, examples: Sequence[Example], task: Task, generation: GenerationSpec) -> list[str]:
        outputs = caption_videos(self.captioner, examples, task, generation)
        self._last_batch_stats = self.captioner.last_batch_stats or BatchStats()
        return outputs

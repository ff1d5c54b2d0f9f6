"""Whisper speech recognition through ``transformers`` (``AutoModelForSpeechSeq2Seq``).

Audio front end and windowing follow openai/whisper's ``transcribe()``
(and faster-whisper, which copies it), not the ``transformers`` feature
extractor's default of padding the waveform to 30 s:

* the log-Mel spectrogram is computed once over the whole recording plus one
  hop of zeros, normalised over the recording;
* the recording is cut into consecutive 30 s windows (3000 frames) of that
  spectrogram, and a shorter last window is padded with zeros in the
  spectrogram domain;
* each window is decoded on its own, without timestamps and without the
  previous window's text as a prompt, and the window texts are joined with
  a space.

For recordings of at most 30 s this is a single window, decoded exactly as
faster-whisper decodes it with ``without_timestamps=True``, so a CTranslate2
model and its ``transformers`` conversion give the same transcripts.

NOTE: windows are cut at fixed 30 s offsets, not at the segment timestamps
that openai/whisper's long-form decoding follows, so a word spoken across a
window boundary can be split or lost.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np
import torch

from harness.errors import MediaError, ModelError
from harness.media.audio import Audio, audio_duration, load_audio
from harness.models.base import BatchStats, LoadOptions, Model
from harness.models.hf_common import describe, load_pretrained
from harness.models.registry import register_adapter

if TYPE_CHECKING:
    from harness.tasks.schema import GenerationSpec
    from harness.tasks.task import Example, Task

logger = logging.getLogger(__name__)

# openai/whisper decodes at most n_text_ctx // 2 = 224 tokens per 30 s window (its `sample_len`).
WHISPER_MAX_NEW_TOKENS = 224


class _MaxLengthNoticeFilter(logging.Filter):
    """Drop transformers' notice that max_new_tokens overrides max_length.

    Whisper generation configs set ``max_length`` (448), so transformers
    (5.x) logs this notice on every ``generate`` call that passes
    ``max_new_tokens``, which this adapter always does.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Both `max_new_tokens`")


logging.getLogger("transformers.generation.utils").addFilter(_MaxLengthNoticeFilter())


def task_language(task: Task, generation: GenerationSpec) -> str | None:
    """Return the language to force: ``generation.language``, else the task's ``source_language``."""
    return generation.language or task.config.source_language


def max_new_tokens(generation: GenerationSpec) -> int:
    """Return the token budget per 30 s window: the task's ``max_new_tokens`` when set, else Whisper's 224."""
    if "max_new_tokens" in generation.model_fields_set:
        return min(generation.max_new_tokens, WHISPER_MAX_NEW_TOKENS)
    return WHISPER_MAX_NEW_TOKENS


def audio_length(example: Example) -> float:
    """Return the duration in seconds for length sorting; 0 for unreadable files, which fail later in ``predict``."""
    try:
        return audio_duration(example.input, example.id)
    except MediaError:
        return 0.0


def log_mel_windows(audio: np.ndarray, feature_extractor: object) -> list[np.ndarray]:
    """Return the (n_mels, 3000) log-Mel windows of one recording, as openai/whisper cuts them.

    ``feature_extractor`` is a ``WhisperFeatureExtractor``. On jfk.flac its
    spectrogram differs from faster-whisper 1.2.1's by at most 1.6e-5.
    """
    hop_length = feature_extractor.hop_length
    frames_per_window = feature_extractor.nb_max_frames
    padded = np.pad(audio, (0, hop_length))
    features = feature_extractor(
        padded,
        sampling_rate=feature_extractor.sampling_rate,
        padding="longest",
        truncation=False,
        return_attention_mask=False,
        return_tensors="np",
    ).input_features[0]
    content_frames = features.shape[-1] - 1
    windows = []
    for seek in range(0, max(content_frames, 1), frames_per_window):
        segment = features[:, seek : seek + min(frames_per_window, content_frames - seek)]
        windows.append(np.pad(segment, ((0, 0), (0, frames_per_window - segment.shape[-1]))))
    return windows


@register_adapter("whisper", hf_mappings=("MODEL_FOR_SPEECH_SEQ_2_SEQ_MAPPING_NAMES",), priority=30)
class WhisperSpeech(Model):
    """Whisper (and other Whisper-architecture) checkpoints for speech recognition.

    Multilingual checkpoints get the language token of the task (see
    :func:`task_language`) and the ``transcribe`` task token; English-only
    checkpoints (``*.en``) take neither. Greedy decoding unless the task sets
    ``num_beams``; timestamps are not predicted.
    """

    families = ("asr",)

    def __init__(
        self,
        *,
        name: str,
        options: LoadOptions,
        source: str | None = None,
        locate: Callable[[], Path] | None = None,
    ) -> None:
        from transformers import AutoModelForSpeechSeq2Seq, AutoProcessor

        if source is None:
            if locate is None:
                raise ModelError(f"Model {name!r} has no checkpoint folder; pass a transformers Whisper folder as hf:<folder>.")
            source = str(locate())
        self.options = options
        try:
            self.processor = AutoProcessor.from_pretrained(
                source, revision=options.revision, trust_remote_code=options.trust_remote_code
            )
        except OSError as error:
            raise ModelError(f"Could not load the processor of {source!r}: {error}") from None
        self.feature_extractor = self.processor.feature_extractor
        self.tokenizer = self.processor.tokenizer
        self.model = load_pretrained(AutoModelForSpeechSeq2Seq, source, options)
        if self.model.config.model_type != "whisper":
            raise ModelError(
                f"{source!r} is a {self.model.config.model_type} model; the whisper adapter runs Whisper checkpoints only."
            )
        self.sampling_rate = int(self.feature_extractor.sampling_rate)
        self.is_multilingual = bool(getattr(self.model.generation_config, "is_multilingual", True))
        self.info = describe(name, "whisper", source, self.model, options)
        self.info.extra.update({"multilingual": self.is_multilingual, "long_form": "30 s windows, no timestamps"})
        self._warned_language = False

    def input_length(self, example: Example, task: Task) -> float:
        return audio_length(example)

    def _language_arguments(self, task: Task, generation: GenerationSpec) -> dict[str, str]:
        language = task_language(task, generation)
        if not self.is_multilingual:
            if language not in (None, "en") and not self._warned_language:
                logger.warning("%s is English-only; transcribing %s audio of %s as English", self.info.name, language, task.name)
                self._warned_language = True
            return {}
        arguments = {"task": "transcribe"}
        if language is not None:
            arguments["language"] = language
        return arguments

    def _load(self, examples: Sequence[Example]) -> list[Audio]:
        return [load_audio(example.input, self.sampling_rate, example.id) for example in examples]

    @torch.inference_mode()
    def predict(self, examples: Sequence[Example], task: Task, generation: GenerationSpec) -> list[str]:
        audios = self._load(examples)

        owners: list[int] = []
        windows: list[np.ndarray] = []
        for index, audio in enumerate(audios):
            for window in log_mel_windows(audio.waveform, self.feature_extractor):
                owners.append(index)
                windows.append(window)
        dtype = next(self.model.parameters()).dtype
        features = torch.from_numpy(np.stack(windows)).to(self.options.device, dtype)
        # Every window has all 3000 frames; an explicit mask keeps generate() from guessing one from the pad token.
        attention_mask = torch.ones(features.shape[0], features.shape[-1], dtype=torch.long, device=self.options.device)

        try:
            output = self.model.generate(
                features,
                attention_mask=attention_mask,
                **self._language_arguments(task, generation),
                return_timestamps=False,
                max_new_tokens=max_new_tokens(generation),
                num_beams=generation.num_beams,
                do_sample=False,
            )
        except ValueError as error:
            if "language" in str(error).lower():
                raise ModelError(f"{self.info.name}: {error}") from None
            raise
        sequences = output.sequences if hasattr(output, "sequences") else output
        texts = self.tokenizer.batch_decode(sequences, skip_special_tokens=True)

        parts: list[list[str]] = [[] for _ in examples]
        for owner, text in zip(owners, texts):
            if text.strip():
                parts[owner].append(text.strip())
        special = set(self.tokenizer.all_special_ids)
        self._last_batch_stats = BatchStats(
            output_tokens=sum(int(token) not in special for token in sequences.reshape(-1).tolist()),
            audio_seconds=sum(audio.duration for audio in audios),
            per_example=[{"audio_seconds": round(audio.duration, 3)} for audio in audios],
        )
        return [" ".join(texts) for texts in parts]

"""Whisper in CTranslate2 format through faster-whisper.

``ct2-whisper:<folder>`` runs a CTranslate2 Whisper folder (``model.bin``,
``config.json``, ``tokenizer.json``). Decoding mirrors the ``whisper``
adapter so that the same weights can be compared across engines. The
recording is decoded by :func:`harness.media.audio.load_audio`, not by
faster-whisper's own PyAV resampler. It is cut into 30 s windows, which are
decoded without timestamps and without the previous window's text. Decoding
runs at temperature 0 only (no fallback), with no voice activity detection
and no skipping of windows judged silent.

faster-whisper and ctranslate2 are optional: ``pip install 'harness[weights]'``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

import torch

from harness.errors import ModelError
from harness.media.audio import load_audio
from harness.models.base import BatchStats, LoadOptions, Model, ModelInfo
from harness.models.hf_common import weights_digest
from harness.models.registry import register_adapter
from harness.models.speech import audio_length, max_new_tokens, task_language

if TYPE_CHECKING:
    from harness.tasks.schema import GenerationSpec
    from harness.tasks.task import Example, Task

logger = logging.getLogger(__name__)

INSTALL_HINT = "pip install 'harness[weights]'"

# --dtype -> CTranslate2 compute_type. "auto" is float32 on CPU (the same arithmetic as the
# transformers adapter there) and float16 on CUDA.
COMPUTE_TYPES = {"float32": "float32", "float16": "float16", "bfloat16": "bfloat16"}

# faster-whisper's feature extractor expects 16 kHz audio (openai/whisper's SAMPLE_RATE).
SAMPLING_RATE = 16000


def import_faster_whisper() -> Any:
    """Import faster-whisper, or raise :class:`ModelError` with the install command."""
    try:
        import faster_whisper
    except ImportError as error:
        raise ModelError(
            f"The ct2-whisper adapter needs faster-whisper and ctranslate2 ({error}). Install them with: {INSTALL_HINT}"
        ) from None
    return faster_whisper


def compute_type(dtype: str, device: str) -> str:
    """Map ``--dtype`` to a CTranslate2 compute type."""
    if dtype == "auto":
        return "float32" if device == "cpu" else "float16"
    if dtype not in COMPUTE_TYPES:
        raise ModelError(f"Invalid dtype {dtype!r} for ct2-whisper; expected auto, {', '.join(COMPUTE_TYPES)}.")
    return COMPUTE_TYPES[dtype]


def ct2_device(device: str) -> tuple[str, int]:
    """Split a harness device string into CTranslate2's (device, index)."""
    kind, _, index = device.partition(":")
    if kind not in ("cpu", "cuda"):
        raise ModelError(f"CTranslate2 runs on cpu or cuda, not {device!r}; pass --device cpu or --device cuda.")
    return kind, int(index or 0)


@register_adapter("ct2-whisper", takes_argument=True)
class CT2Whisper(Model):
    """A CTranslate2 Whisper folder run through ``faster_whisper.WhisperModel``."""

    families = ("asr",)

    def __init__(
        self,
        *,
        name: str,
        options: LoadOptions,
        argument: str | None = None,
        locate: Callable[[], Path] | None = None,
    ) -> None:
        faster_whisper = import_faster_whisper()
        if argument:
            folder = Path(argument)
        elif locate is not None:
            folder = locate()
        else:
            raise ModelError(f"Model {name!r} has no CTranslate2 folder; pass one as ct2-whisper:<folder>.")
        if not (folder / "model.bin").is_file():
            raise ModelError(
                f"{folder} is not a CTranslate2 Whisper folder (no model.bin); pass the folder that contains "
                "model.bin, config.json and tokenizer.json."
            )
        if options.random_weights:
            raise ModelError("ct2-whisper cannot build random weights; use --random-weights with hf:<config folder>.")

        device, index = ct2_device(options.device)
        self.compute_type = compute_type(options.dtype, device)
        self.options = options
        # The same CPU thread count as torch, so that timings compare the engines rather than thread settings.
        try:
            self.model = faster_whisper.WhisperModel(
                str(folder),
                device=device,
                device_index=index,
                compute_type=self.compute_type,
                cpu_threads=torch.get_num_threads(),
            )
        except ValueError as error:
            # CTranslate2 rejects compute types the device cannot run, such as float16 on most CPUs.
            raise ModelError(
                f"CTranslate2 cannot load {folder} on {options.device} with compute type {self.compute_type}: {error} "
                "Pass another --dtype (float32 runs everywhere)."
            ) from None
        self.is_multilingual = bool(self.model.model.is_multilingual)
        self.info = ModelInfo(
            name=name,
            adapter="ct2-whisper",
            source=str(folder),
            weights_sha256=weights_digest(str(folder)),
            dtype=self.compute_type,
            device=options.device,
            parameters=None,
            extra={
                "engine": f"faster-whisper {getattr(faster_whisper, '__version__', '?')}",
                "multilingual": self.is_multilingual,
                "long_form": "30 s windows, no timestamps",
            },
        )
        self._warned_language = False

    def input_length(self, example: Example, task: Task) -> float:
        return audio_length(example)

    def _language(self, task: Task, generation: GenerationSpec) -> str | None:
        language = task_language(task, generation)
        if not self.is_multilingual:
            if language not in (None, "en") and not self._warned_language:
                logger.warning("%s is English-only; transcribing %s audio of %s as English", self.info.name, language, task.name)
                self._warned_language = True
            return "en"
        return language

    def predict(self, examples: Sequence[Example], task: Task, generation: GenerationSpec) -> list[str]:
        language = self._language(task, generation)
        outputs: list[str] = []
        output_tokens = 0
        durations: list[float] = []
        for example in examples:
            audio = load_audio(example.input, SAMPLING_RATE, example.id)
            durations.append(audio.duration)
            try:
                segments, _ = self.model.transcribe(
                    audio.waveform,
                    language=language,
                    task="transcribe",
                    beam_size=generation.num_beams,
                    best_of=1,
                    temperature=0.0,
                    condition_on_previous_text=False,
                    without_timestamps=True,
                    no_speech_threshold=None,
                    vad_filter=False,
                    max_new_tokens=max_new_tokens(generation),
                )
                segments = list(segments)
            except ValueError as error:
                raise ModelError(f"{self.info.name} on {example.id}: {error}") from None
            texts = [segment.text.strip() for segment in segments if segment.text.strip()]
            output_tokens += sum(len(segment.tokens) for segment in segments)
            outputs.append(" ".join(texts))
        self._last_batch_stats = BatchStats(
            output_tokens=output_tokens,
            audio_seconds=sum(durations),
            per_example=[{"audio_seconds": round(duration, 3)} for duration in durations],
        )
        return outputs


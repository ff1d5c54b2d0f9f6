"""Decode audio files to float32 mono waveforms at a model's sampling rate.

Files are decoded with soundfile (libsndfile: WAV, FLAC, OGG and, from
libsndfile 1.1, MP3). Formats that libsndfile cannot read, such as MP3 with
an older libsndfile or audio inside video containers, are decoded with PyAV
(FFmpeg). Channels are averaged to mono, then the signal is resampled with
soxr, a band-limited polyphase resampler, at its "VHQ" quality setting.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile
import soxr

from harness.errors import MediaError

logger = logging.getLogger(__name__)

RESAMPLE_QUALITY = "VHQ"


@dataclass(frozen=True)
class Audio:
    """A decoded recording: ``waveform`` is float32 mono in [-1, 1] at ``sampling_rate`` Hz."""

    waveform: np.ndarray
    sampling_rate: int
    source_sampling_rate: int

    @property
    def duration(self) -> float:
        """Duration in seconds."""
        return len(self.waveform) / self.sampling_rate


def _error(reason: str, path: Path, example_id: str | None) -> MediaError:
    sample = f"sample {example_id!r}: " if example_id is not None else ""
    return MediaError(
        f"{sample}{reason}: {path}. Replace the file with a complete WAV, FLAC or MP3 recording, "
        "or fix the audio path in the task data.",
        example_id=example_id,
        path=str(path),
    )


def _read_soundfile(path: Path, example_id: str | None) -> tuple[np.ndarray, int, int] | None:
    """Return (samples x channels float32, rate, declared frame count), or None when libsndfile cannot open the format.

    A file whose header libsndfile accepts but whose data fails to decode is
    corrupt or truncated, and raises :class:`MediaError`.
    """
    try:
        handle = soundfile.SoundFile(path)
    except soundfile.LibsndfileError as error:
        logger.debug("libsndfile cannot open %s (%s); trying PyAV", path, error)
        return None
    with handle:
        declared = handle.frames
        rate = handle.samplerate
        try:
            data = handle.read(dtype="float32", always_2d=True)
        except soundfile.LibsndfileError as error:
            raise _error(f"audio file is corrupt or truncated ({error.error_string.strip()})", path, example_id) from None
    return data, rate, declared


def _read_pyav(path: Path, example_id: str | None) -> tuple[np.ndarray, int]:
    """Decode with PyAV; return (samples x channels float32, rate)."""
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise _error("no audio stream in file", path, example_id)
            stream = container.streams.audio[0]
            rate = stream.codec_context.sample_rate
            chunks = []
            for frame in container.decode(stream):
                # to_ndarray gives (channels, samples) for planar and (1, samples * channels) for packed layouts.
                array = frame.to_ndarray()
                channels = len(frame.layout.channels)
                if frame.format.is_planar:
                    chunks.append(array.T)
                else:
                    chunks.append(array.reshape(-1, channels))
    except av.error.FFmpegError as error:
        raise _error(f"failed to decode audio ({error})", path, example_id) from None
    if not chunks:
        raise _error("audio file contains no samples", path, example_id)
    samples = np.concatenate(chunks)
    data = samples.astype(np.float32)
    if samples.dtype == np.uint8:
        # 8-bit PCM is unsigned with silence at 128.
        data = (data - 128.0) / 128.0
    elif np.issubdtype(samples.dtype, np.integer):
        data /= float(np.iinfo(samples.dtype).max) + 1.0
    return data, rate


def load_audio(path: str | Path, sampling_rate: int, example_id: str | None = None) -> Audio:
    """Decode ``path`` to float32 mono at ``sampling_rate`` Hz.

    Raises :class:`MediaError` naming ``example_id`` and the path when the
    file is missing, empty, not audio, or shorter than its header declares
    (a truncated file).
    """
    path = Path(path)
    if not path.is_file():
        raise _error("audio file not found", path, example_id)
    if path.stat().st_size == 0:
        raise _error("audio file is empty (0 bytes)", path, example_id)

    decoded = _read_soundfile(path, example_id)
    if decoded is None:
        data, rate = _read_pyav(path, example_id)
    else:
        data, rate, declared = decoded
        if declared > 0 and len(data) < declared:
            raise _error(
                f"audio file is truncated: decoded {len(data)} of the {declared} frames its header declares",
                path,
                example_id,
            )
    if len(data) == 0:
        raise _error("audio file contains no samples", path, example_id)

    mono = data.mean(axis=1, dtype=np.float32) if data.shape[1] > 1 else data[:, 0]
    if rate != sampling_rate:
        mono = soxr.resample(mono, rate, sampling_rate, quality=RESAMPLE_QUALITY)
    return Audio(waveform=np.ascontiguousarray(mono, dtype=np.float32), sampling_rate=sampling_rate, source_sampling_rate=rate)


def audio_duration(path: str | Path, example_id: str | None = None) -> float:
    """Return the duration of ``path`` in seconds from its header, without decoding it.

    Used to sort examples by length; files libsndfile cannot open are
    decoded in full with PyAV.
    """
    path = Path(path)
    if not path.is_file():
        raise _error("audio file not found", path, example_id)
    try:
        info = soundfile.info(path)
    except soundfile.LibsndfileError:
        data, rate = _read_pyav(path, example_id)
        return len(data) / rate
    return info.frames / info.samplerate if info.samplerate else 0.0

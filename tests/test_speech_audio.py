"""Audio decoding: formats, channel mixing, band-limited resampling and bad files."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
import soundfile
import soxr

from harness.errors import MediaError
from harness.media.audio import RESAMPLE_QUALITY, audio_duration, load_audio
from tests.speech_support import write_tone

REPOSITORY = Path(__file__).resolve().parents[1]
JFK = REPOSITORY / "tasks" / "asr" / "speech_en" / "data" / "audio" / "jfk.flac"
LIBRIVOX = REPOSITORY / "tasks" / "asr" / "speech_en" / "data" / "audio" / "sense_and_sensibility_01_austen_64kb-0880.wav"


def _tone_level(signal: np.ndarray, rate: int, frequency: float) -> float:
    """Amplitude of ``frequency`` in ``signal`` (Hann-windowed DFT bin, scaled so a full sine reads its amplitude)."""
    window = np.hanning(len(signal))
    spectrum = np.abs(np.fft.rfft(signal * window)) * 2 / window.sum()
    bin_index = int(round(frequency * len(signal) / rate))
    return float(spectrum[max(bin_index - 2, 0) : bin_index + 3].max())


def test_flac_stereo_44k_is_mono_16k() -> None:
    audio = load_audio(JFK, 16000, "jfk")
    reference, rate = soundfile.read(JFK, dtype="float32")
    assert rate == 44100
    assert reference.shape[1] == 2
    expected = soxr.resample(reference.mean(axis=1), 44100, 16000, quality=RESAMPLE_QUALITY)
    assert audio.waveform.dtype == np.float32
    assert audio.waveform.ndim == 1
    assert audio.sampling_rate == 16000
    assert audio.source_sampling_rate == 44100
    assert audio.duration == pytest.approx(11.0, abs=1e-3)
    np.testing.assert_allclose(audio.waveform, expected, atol=1e-6)


def test_wav_at_model_rate_is_unchanged() -> None:
    audio = load_audio(LIBRIVOX, 16000, "librivox")
    reference, rate = soundfile.read(LIBRIVOX, dtype="float32")
    assert rate == 16000
    np.testing.assert_array_equal(audio.waveform, reference)
    assert audio_duration(LIBRIVOX) == pytest.approx(len(reference) / 16000)


def test_resampler_removes_content_above_nyquist(tmp_path: Path) -> None:
    rate = 44100
    time = np.arange(rate) / rate
    # 1 kHz passes at 16 kHz; 11 kHz is above the 8 kHz Nyquist frequency and must not alias to 16 - 11 = 5 kHz.
    mixture = 0.4 * np.sin(2 * np.pi * 1000 * time) + 0.4 * np.sin(2 * np.pi * 11000 * time)
    path = tmp_path / "two_tones.wav"
    soundfile.write(path, mixture.astype(np.float32), rate, subtype="FLOAT")
    audio = load_audio(path, 16000)
    assert _tone_level(audio.waveform, 16000, 1000) == pytest.approx(0.4, rel=0.02)
    assert _tone_level(audio.waveform, 16000, 5000) < 0.4 * 1e-3


def test_mp3_decodes_to_same_length(tmp_path: Path) -> None:
    path = write_tone(tmp_path / "tone.wav", 2.0, rate=22050)
    data, rate = soundfile.read(path, dtype="float32")
    mp3 = tmp_path / "tone.mp3"
    soundfile.write(mp3, data, rate, format="MP3")
    audio = load_audio(mp3, 16000, "mp3")
    assert audio.source_sampling_rate == 22050
    # MP3 encoders add up to a few frames of priming and padding.
    assert audio.duration == pytest.approx(2.0, abs=0.1)
    assert _tone_level(audio.waveform, 16000, 440) == pytest.approx(0.5, rel=0.1)


def test_pyav_decodes_formats_libsndfile_lacks(tmp_path: Path) -> None:
    path = tmp_path / "tone.m4a"
    rate = 16000
    signal = (0.5 * np.sin(2 * np.pi * 440 * np.arange(rate) / rate)).astype(np.float32)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("aac", rate=rate, layout="mono")
        frame = av.AudioFrame.from_ndarray(signal[None, :], format="fltp", layout="mono")
        frame.sample_rate = rate
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    with pytest.raises(soundfile.LibsndfileError):
        soundfile.info(path)
    audio = load_audio(path, 16000, "aac")
    assert audio.duration == pytest.approx(1.0, abs=0.1)
    assert _tone_level(audio.waveform, 16000, 440) == pytest.approx(0.5, rel=0.1)


def _bad_files(folder: Path) -> dict[str, Path]:
    truncated = folder / "truncated.flac"
    data = JFK.read_bytes()
    truncated.write_bytes(data[: len(data) // 2])
    zero_length = folder / "zero_length.wav"
    zero_length.write_bytes(b"")
    no_samples = folder / "no_samples.wav"
    soundfile.write(no_samples, np.zeros(0, dtype=np.float32), 16000)
    not_audio = folder / "not_audio.wav"
    not_audio.write_text("this is a text file, not a recording\n" * 20, encoding="utf-8")
    return {
        "truncated": truncated,
        "zero_length": zero_length,
        "no_samples": no_samples,
        "not_audio": not_audio,
        "missing": folder / "missing.wav",
    }


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("truncated", "corrupt or truncated"),
        ("zero_length", "empty (0 bytes)"),
        ("no_samples", "contains no samples"),
        ("not_audio", "failed to decode audio"),
        ("missing", "not found"),
    ],
)
def test_bad_audio_raises_media_error(tmp_path: Path, case: str, reason: str) -> None:
    path = _bad_files(tmp_path)[case]
    with pytest.raises(MediaError) as caught:
        load_audio(path, 16000, example_id=f"utt-{case}")
    message = str(caught.value)
    assert reason in message
    assert f"'utt-{case}'" in message
    assert str(path) in message
    assert caught.value.example_id == f"utt-{case}"
    assert caught.value.path == str(path)

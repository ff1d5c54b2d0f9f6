"""Exit codes and summary of ``harness check`` on the committed fixture results."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from harness.cli.main import main
from harness.compare.gate import UsageError, parse_max_drops
from harness.results.io import load_run, save_run

FIXTURES = Path(__file__).parent / "fixtures" / "results"
WMT22 = FIXTURES / "wmt22"
SPEED = FIXTURES / "speed"


def check(capsys, *arguments: str) -> tuple[int, str]:
    status = main(["check", *arguments])
    captured = capsys.readouterr()
    return status, captured.out + captured.err


def test_same_run_passes(capsys):
    status, output = check(capsys, "--baseline", str(WMT22), "--current", str(WMT22))
    assert status == 0
    assert output.startswith("## harness check passed: no regression")
    assert output.count("| ok |") == 6


def test_real_regression_fails(capsys):
    status, output = check(
        capsys,
        "--baseline", str(WMT22 / "JDExploreAcademy"),
        "--current", str(WMT22 / "NiuTrans"),
        "--max-drop", "bleu=0.5",
        "--max-drop", "chrf=1",
        "--require-significance",
        "--resamples", "200",
    )
    assert status == 1
    assert "## harness check failed: regression" in output
    assert "| published:NiuTrans | wmt22_zh_en | bleu ↑ | 33.78 | 27.30 | -6.48 | 0.5 | 0.0050 | REGRESSION |" in output


def test_regression_within_allowed_drop_passes(capsys):
    status, output = check(
        capsys,
        "--baseline", str(WMT22 / "JDExploreAcademy"),
        "--current", str(WMT22 / "NiuTrans"),
        "--max-drop", "bleu=7",
        "--max-drop", "chrf=5",
    )
    assert status == 0
    assert "REGRESSION" not in output


def test_non_significant_change(capsys):
    arguments = ["--baseline", str(WMT22 / "JDExploreAcademy"), "--current", str(FIXTURES / "wmt22_edited")]
    status, output = check(capsys, *arguments, "--require-significance", "--resamples", "300")
    assert status == 0
    assert output.count("drop, not significant") == 2

    status, output = check(capsys, *arguments)
    assert status == 1
    assert output.count("REGRESSION") == 2


def test_speed_regression(capsys):
    arguments = ["--baseline", str(SPEED / "tiny-marian-batch8"), "--current", str(SPEED / "tiny-marian-batch1")]
    status, output = check(capsys, *arguments, "--max-slowdown", "10")
    assert status == 1
    assert "### Speed" in output
    baseline = load_run(SPEED / "tiny-marian-batch8").tasks["wmt22_zh_en"]
    current = load_run(SPEED / "tiny-marian-batch1").tasks["wmt22_zh_en"]
    before = baseline.profile["throughput"]["samples_per_s"]
    after = current.profile["throughput"]["samples_per_s"]
    slower = (1 - after / before) * 100
    assert slower > 10, "the batch-1 fixture must be measurably slower; regenerate the fixtures"
    assert f"| samples/s | {before:.2f} | {after:.2f} | {slower:.1f} % slower | 10 % |  | REGRESSION |" in output
    bleu = baseline.metrics["bleu"].scores["bleu"]
    assert f"bleu ↑ | {bleu:.4f} | {bleu:.4f} | +0.0000 | 0 |  | ok |" in output

    status, output = check(capsys, *arguments, "--max-slowdown", "90")
    assert status == 0

    status, output = check(capsys, *arguments)
    assert status == 0
    assert "### Speed" not in output


def test_speed_faster_passes(capsys):
    status, output = check(
        capsys,
        "--baseline", str(SPEED / "tiny-marian-batch1"),
        "--current", str(SPEED / "tiny-marian-batch8"),
        "--max-slowdown", "0",
    )
    assert status == 0
    assert "% faster" in output


def other_hardware(tmp_path: Path) -> Path:
    run = tmp_path / "other-hardware"
    shutil.copytree(SPEED / "tiny-marian-batch1", run)
    results = load_run(run)
    results.hardware.fingerprint = "0000000000000000"
    results.hardware.gpus = ["NVIDIA H100 80GB HBM3"]
    save_run(run / "results.json", results)
    return run


def test_speed_on_other_hardware_skipped(capsys, tmp_path: Path):
    arguments = ["--baseline", str(SPEED / "tiny-marian-batch8"), "--current", str(other_hardware(tmp_path))]
    status, output = check(capsys, *arguments, "--max-slowdown", "10")
    assert status == 0
    assert "different hardware" in output
    assert "speed not checked" in output

    status, output = check(capsys, *arguments, "--max-slowdown", "10", "--strict-hardware")
    assert status == 2
    assert "### Incomparable" in output


def test_other_task_version_is_incomparable(capsys):
    status, output = check(capsys, "--baseline", str(WMT22 / "NiuTrans"), "--current", str(FIXTURES / "wmt22_v2"))
    assert status == 2
    assert "## harness check failed: incomparable results" in output
    assert "task version 1 vs 2" in output


def test_missing_model_is_incomparable(capsys):
    status, output = check(capsys, "--baseline", str(WMT22), "--current", str(WMT22 / "NiuTrans"), str(WMT22 / "Online-B"))
    assert status == 2
    assert "Model published:JDExploreAcademy is in the baseline but not in the current results." in output


def test_ambiguous_model_runs_exit_2(capsys):
    status, output = check(capsys, "--baseline", str(SPEED), "--current", str(WMT22))
    assert status == 2
    assert "contain two runs of model" in output


def test_bad_usage_exits_2(capsys, tmp_path: Path):
    status, output = check(capsys, "--baseline", str(WMT22), "--current", str(WMT22), "--max-drop", "bleu")
    assert status == 2
    assert "expected METRIC=ABS" in output

    status, output = check(capsys, "--baseline", str(tmp_path / "absent"), "--current", str(WMT22))
    assert status == 2
    assert "Results path not found" in output

    with pytest.raises(SystemExit) as error:
        main(["check", "--current", str(WMT22)])
    assert error.value.code == 2


def test_parse_max_drops():
    assert parse_max_drops(["bleu=0.5", "rouge.rouge1=0.01"]) == {"bleu": 0.5, "rouge.rouge1": 0.01}
    with pytest.raises(UsageError, match="not a number"):
        parse_max_drops(["bleu=x"])
    with pytest.raises(UsageError, match=">= 0"):
        parse_max_drops(["bleu=-1"])


def test_missing_speed_figures_unmentioned_without_speed_gate(capsys, tmp_path):
    current = tmp_path / "current"
    shutil.copytree(SPEED / "tiny-marian-batch8", current)
    results = load_run(current / "results.json")
    for record in results.tasks.values():
        record.profile = None
    save_run(current / "results.json", results)

    quality_status, quality_output = check(capsys, "--baseline", str(SPEED / "tiny-marian-batch8"), "--current", str(current))
    speed_status, speed_output = check(
        capsys, "--baseline", str(SPEED / "tiny-marian-batch8"), "--current", str(current), "--max-slowdown", "10"
    )

    assert quality_status == 0
    assert "speed figures" not in quality_output
    assert speed_status == 0
    assert "no speed figures in both runs" in speed_output

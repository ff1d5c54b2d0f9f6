"""Paired comparison of runs, checked against sacrebleu's own paired bootstrap."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
import sacrebleu

from harness.cli.main import main
from harness.compare.paired import compare_runs
from harness.leaderboard.frame import load_runs
from harness.results.io import SamplesLog, load_run

FIXTURES = Path(__file__).parent / "fixtures" / "results"
WMT22 = FIXTURES / "wmt22"


def outputs(run: Path) -> tuple[list[str], list[list[str]]]:
    samples = sorted(SamplesLog(run / "samples_wmt22_zh_en.jsonl").read(), key=lambda sample: int(sample["id"]))
    return [sample["prediction"] for sample in samples], [sample["references"] for sample in samples]


def sacrebleu_bootstrap(system_a: list[str], system_b: list[str], references: list[list[str]], resamples: int, seed: int):
    """Return the BLEU difference B - A, its 95 % interval and sacrebleu's paired bootstrap p-value.

    The p-value comes from sacrebleu's own test function. sacrebleu reports no
    interval of the difference, so the interval is taken here from the same
    resamples scored by sacrebleu's BLEU statistics, with sacrebleu's
    percentile rule.
    """
    from sacrebleu.significance import _paired_bs_test

    streams = [list(stream) for stream in zip(*references)]
    metric = sacrebleu.BLEU()
    stats_a = metric._extract_corpus_statistics(system_a, streams)
    baseline = {"BLEU": (stats_a, metric._aggregate_and_compute(stats_a))}
    _, results = _paired_bs_test(baseline, "B", system_b, streams, {"BLEU": metric}, n_samples=resamples, seed=seed)

    stats_a = np.array(stats_a)
    stats_b = np.array(metric._extract_corpus_statistics(system_b, streams))
    indices = np.random.default_rng(seed).choice(len(system_a), size=(resamples, len(system_a)), replace=True)
    scores_a = np.array([metric._compute_score_from_stats(list(stats_a[row].sum(0))).score for row in indices])
    scores_b = np.array([metric._compute_score_from_stats(list(stats_b[row].sum(0))).score for row in indices])
    differences = np.sort(scores_b - scores_a)
    k = resamples // 40
    observed = metric.corpus_score(system_b, streams).score - metric.corpus_score(system_a, streams).score
    return observed, (differences[k], differences[resamples - k - 1]), results["BLEU"].p_value


def test_compare_matches_sacrebleu_bootstrap():
    run_a, run_b = load_runs([WMT22 / "JDExploreAcademy", WMT22 / "Online-B"])
    comparisons, warnings = compare_runs(run_a, run_b, resamples=200, seed=7)
    assert warnings == []
    (comparison,) = comparisons
    assert comparison.comparable
    assert comparison.warnings == []
    bleu = next(score for score in comparison.scores if score.metric == "bleu")

    system_a, references = outputs(WMT22 / "JDExploreAcademy")
    system_b, _ = outputs(WMT22 / "Online-B")
    observed, (low, high), p_value = sacrebleu_bootstrap(system_a, system_b, references, 200, 7)
    assert bleu.difference == pytest.approx(observed, abs=1e-9)
    assert bleu.ci_low == pytest.approx(low, abs=1e-9)
    assert bleu.ci_high == pytest.approx(high, abs=1e-9)
    assert bleu.p_value == pytest.approx(p_value)
    assert bleu.value_a == load_run(WMT22 / "JDExploreAcademy").tasks["wmt22_zh_en"].metrics["bleu"].scores["bleu"]
    assert bleu.ci_high < 0
    assert bleu.p_value < 0.05


def test_compare_small_change_not_significant():
    run_a, run_b = load_runs([WMT22 / "JDExploreAcademy", FIXTURES / "wmt22_edited" / "JDExploreAcademy-edited"])
    (comparison,), _ = compare_runs(run_a, run_b, resamples=300)
    for score in comparison.scores:
        assert score.difference < 0
        assert score.ci_low < 0 < score.ci_high
        assert score.p_value > 0.05


def test_compare_flags_other_task_version():
    run_a, run_b = load_runs([WMT22 / "NiuTrans", FIXTURES / "wmt22_v2" / "NiuTrans"])
    (comparison,), _ = compare_runs(run_a, run_b, resamples=10)
    assert not comparison.comparable
    assert "task version 1 vs 2" in comparison.reason
    assert comparison.scores == []


def test_compare_rejects_different_examples(tmp_path: Path):
    run = tmp_path / "fewer"
    shutil.copytree(WMT22 / "NiuTrans", run)
    log = SamplesLog(run / "samples_wmt22_zh_en.jsonl")
    samples = log.read()
    samples[0]["id"] = "not-in-the-task"
    log.rewrite(samples)
    run_a, run_b = load_runs([WMT22 / "JDExploreAcademy", run])
    (comparison,), _ = compare_runs(run_a, run_b, resamples=10)
    assert not comparison.comparable
    assert "1 ids only in A, 1 only in B" in comparison.reason


def test_compare_speed_ratio():
    run_a, run_b = load_runs([FIXTURES / "speed" / "tiny-marian-batch8", FIXTURES / "speed" / "tiny-marian-batch1"])
    (comparison,), _ = compare_runs(run_a, run_b, resamples=0)
    speed = {figure.figure: figure for figure in comparison.speed}
    profile_a = load_run(FIXTURES / "speed" / "tiny-marian-batch8").tasks["wmt22_zh_en"].profile
    profile_b = load_run(FIXTURES / "speed" / "tiny-marian-batch1").tasks["wmt22_zh_en"].profile
    expected = profile_b["throughput"]["samples_per_s"] / profile_a["throughput"]["samples_per_s"]
    assert speed["samples/s"].ratio == pytest.approx(expected)
    assert comparison.same_hardware
    assert all(math.isnan(score.p_value) for score in comparison.scores)


def test_cli_compare_formats(capsys):
    a, b = str(WMT22 / "JDExploreAcademy"), str(WMT22 / "NiuTrans")
    assert main(["compare", a, b, "--resamples", "100"]) == 0
    text = capsys.readouterr().out
    assert "95 % CI of B - A" in text
    assert "A better" in text

    assert main(["compare", a, b, "--resamples", "100", "--format", "markdown"]) == 0
    assert "| wmt22_zh_en | bleu ↑ |" in capsys.readouterr().out

    assert main(["compare", a, b, "--resamples", "100", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    bleu = document["tasks"][0]["scores"][0]
    assert bleu["metric"] == "bleu"
    assert bleu["difference"] == pytest.approx(bleu["value_b"] - bleu["value_a"])
    assert bleu["p_value"] < 0.05

"""Translation metrics against sacrebleu and the published WMT22 zh-en scores."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import sacrebleu
from hypothesis import HealthCheck, given, settings
from sacrebleu.significance import _paired_bs_test

from harness.errors import MetricError
from harness.metrics import build_metric, paired_bootstrap
from harness.metrics.translation import reference_streams
from tests.metrics.strategies import corpus

DATA = Path(__file__).resolve().parents[2] / "tasks" / "translation" / "wmt22_zh_en" / "data"
SYSTEMS = ("JDExploreAcademy", "NiuTrans", "Online-B")


def read_lines(name: str) -> list[str]:
    return (DATA / f"generaltest2022.zh-en.{name}").read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="module")
def wmt22() -> dict[str, list[str]]:
    texts = {system: read_lines(f"hyp.{system}.en") for system in SYSTEMS}
    texts["A"] = read_lines("ref.A.en")
    texts["B"] = read_lines("ref.B.en")
    return texts


@pytest.fixture(scope="module")
def official_scores() -> dict[tuple[str, str], float]:
    with open(DATA / "automatic-scores.tsv", encoding="utf-8") as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        return {(row["system"], row["metric"]): float(row["score"]) for row in rows if row["pair"] == "zh-en"}


def reference_sets(texts: dict[str, list[str]]) -> dict[str, list[list[str]]]:
    return {
        "A": [[a] for a in texts["A"]],
        "B": [[b] for b in texts["B"]],
        "all": [[a, b] for a, b in zip(texts["A"], texts["B"])],
    }


@pytest.mark.parametrize("system", SYSTEMS)
def test_bleu_equals_wmt22_table(system: str, wmt22: dict[str, list[str]], official_scores) -> None:
    metric = build_metric("bleu", language="en", bootstrap_resamples=0)
    for refs_name, references in reference_sets(wmt22).items():
        result = metric.compute(wmt22[system], references)
        expected = official_scores[(system, f"bleu-{refs_name}")]
        assert round(result.scores["bleu"], 4) == round(expected, 4), (system, refs_name)
        assert "tok:13a" in result.signature


def test_bleu_published_values_from_sources(wmt22: dict[str, list[str]]) -> None:
    metric = build_metric("bleu", language="en", bootstrap_resamples=0)
    references = reference_sets(wmt22)
    assert round(metric.compute(wmt22["JDExploreAcademy"], references["A"]).scores["bleu"], 4) == 33.5112
    assert round(metric.compute(wmt22["JDExploreAcademy"], references["B"]).scores["bleu"], 4) == 22.3320
    assert round(metric.compute(wmt22["NiuTrans"], references["all"]).scores["bleu"], 4) == 30.5039


@pytest.mark.parametrize("system", SYSTEMS)
def test_chrf_equals_wmt22_table(system: str, wmt22: dict[str, list[str]], official_scores) -> None:
    metric = build_metric("chrf", language="en", bootstrap_resamples=0)
    references = reference_sets(wmt22)
    for refs_name in ("A", "B"):
        result = metric.compute(wmt22[system], references[refs_name])
        assert result.scores["chrf"] == pytest.approx(official_scores[(system, f"chrf-{refs_name}")], abs=1e-9)

    # sacrebleu's multi-reference chrF keeps, per segment, the statistics of
    # the first reference with the highest sentence F-score, so the order of
    # tied references changes the corpus score. The table lists reference B first.
    b_first = [[b, a] for a, b in references["all"]]
    both = metric.compute(wmt22[system], b_first)
    assert both.scores["chrf"] == pytest.approx(official_scores[(system, "chrf-all")], abs=1e-9)


def test_bleu_interval_equals_sacrebleu_bootstrap(wmt22: dict[str, list[str]]) -> None:
    references = reference_sets(wmt22)["all"]
    result = build_metric("bleu", language="en", bootstrap_resamples=1000).compute(wmt22["NiuTrans"], references)
    low, high = result.confidence_intervals["bleu"]
    score = sacrebleu.BLEU().corpus_score(wmt22["NiuTrans"], reference_streams(references), n_bootstrap=1000)
    assert low < result.scores["bleu"] < high
    # sacrebleu sums resample statistics as float32, so its precisions carry float32 rounding.
    assert 0.5 * (high - low) == pytest.approx(score._ci, rel=1e-5)


def test_paired_bootstrap_equals_sacrebleu(wmt22: dict[str, list[str]]) -> None:
    references = reference_sets(wmt22)["A"]
    baseline, system = wmt22["NiuTrans"], wmt22["Online-B"]
    metric = build_metric("bleu", language="en", bootstrap_resamples=0)
    ours = paired_bootstrap(metric, baseline, system, references, n_resamples=300, seed=7)["bleu"]

    reference_metric = sacrebleu.BLEU()
    streams = reference_streams(references)
    baseline_stats = reference_metric._extract_corpus_statistics(baseline, streams)
    baseline_score = reference_metric._aggregate_and_compute(baseline_stats)
    _, expected = _paired_bs_test(
        {"BLEU": (baseline_stats, baseline_score)}, "Online-B", system, streams, {"BLEU": reference_metric},
        n_samples=300, seed=7,
    )
    assert ours["p_value"] == pytest.approx(expected["BLEU"].p_value, abs=1e-12)
    assert ours["p_value"] < 0.05
    assert ours["score_b"] == pytest.approx(expected["BLEU"].score, abs=1e-9)
    assert ours["difference"] == pytest.approx(ours["score_b"] - ours["score_a"], abs=1e-12)
    assert ours["ci"][0] < ours["difference"] < ours["ci"][1]


PROPERTY_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(corpus(max_refs=3))
def test_bleu_equals_sacrebleu_random(sample) -> None:
    hypotheses, references = sample
    for language, tokenizer in (("en", "13a"), ("zh", "zh")):
        result = build_metric("bleu", language=language, bootstrap_resamples=0).compute(hypotheses, references)
        expected_metric = sacrebleu.BLEU(tokenize=tokenizer)
        expected = expected_metric.corpus_score(hypotheses, reference_streams(references))
        assert result.scores["bleu"] == pytest.approx(expected.score, abs=1e-9)
        assert result.details["counts"] == list(expected.counts)
        assert result.signature == expected_metric.get_signature().format()
        sentence_metric = sacrebleu.BLEU(tokenize=tokenizer, effective_order=True)
        for sample_scores, hypothesis, refs in zip(result.per_sample, hypotheses, references):
            assert sample_scores["bleu"] == pytest.approx(sentence_metric.sentence_score(hypothesis, refs).score, abs=1e-9)


@PROPERTY_SETTINGS
@given(corpus(max_refs=3))
def test_chrf_equals_sacrebleu_random(sample) -> None:
    hypotheses, references = sample
    for name, word_order in (("chrf", 0), ("chrf++", 2)):
        result = build_metric(name, bootstrap_resamples=0).compute(hypotheses, references)
        expected = sacrebleu.CHRF(word_order=word_order).corpus_score(hypotheses, reference_streams(references))
        assert result.scores[name] == pytest.approx(expected.score, abs=1e-9)


@settings(max_examples=15, deadline=None)
@given(corpus(max_samples=4, max_refs=2))
def test_ter_equals_sacrebleu_random(sample) -> None:
    hypotheses, references = sample
    result = build_metric("ter", bootstrap_resamples=0).compute(hypotheses, references)
    expected = sacrebleu.TER().corpus_score(hypotheses, reference_streams(references))
    assert result.scores["ter"] == pytest.approx(expected.score, abs=1e-9)


def test_bleu_tokenizer_follows_language() -> None:
    assert "tok:zh" in build_metric("bleu", language="zh-CN", bootstrap_resamples=0).compute(["你好"], [["你好"]]).signature
    assert "tok:13a" in build_metric("bleu", language="de", bootstrap_resamples=0).compute(["a"], [["a"]]).signature
    overridden = build_metric("bleu", language="zh", tokenize="char", bootstrap_resamples=0)
    assert "tok:char" in overridden.compute(["你好"], [["你好"]]).signature


def test_bleu_mecab_missing_names_extra() -> None:
    pytest.importorskip("sacrebleu")
    try:
        import MeCab  # noqa: F401
        import ipadic  # noqa: F401
    except ImportError:
        with pytest.raises(MetricError, match=r"sacrebleu\[ja\]"):
            build_metric("bleu", language="ja")
    else:
        pytest.skip("MeCab is installed, so the error path cannot run")


def test_translation_rejects_bad_references() -> None:
    metric = build_metric("bleu", bootstrap_resamples=0)
    with pytest.raises(MetricError, match="sample 1 has 0 references"):
        metric.compute(["a", "b"], [["a"], []])
    with pytest.raises(MetricError, match="single string"):
        metric.compute(["a"], ["a"])
    with pytest.raises(MetricError, match="2 hypotheses but 1"):
        metric.compute(["a", "b"], [["a"]])


def test_per_sample_not_in_corpus_score(wmt22: dict[str, list[str]]) -> None:
    references = reference_sets(wmt22)["A"][:200]
    result = build_metric("bleu", bootstrap_resamples=0).compute(wmt22["NiuTrans"][:200], references)
    mean_sentence_bleu = float(np.mean([sample["bleu"] for sample in result.per_sample]))
    assert len(result.per_sample) == 200
    assert abs(mean_sentence_bleu - result.scores["bleu"]) > 0.01

"""WER and CER against jiwer, normalizers, and empty-text handling."""

from __future__ import annotations

import jiwer
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.errors import MetricError
from harness.metrics import build_metric, default_asr_metric
from harness.metrics.normalizers import normalize_basic, normalize_english, normalize_multilingual
from tests.metrics.strategies import sentence

PROPERTY_SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

non_empty_sentence = sentence.filter(lambda s: s.split())


@PROPERTY_SETTINGS
@given(st.lists(st.tuples(sentence, non_empty_sentence), min_size=1, max_size=8))
def test_wer_equals_jiwer_random(pairs: list[tuple[str, str]]) -> None:
    hypotheses = [h for h, _ in pairs]
    references = [r for _, r in pairs]
    result = build_metric("wer", bootstrap_resamples=0).compute(hypotheses, [[r] for r in references])
    expected = jiwer.process_words(references, hypotheses)
    assert result.scores["wer"] == pytest.approx(expected.wer, abs=1e-12)
    assert result.details["substitutions"] == expected.substitutions
    assert result.details["deletions"] == expected.deletions
    assert result.details["insertions"] == expected.insertions
    assert result.details["reference_length"] == expected.hits + expected.substitutions + expected.deletions
    for sample, hypothesis, reference in zip(result.per_sample, hypotheses, references):
        assert sample["wer"] == pytest.approx(jiwer.wer(reference, hypothesis), abs=1e-12)


@PROPERTY_SETTINGS
@given(st.lists(st.tuples(sentence, non_empty_sentence), min_size=1, max_size=8))
def test_cer_equals_jiwer_random(pairs: list[tuple[str, str]]) -> None:
    hypotheses = [h for h, _ in pairs]
    references = [r for _, r in pairs]
    result = build_metric("cer", language="en", bootstrap_resamples=0).compute(hypotheses, [[r] for r in references])
    assert result.scores["cer"] == pytest.approx(jiwer.cer(references, hypotheses), abs=1e-12)


def test_cer_removes_spaces_for_chinese() -> None:
    metric = build_metric("cer", language="zh", normalizer="multilingual", bootstrap_resamples=0)
    result = metric.compute(["甚至 出现交易几乎停滞的情况。"], [["甚至  出现  交易  几乎  停滞  的  情况"]])
    assert result.scores["cer"] == 0.0
    assert result.details["reference_length"] == 13
    assert result.options["remove_spaces"] is True
    assert default_asr_metric("zh") == "cer"
    assert default_asr_metric("th") == "cer"
    assert default_asr_metric("ja-JP") == "cer"
    assert default_asr_metric("en") == "wer"
    assert default_asr_metric(None) == "wer"


def test_empty_hypothesis_counts_deletions() -> None:
    result = build_metric("wer", bootstrap_resamples=0).compute(["", "a b"], [["x y z"], ["a b"]])
    assert result.details["deletions"] == 3
    assert result.scores["wer"] == pytest.approx(3 / 5)


def test_empty_reference_is_reported(caplog: pytest.LogCaptureFixture) -> None:
    result = build_metric("wer", bootstrap_resamples=0).compute(["a b", "c"], [[""], ["c"]])
    assert result.details["empty_references"] == 1
    assert result.details["insertions"] == 2
    assert result.scores["wer"] == pytest.approx(2.0)
    assert "wer" not in result.per_sample[0]
    assert "empty" in caplog.text


def test_all_references_empty_raises() -> None:
    with pytest.raises(MetricError, match="every reference is empty"):
        build_metric("wer", bootstrap_resamples=0).compute(["a"], [[" "]])


def test_wer_rejects_multiple_references() -> None:
    with pytest.raises(MetricError, match="at most 1"):
        build_metric("wer").compute(["a"], [["a", "b"]])


def test_unknown_normalizer_raises() -> None:
    with pytest.raises(MetricError, match="unknown normalizer"):
        build_metric("wer", normalizer="whisper")


def test_normalizers() -> None:
    assert normalize_basic("Hello,  World! Don't") == "hello world dont"
    assert normalize_basic("STRASSE Straße") == "strasse strasse"
    assert normalize_english("Mr. Smith, uh, paid twenty dollars.") == "mister smith paid $20"
    assert normalize_english("The colour is grey") == "the color is gray"
    assert normalize_multilingual("Bonjour, [music] le (bruit) café!") == "bonjour le café"
    assert normalize_multilingual("กินข้าว") == "กินข้าว"


def test_english_normalizer_wer() -> None:
    metric = build_metric("wer", language="en", normalizer="english", bootstrap_resamples=0)
    result = metric.compute(["Mr. Smith couldn't come."], [["mister smith could not come"]])
    assert result.scores["wer"] == 0.0
    assert "normalizer:english" in result.signature


def test_wer_interval_contains_corpus_value() -> None:
    hypotheses = ["the cat sat", "a dog ran home", "hello there world", "it is raining"] * 5
    references = [["the cat sat down"], ["a dog ran"], ["hello world"], ["it is not raining"]] * 5
    result = build_metric("wer", bootstrap_resamples=500).compute(hypotheses, references)
    low, high = result.confidence_intervals["wer"]
    assert low <= result.scores["wer"] <= high
    assert low < high


def test_chinese_normalizer_scores_traditional_output() -> None:
    import opencc

    hypotheses = ["我們今天說話，這個國家的語言。", "甚至出現交易幾乎停滯的情況"]
    references = [["我们今天说话这个国家的语言"], ["甚至出现交易几乎停滞的情况"]]

    chinese = build_metric("cer", language="zh", normalizer="chinese", bootstrap_resamples=0)
    multilingual = build_metric("cer", language="zh", normalizer="multilingual", bootstrap_resamples=0)
    result = chinese.compute(hypotheses, references)

    assert result.scores["cer"] == 0.0
    assert "opencc:" in result.signature
    assert "opencc-config:t2s" in result.signature
    assert multilingual.compute(hypotheses, references).scores["cer"] > 0.2
    converter = opencc.OpenCC("t2s.json")
    expected = jiwer.cer(
        [r[0] for r in references], [converter.convert(normalize_multilingual(h)).replace(" ", "") for h in hypotheses]
    )
    assert expected == 0.0

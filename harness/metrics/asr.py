"""Word and character error rates through jiwer, at corpus level.

WER = (substitutions + deletions + insertions) / reference words, summed over
all utterances (jiwer's corpus definition), and CER the same over characters.
Both are fractions (0.05 is 5 %), and can exceed 1. An empty hypothesis
counts every reference word as a deletion. An empty reference (empty after
normalization) adds its hypothesis words as insertions and no reference
words: it is logged, counted in ``details['empty_references']``, and has no
per-sample rate. A corpus with no reference words at all raises MetricError.
"""

from __future__ import annotations

import importlib.metadata
import logging
from typing import Sequence

import jiwer
import numpy as np

from harness.errors import MetricError
from harness.metrics.base import MetricResult
from harness.metrics.corpus import DEFAULT_BOOTSTRAP_RESAMPLES, DEFAULT_BOOTSTRAP_SEED, CorpusMetric, check_inputs
from harness.metrics.languages import default_asr_metric, writes_without_spaces
from harness.metrics.normalizers import NORMALIZERS, get_normalizer
from harness.metrics.registry import register_metric

logger = logging.getLogger(__name__)

__all__ = ["WER", "CER", "default_asr_metric"]

# Column order of the per-utterance statistics.
_COLUMNS = ("hits", "substitutions", "deletions", "insertions")


class EditStatistics:
    """Per-utterance edit counts from jiwer's alignments, one row per utterance in ``_COLUMNS`` order."""

    def __init__(self, rows: np.ndarray) -> None:
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def reference_lengths(self) -> np.ndarray:
        return self.rows[:, 0] + self.rows[:, 1] + self.rows[:, 2]


def _count_edits(alignments: list[list[jiwer.AlignmentChunk]]) -> np.ndarray:
    rows = np.zeros((len(alignments), len(_COLUMNS)), dtype=np.float64)
    column = {"equal": 0, "substitute": 1, "delete": 2, "insert": 3}
    for index, chunks in enumerate(alignments):
        for chunk in chunks:
            if chunk.type == "insert":
                rows[index, 3] += chunk.hyp_end_idx - chunk.hyp_start_idx
            else:
                rows[index, column[chunk.type]] += chunk.ref_end_idx - chunk.ref_start_idx
    return rows


class _ErrorRate(CorpusMetric):
    """Shared code of WER and CER."""

    score_name: str
    unit: str

    def __init__(
        self,
        *,
        language: str | None = None,
        normalizer: str = "none",
        bootstrap_resamples: int = DEFAULT_BOOTSTRAP_RESAMPLES,
        bootstrap_seed: int = DEFAULT_BOOTSTRAP_SEED,
    ) -> None:
        super().__init__(language=language, bootstrap_resamples=bootstrap_resamples, bootstrap_seed=bootstrap_seed)
        if normalizer not in NORMALIZERS:
            raise MetricError(f"{self.name}: unknown normalizer {normalizer!r}; use one of {', '.join(NORMALIZERS)}.")
        self.normalizer = normalizer
        self._normalize = get_normalizer(normalizer)

    @property
    def options(self) -> dict[str, object]:
        return {"normalizer": self.normalizer}

    def prepare(self, text: str) -> str:
        """Normalize one hypothesis or reference the way this metric scores it."""
        return self._normalize(text)

    def _align(self, references: list[str], hypotheses: list[str]) -> list[list[jiwer.AlignmentChunk]]:
        raise NotImplementedError

    def sample_statistics(self, hypotheses: Sequence[str], references: Sequence[Sequence[str]]) -> EditStatistics:
        hypothesis_list, reference_lists = check_inputs(self.name, hypotheses, references, max_references=1)
        prepared_references = [self.prepare(sample[0]) for sample in reference_lists]
        prepared_hypotheses = [self.prepare(hypothesis) for hypothesis in hypothesis_list]
        statistics = EditStatistics(_count_edits(self._align(prepared_references, prepared_hypotheses)))

        empty = np.flatnonzero(statistics.reference_lengths == 0)
        if len(empty):
            logger.warning(
                "%s: %d of %d references are empty after the %s normalizer (samples %s); "
                "their hypothesis %ss count as insertions",
                self.name, len(empty), len(statistics), self.normalizer,
                ", ".join(str(i) for i in empty[:10]) + (" ..." if len(empty) > 10 else ""), self.unit,
            )
        if statistics.reference_lengths.sum() == 0:
            raise MetricError(
                f"{self.name}: every reference is empty after the {self.normalizer!r} normalizer, so the rate is "
                "undefined; check the reference field or choose another normalizer."
            )
        return statistics

    def score_resamples(self, statistics: EditStatistics, counts: np.ndarray) -> dict[str, np.ndarray]:
        sums = counts @ statistics.rows
        errors = sums[:, 1] + sums[:, 2] + sums[:, 3]
        reference_length = sums[:, 0] + sums[:, 1] + sums[:, 2]
        with np.errstate(divide="ignore", invalid="ignore"):
            rates = np.where(reference_length > 0, errors / np.maximum(reference_length, 1), np.nan)
        return {self.score_name: rates}

    def build_result(self, statistics: EditStatistics) -> MetricResult:
        hits, substitutions, deletions, insertions = (int(v) for v in statistics.rows.sum(axis=0))
        reference_length = hits + substitutions + deletions
        rate = (substitutions + deletions + insertions) / reference_length
        per_sample = []
        for row in statistics.rows:
            sample = dict(zip(_COLUMNS, (float(v) for v in row)))
            sample["reference_length"] = float(row[0] + row[1] + row[2])
            if sample["reference_length"] > 0:
                sample[self.score_name] = float(row[1] + row[2] + row[3]) / sample["reference_length"]
            per_sample.append(sample)
        return MetricResult(
            metric=self.name,
            scores={self.score_name: rate},
            signature=self.signature(),
            options=dict(self.options),
            details={
                "substitutions": substitutions,
                "deletions": deletions,
                "insertions": insertions,
                "hits": hits,
                "reference_length": reference_length,
                "empty_references": int(np.sum(statistics.reference_lengths == 0)),
            },
            per_sample=per_sample,
        )

    def signature(self) -> str:
        parts = [self.score_name, f"normalizer:{self.normalizer}"]
        parts += [f"{key}:{value}" for key, value in self.options.items() if key != "normalizer"]
        parts.append(f"jiwer:{importlib.metadata.version('jiwer')}")
        if self.normalizer == "english":
            parts.append(f"whisper-normalizer:{importlib.metadata.version('whisper-normalizer')}")
        if self.normalizer == "chinese":
            parts.append(f"opencc:{importlib.metadata.version('opencc')}|opencc-config:t2s")
        return "|".join(parts)


@register_metric("wer")
class WER(_ErrorRate):
    """Corpus word error rate (jiwer ``process_words``) after the chosen normalizer."""

    score_name = "wer"
    unit = "word"

    def _align(self, references: list[str], hypotheses: list[str]) -> list[list[jiwer.AlignmentChunk]]:
        return jiwer.process_words(references, hypotheses).alignments


@register_metric("cer")
class CER(_ErrorRate):
    """Corpus character error rate (jiwer ``process_characters``) after the chosen normalizer.

    ``remove_spaces`` deletes all whitespace before alignment. It defaults to
    True for languages written without spaces (Chinese, Japanese, Thai, Lao,
    Khmer, Burmese, Tibetan, Dzongkha), because word spacing in their
    transcripts is arbitrary. Otherwise spaces count as characters, as in jiwer.
    """

    score_name = "cer"
    unit = "character"

    def __init__(
        self,
        *,
        language: str | None = None,
        normalizer: str = "none",
        remove_spaces: bool | None = None,
        bootstrap_resamples: int = DEFAULT_BOOTSTRAP_RESAMPLES,
        bootstrap_seed: int = DEFAULT_BOOTSTRAP_SEED,
    ) -> None:
        super().__init__(
            language=language,
            normalizer=normalizer,
            bootstrap_resamples=bootstrap_resamples,
            bootstrap_seed=bootstrap_seed,
        )
        self.remove_spaces = writes_without_spaces(language) if remove_spaces is None else bool(remove_spaces)

    @property
    def options(self) -> dict[str, object]:
        return {"normalizer": self.normalizer, "remove_spaces": self.remove_spaces}

    def prepare(self, text: str) -> str:
        text = self._normalize(text)
        if self.remove_spaces:
            text = "".join(text.split())
        return text

    def _align(self, references: list[str], hypotheses: list[str]) -> list[list[jiwer.AlignmentChunk]]:
        return jiwer.process_characters(references, hypotheses).alignments

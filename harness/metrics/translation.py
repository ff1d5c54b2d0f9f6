"""Translation metrics through sacrebleu: BLEU, chrF, chrF++ and TER at corpus level.

Each corpus score is computed by sacrebleu from the summed sentence
statistics (``_extract_corpus_statistics`` and ``_compute_score_from_stats``,
the two steps of ``corpus_score`` in sacrebleu 2.x), so bootstrap resamples
only re-sum the statistics. Scores are on sacrebleu's 0-100 scale.
References may vary in number per segment; sacrebleu skips a missing one.
"""

from __future__ import annotations

import logging
from typing import Any, Sequence

import numpy as np
import sacrebleu
from sacrebleu.metrics.base import Metric as SacrebleuMetric

from harness.errors import MetricError
from harness.metrics.base import MetricResult
from harness.metrics.corpus import DEFAULT_BOOTSTRAP_RESAMPLES, DEFAULT_BOOTSTRAP_SEED, CorpusMetric, check_inputs
from harness.metrics.languages import primary_language
from harness.metrics.registry import register_metric

logger = logging.getLogger(__name__)

# sacrebleu's recommended BLEU tokenizer per target language (BLEU._TOKENIZER_MAP).
BLEU_TOKENIZER_BY_LANGUAGE: dict[str, str] = {"zh": "zh", "ja": "ja-mecab", "ko": "ko-mecab"}
DEFAULT_BLEU_TOKENIZER = "13a"
_TOKENIZER_EXTRAS = {"ja-mecab": "ja", "ko-mecab": "ko"}


def bleu_tokenizer_for(language: str | None) -> str:
    """Return the BLEU tokenizer sacrebleu recommends for a target language (``13a`` by default)."""
    return BLEU_TOKENIZER_BY_LANGUAGE.get(primary_language(language) or "", DEFAULT_BLEU_TOKENIZER)


def reference_streams(references: Sequence[Sequence[str]]) -> list[list[str | None]]:
    """Transpose per-sample reference lists into sacrebleu's reference streams, padding with None."""
    width = max(len(sample) for sample in references)
    return [[sample[k] if k < len(sample) else None for sample in references] for k in range(width)]


class TranslationStatistics:
    """sacrebleu sentence statistics, one row per segment."""

    def __init__(self, rows: np.ndarray, signature: str) -> None:
        self.rows = rows
        self.signature = signature

    def __len__(self) -> int:
        return len(self.rows)


class _SacrebleuCorpusMetric(CorpusMetric):
    """Shared code of the sacrebleu metrics; subclasses create the sacrebleu objects."""

    score_name: str

    def __init__(
        self,
        *,
        language: str | None = None,
        bootstrap_resamples: int = DEFAULT_BOOTSTRAP_RESAMPLES,
        bootstrap_seed: int = DEFAULT_BOOTSTRAP_SEED,
    ) -> None:
        super().__init__(language=language, bootstrap_resamples=bootstrap_resamples, bootstrap_seed=bootstrap_seed)
        self.options: dict[str, Any] = {}
        self.corpus_metric: SacrebleuMetric
        self.sentence_metric: SacrebleuMetric

    def sample_statistics(self, hypotheses: Sequence[str], references: Sequence[Sequence[str]]) -> TranslationStatistics:
        hypothesis_list, reference_lists = check_inputs(self.name, hypotheses, references)
        rows = self.corpus_metric._extract_corpus_statistics(hypothesis_list, reference_streams(reference_lists))
        signature = self.corpus_metric.get_signature().format()
        return TranslationStatistics(np.asarray(rows, dtype=np.float64), signature)

    def score_resamples(self, statistics: TranslationStatistics, counts: np.ndarray) -> dict[str, np.ndarray]:
        sums = counts @ statistics.rows
        scores = np.array([self.corpus_metric._compute_score_from_stats(list(row)).score for row in sums])
        return {self.score_name: scores}

    def _corpus_score(self, statistics: TranslationStatistics) -> Any:
        return self.corpus_metric._compute_score_from_stats(list(statistics.rows.sum(axis=0)))

    def _per_sample(self, statistics: TranslationStatistics) -> list[dict[str, float]]:
        return [
            {self.score_name: float(self.sentence_metric._compute_score_from_stats(list(row)).score)}
            for row in statistics.rows
        ]


@register_metric("bleu")
class BLEU(_SacrebleuCorpusMetric):
    """Corpus BLEU (sacrebleu ``BLEU``), 0-100.

    ``tokenize`` defaults to sacrebleu's recommendation for the target
    language: ``zh`` for Chinese, ``ja-mecab`` for Japanese, ``ko-mecab`` for
    Korean (these two need ``pip install 'sacrebleu[ja]'`` or ``[ko]``) and
    ``13a`` otherwise. Per-sample scores are sentence BLEU with effective order,
    as sacrebleu recommends for sentences; they never enter the corpus score.
    """

    score_name = "bleu"

    def __init__(
        self,
        *,
        language: str | None = None,
        tokenize: str | None = None,
        lowercase: bool = False,
        smooth_method: str = "exp",
        smooth_value: float | None = None,
        max_ngram_order: int = 4,
        bootstrap_resamples: int = DEFAULT_BOOTSTRAP_RESAMPLES,
        bootstrap_seed: int = DEFAULT_BOOTSTRAP_SEED,
    ) -> None:
        super().__init__(language=language, bootstrap_resamples=bootstrap_resamples, bootstrap_seed=bootstrap_seed)
        tokenizer = tokenize if tokenize is not None else bleu_tokenizer_for(language)
        if tokenizer not in sacrebleu.BLEU.TOKENIZERS:
            raise MetricError(
                f"bleu: unknown tokenize={tokenizer!r}; sacrebleu {sacrebleu.__version__} offers "
                f"{', '.join(sorted(sacrebleu.BLEU.TOKENIZERS))}."
            )
        if smooth_method not in sacrebleu.BLEU.SMOOTH_DEFAULTS:
            raise MetricError(
                f"bleu: unknown smooth_method={smooth_method!r}; use one of {', '.join(sacrebleu.BLEU.SMOOTH_DEFAULTS)}."
            )
        self.options = {
            "tokenize": tokenizer,
            "lowercase": lowercase,
            "smooth_method": smooth_method,
            "smooth_value": smooth_value,
            "max_ngram_order": max_ngram_order,
        }
        common = dict(
            lowercase=lowercase,
            tokenize=tokenizer,
            smooth_method=smooth_method,
            smooth_value=smooth_value,
            max_ngram_order=max_ngram_order,
        )
        try:
            self.corpus_metric = sacrebleu.BLEU(**common)
            self.sentence_metric = sacrebleu.BLEU(effective_order=True, **common)
        except (RuntimeError, ImportError) as error:
            extra = _TOKENIZER_EXTRAS.get(tokenizer)
            fix = f"install it with pip install 'sacrebleu[{extra}]' (or 'harness[{extra}]')" if extra else str(error)
            raise MetricError(f"bleu: tokenizer {tokenizer!r} is unavailable: {fix}, or set the option tokenize.") from None

    def build_result(self, statistics: TranslationStatistics) -> MetricResult:
        score = self._corpus_score(statistics)
        details = {
            "counts": [int(c) for c in score.counts],
            "totals": [int(t) for t in score.totals],
            "precisions": [float(p) for p in score.precisions],
            "brevity_penalty": float(score.bp),
            "sys_len": int(score.sys_len),
            "ref_len": int(score.ref_len),
        }
        return MetricResult(
            metric=self.name,
            scores={"bleu": float(score.score)},
            signature=statistics.signature,
            options=dict(self.options),
            details=details,
            per_sample=self._per_sample(statistics),
        )


class _CHRFBase(_SacrebleuCorpusMetric):
    default_word_order: int = 0

    def __init__(
        self,
        *,
        language: str | None = None,
        char_order: int = 6,
        word_order: int | None = None,
        beta: int = 2,
        lowercase: bool = False,
        whitespace: bool = False,
        eps_smoothing: bool = False,
        bootstrap_resamples: int = DEFAULT_BOOTSTRAP_RESAMPLES,
        bootstrap_seed: int = DEFAULT_BOOTSTRAP_SEED,
    ) -> None:
        super().__init__(language=language, bootstrap_resamples=bootstrap_resamples, bootstrap_seed=bootstrap_seed)
        word_order = self.default_word_order if word_order is None else word_order
        self.options = {
            "char_order": char_order,
            "word_order": word_order,
            "beta": beta,
            "lowercase": lowercase,
            "whitespace": whitespace,
            "eps_smoothing": eps_smoothing,
        }
        self.corpus_metric = sacrebleu.CHRF(**self.options)
        self.sentence_metric = self.corpus_metric

    def build_result(self, statistics: TranslationStatistics) -> MetricResult:
        score = self._corpus_score(statistics)
        return MetricResult(
            metric=self.name,
            scores={self.score_name: float(score.score)},
            signature=statistics.signature,
            options=dict(self.options),
            details={"char_order": score.char_order, "word_order": score.word_order, "beta": score.beta},
            per_sample=self._per_sample(statistics),
        )


@register_metric("chrf")
class CHRF(_CHRFBase):
    """Corpus chrF (sacrebleu ``CHRF``, character 6-grams, beta 2), 0-100; ``word_order=2`` gives chrF++."""

    score_name = "chrf"


@register_metric("chrf++")
class CHRFPlusPlus(_CHRFBase):
    """Corpus chrF++ (sacrebleu ``CHRF`` with word bigrams, ``word_order=2``), 0-100."""

    score_name = "chrf++"
    default_word_order = 2


@register_metric("ter")
class TER(_SacrebleuCorpusMetric):
    """Corpus TER (sacrebleu ``TER``): total edits over total average reference length, 0-100 (lower is better)."""

    score_name = "ter"

    def __init__(
        self,
        *,
        language: str | None = None,
        normalized: bool = False,
        no_punct: bool = False,
        asian_support: bool = False,
        case_sensitive: bool = False,
        bootstrap_resamples: int = DEFAULT_BOOTSTRAP_RESAMPLES,
        bootstrap_seed: int = DEFAULT_BOOTSTRAP_SEED,
    ) -> None:
        super().__init__(language=language, bootstrap_resamples=bootstrap_resamples, bootstrap_seed=bootstrap_seed)
        self.options = {
            "normalized": normalized,
            "no_punct": no_punct,
            "asian_support": asian_support,
            "case_sensitive": case_sensitive,
        }
        self.corpus_metric = sacrebleu.TER(**self.options)
        self.sentence_metric = self.corpus_metric

    def build_result(self, statistics: TranslationStatistics) -> MetricResult:
        score = self._corpus_score(statistics)
        return MetricResult(
            metric=self.name,
            scores={"ter": float(score.score)},
            signature=statistics.signature,
            options=dict(self.options),
            details={"num_edits": float(score.num_edits), "ref_length": float(score.ref_length)},
            per_sample=self._per_sample(statistics),
        )

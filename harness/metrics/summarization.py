"""ROUGE for summarization: ROUGE-1, ROUGE-2, ROUGE-L and ROUGE-Lsum, equal to rouge_score.

Texts are first split into sentences (:mod:`harness.metrics.sentences`) and
joined with newlines, which is the input rouge_score's ROUGE-Lsum expects;
ROUGE-N and ROUGE-L see the same words. With several references per
document, each ROUGE type takes the reference with the highest F1, as
rouge_score's ``score_multi`` does. The corpus value of each score is the
mean over documents, with no bootstrap aggregation in the point estimate.
"""

from __future__ import annotations

import importlib.metadata
import logging
from typing import Sequence

import numpy as np
import regex

from harness.errors import MetricError
from harness.metrics.base import MetricResult
from harness.metrics.corpus import DEFAULT_BOOTSTRAP_RESAMPLES, DEFAULT_BOOTSTRAP_SEED, CorpusMetric, check_inputs
from harness.metrics.languages import NON_LATIN_LANGUAGES, primary_language
from harness.metrics.registry import register_metric
from harness.metrics.rouge import MultilingualTokenizer, RougeScorer, RougeScoreTokenizer, check_rouge_types
from harness.metrics.sentences import has_sentence_tags, sentence_splitter_name, split_sentences

logger = logging.getLogger(__name__)

DEFAULT_ROUGE_TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")
TOKENIZERS = ("auto", "rouge_score", "multilingual")

# A letter of a script other than Latin: the rouge_score tokenizer deletes it.
_NON_LATIN_LETTER = regex.compile(r"[\p{L}--[\p{Latin}]]", regex.V1)


def choose_tokenizer(language: str | None, references: Sequence[Sequence[str]]) -> str:
    """Pick ``rouge_score`` or ``multilingual`` for the ``auto`` setting.

    A language written in a non-Latin script gets ``multilingual``; another
    given language gets ``rouge_score``. Without a language, ``multilingual``
    is chosen when any reference contains a non-Latin letter. References,
    not hypotheses, decide, so every system on a task gets the same tokenizer.
    """
    code = primary_language(language)
    if code is not None:
        return "multilingual" if code in NON_LATIN_LANGUAGES else "rouge_score"
    for sample in references:
        for reference in sample:
            if _NON_LATIN_LETTER.search(reference):
                return "multilingual"
    return "rouge_score"


class RougeStatistics:
    """Per-document precision, recall and F1 for each ROUGE type (columns ``names``)."""

    def __init__(self, values: np.ndarray, names: list[str], tokenizer: str) -> None:
        self.values = values
        self.names = names
        self.tokenizer = tokenizer

    def __len__(self) -> int:
        return len(self.values)


@register_metric("rouge")
class ROUGE(CorpusMetric):
    """ROUGE F1 (with precision and recall) as rouge_score computes it, averaged over documents.

    Options:

    - ``rouge_types``: default rouge1, rouge2, rougeL, rougeLsum.
    - ``use_stemmer``: Porter stemming of ASCII words. The default is True
      unless the language is given and is not English.
    - ``tokenizer``: ``rouge_score`` (rouge_score's default, ASCII letters and
      digits only), ``multilingual`` (any script, one token per Chinese,
      Japanese or Thai character) or ``auto`` (default, see :func:`choose_tokenizer`).
    - ``split_sentences``: default True, so untagged single-line texts are
      split with pysbd for ROUGE-Lsum.

    Scores are fractions in [0, 1].
    """

    def __init__(
        self,
        *,
        language: str | None = None,
        rouge_types: Sequence[str] = DEFAULT_ROUGE_TYPES,
        use_stemmer: bool | None = None,
        tokenizer: str = "auto",
        split_sentences: bool = True,
        bootstrap_resamples: int = DEFAULT_BOOTSTRAP_RESAMPLES,
        bootstrap_seed: int = DEFAULT_BOOTSTRAP_SEED,
    ) -> None:
        super().__init__(language=language, bootstrap_resamples=bootstrap_resamples, bootstrap_seed=bootstrap_seed)
        if isinstance(rouge_types, str):
            rouge_types = [rouge_types]
        try:
            self.rouge_types = check_rouge_types(rouge_types)
        except ValueError as error:
            raise MetricError(f"rouge: {error}") from None
        if tokenizer not in TOKENIZERS:
            raise MetricError(f"rouge: unknown tokenizer {tokenizer!r}; use one of {', '.join(TOKENIZERS)}.")
        code = primary_language(language)
        self.use_stemmer = (code in (None, "en")) if use_stemmer is None else bool(use_stemmer)
        self.tokenizer = tokenizer
        self.split_sentences = split_sentences

    def prepare(self, text: str) -> str:
        """Return the text as rouge_score should see it: sentences joined by newlines, tags removed."""
        if self.split_sentences or has_sentence_tags(text):
            return "\n".join(split_sentences(text, self.language))
        return text

    def sample_statistics(self, hypotheses: Sequence[str], references: Sequence[Sequence[str]]) -> RougeStatistics:
        hypothesis_list, reference_lists = check_inputs(self.name, hypotheses, references)
        tokenizer_name = (
            choose_tokenizer(self.language, reference_lists) if self.tokenizer == "auto" else self.tokenizer
        )
        tokenizer_class = MultilingualTokenizer if tokenizer_name == "multilingual" else RougeScoreTokenizer
        scorer = RougeScorer(self.rouge_types, tokenizer_class(self.use_stemmer))

        names = [f"{rouge_type}{suffix}" for rouge_type in self.rouge_types for suffix in ("_precision", "_recall", "")]
        values = np.zeros((len(hypothesis_list), len(names)), dtype=np.float64)
        for row, (hypothesis, sample_references) in enumerate(zip(hypothesis_list, reference_lists)):
            scores = scorer.score_multi([self.prepare(r) for r in sample_references], self.prepare(hypothesis))
            values[row] = [value for rouge_type in self.rouge_types for value in scores[rouge_type]]
        return RougeStatistics(values, names, tokenizer_name)

    def _ordered(self, names: list[str], values: np.ndarray) -> dict[str, np.ndarray]:
        """Order scores F1 first (one per type), then precision and recall."""
        columns = dict(zip(names, values.T))
        order = list(self.rouge_types) + [n for n in names if n not in self.rouge_types]
        return {name: columns[name] for name in order}

    def score_resamples(self, statistics: RougeStatistics, counts: np.ndarray) -> dict[str, np.ndarray]:
        means = (counts @ statistics.values) / counts.sum(axis=1, keepdims=True)
        return self._ordered(statistics.names, means)

    def build_result(self, statistics: RougeStatistics) -> MetricResult:
        means = statistics.values.mean(axis=0, keepdims=True)
        scores = {name: float(value[0]) for name, value in self._ordered(statistics.names, means).items()}
        per_sample = [dict(zip(statistics.names, (float(v) for v in row))) for row in statistics.values]
        options = {
            "rouge_types": list(self.rouge_types),
            "use_stemmer": self.use_stemmer,
            "tokenizer": statistics.tokenizer,
            "split_sentences": self.split_sentences,
        }
        return MetricResult(
            metric=self.name,
            scores=scores,
            signature=self.signature(statistics.tokenizer),
            options=options,
            details={"documents": len(statistics)},
            per_sample=per_sample,
        )

    def signature(self, tokenizer: str) -> str:
        parts = [
            "rouge",
            f"types:{','.join(self.rouge_types)}",
            f"stem:{'porter' if self.use_stemmer else 'no'}",
            f"tok:{tokenizer}",
            f"lsum-split:{sentence_splitter_name(self.language) if self.split_sentences else 'newline'}",
            "multiref:max-f1",
            "agg:mean",
            f"rouge_score:{importlib.metadata.version('rouge-score')}",
        ]
        return "|".join(parts)

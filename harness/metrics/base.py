"""The contract every metric implements, and the record it returns."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar, Sequence


@dataclass
class MetricResult:
    """Corpus-level scores of one metric on one system output.

    ``scores`` maps score names (``bleu``, ``rouge1``, ``wer`` ...) to corpus
    values, the primary score first. ``per_sample`` contains one dict of
    sentence-level scores per hypothesis, in input order, for analysis only:
    the corpus figures are never their mean unless the metric defines it so
    (ROUGE). ``confidence_intervals`` maps score names to a 95 % bootstrap
    interval (low, high). ``details`` holds the sufficient statistics (BLEU
    counts, edit counts, reference lengths).
    """

    metric: str
    scores: dict[str, float]
    signature: str
    options: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    per_sample: list[dict[str, float]] | None = None
    confidence_intervals: dict[str, tuple[float, float]] = field(default_factory=dict)

    @property
    def primary(self) -> str:
        return next(iter(self.scores))


class Metric(ABC):
    """A corpus metric.

    Subclasses set ``name`` and take their options as keyword arguments of
    ``__init__``; the options from a task file are passed there unchanged,
    together with ``language`` (the task's target language, or ``None``).
    """

    name: ClassVar[str]

    @abstractmethod
    def compute(self, hypotheses: Sequence[str], references: Sequence[Sequence[str]]) -> MetricResult:
        """Score hypotheses against their references (one list of references per hypothesis)."""

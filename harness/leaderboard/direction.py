"""Whether a higher score is better, per metric score.

Error rates (WER, CER, TER and their relatives) are better when lower. Every
other score the harness computes (BLEU, chrF, ROUGE, METEOR, CIDEr ...) is
better when higher. A metric class may override this table with a class
attribute ``higher_is_better`` (a bool, or a dict from score name to bool).
"""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

# Score names whose lower values are better.
LOWER_IS_BETTER_SCORES = frozenset({"wer", "cer", "ter", "mer", "wil", "wip_error"})


def _declared_direction(metric: str, score: str) -> bool | None:
    """Return the metric class's own ``higher_is_better`` for ``score``, or None when it declares none."""
    try:
        from harness.metrics.registry import _METRICS, _load_builtins

        _load_builtins()
    except Exception as error:  # a broken metric module must not break the tables
        logger.debug("Metric registry unavailable for direction of %s: %s", metric, error)
        return None
    metric_class = _METRICS.get(metric)
    declared = getattr(metric_class, "higher_is_better", None)
    if isinstance(declared, bool):
        return declared
    if isinstance(declared, dict) and isinstance(declared.get(score), bool):
        return declared[score]
    return None


def higher_is_better(metric: str, score: str) -> bool:
    """Return True when a larger value of ``metric``'s ``score`` means a better system."""
    declared = _declared_direction(metric, score)
    if declared is not None:
        return declared
    return score.lower() not in LOWER_IS_BETTER_SCORES and metric.lower() not in LOWER_IS_BETTER_SCORES

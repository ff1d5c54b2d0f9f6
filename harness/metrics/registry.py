"""Registry of metrics by name.

Usage::

    @register_metric("bleu")
    class BLEU(Metric): ...

    metric = build_metric("bleu", language="en", tokenize="13a")
"""

from __future__ import annotations

import difflib
import importlib
import inspect
from typing import Any, Callable, TypeVar

from harness.errors import MetricError
from harness.metrics.base import Metric

MetricClass = TypeVar("MetricClass", bound=type[Metric])

_METRICS: dict[str, type[Metric]] = {}

# Module that registers each built-in metric. A lookup imports only the
# module it needs, so a BLEU run does not import scipy and pandas for CIDEr.
_BUILTIN_METRICS: dict[str, str] = {
    "bleu": "harness.metrics.translation",
    "chrf": "harness.metrics.translation",
    "chrf++": "harness.metrics.translation",
    "ter": "harness.metrics.translation",
    "rouge": "harness.metrics.summarization",
    "wer": "harness.metrics.asr",
    "cer": "harness.metrics.asr",
    "coco_bleu": "harness.metrics.captioning",
    "meteor": "harness.metrics.captioning",
    "coco_rouge_l": "harness.metrics.captioning",
    "cider": "harness.metrics.captioning",
    "spice": "harness.metrics.captioning",
}
_BUILTIN_MODULES: tuple[str, ...] = tuple(dict.fromkeys(_BUILTIN_METRICS.values()))
_loaded = False


def register_metric(name: str) -> Callable[[MetricClass], MetricClass]:
    """Register a :class:`Metric` subclass under ``name``."""

    def decorator(cls: MetricClass) -> MetricClass:
        if not (isinstance(cls, type) and issubclass(cls, Metric)):
            raise TypeError(f"@register_metric({name!r}) must decorate a Metric subclass, got {cls!r}")
        if name in _METRICS and _METRICS[name] is not cls:
            raise ValueError(f"Metric {name!r} is already registered by {_METRICS[name].__module__}")
        cls.name = name
        _METRICS[name] = cls
        return cls

    return decorator


def _load_builtins() -> None:
    global _loaded
    if _loaded:
        return
    for module in _BUILTIN_MODULES:
        importlib.import_module(module)
    _loaded = True


def metric_names() -> list[str]:
    """Return all registered metric names, sorted."""
    _load_builtins()
    return sorted(_METRICS)


def build_metric(name: str, **options: Any) -> Metric:
    """Instantiate the metric registered under ``name`` with its options."""
    if name not in _METRICS and name in _BUILTIN_METRICS:
        importlib.import_module(_BUILTIN_METRICS[name])
    if name not in _METRICS:
        _load_builtins()
    if name not in _METRICS:
        close = difflib.get_close_matches(name, _METRICS, n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise MetricError(f"Unknown metric {name!r}.{hint} Available: {', '.join(sorted(_METRICS))}.")
    metric_class = _METRICS[name]
    parameters = inspect.signature(metric_class.__init__).parameters.values()
    accepted = [
        parameter.name
        for parameter in parameters
        if parameter.name != "self" and parameter.kind in (parameter.KEYWORD_ONLY, parameter.POSITIONAL_OR_KEYWORD)
    ]
    takes_any = any(parameter.kind == parameter.VAR_KEYWORD for parameter in parameters)
    unknown = sorted(set(options) - set(accepted))
    if unknown and not takes_any:
        raise MetricError(
            f"Unknown option {', '.join(map(repr, unknown))} for metric {name!r}; "
            f"its options are {', '.join(accepted)}. Correct or remove it in the metric's options."
        )
    try:
        return metric_class(**options)
    except TypeError as error:
        raise MetricError(f"Invalid options for metric {name!r}: {error}") from None

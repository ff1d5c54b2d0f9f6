"""Time to first token and time per output token of ``transformers`` ``generate`` calls.

:class:`GenerationTimer` wraps the ``generate`` method of the transformers
models that an adapter holds, on that model instance only and only while
profiling, and adds one stopping criterion that ``generate`` calls after every
decoding step. The criterion synchronizes the device once, at the first step,
to read the time of the first generated token; later steps are only counted,
so the device queue is not drained at every token. Adapters need no change,
and an unprofiled run calls the original ``generate``.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from typing import Any, Callable

import torch

from harness.profiling.timing import Timer

logger = logging.getLogger(__name__)


@dataclass
class GenerateCall:
    """Host timestamps (``time.perf_counter`` seconds, device synchronized) of one ``generate`` call."""

    start: float
    end: float
    first_token: float | None
    steps: int


@functools.lru_cache(maxsize=1)
def _stopping_criterion_class() -> type:
    from transformers import StoppingCriteria

    class FirstTokenClock(StoppingCriteria):
        """Stopping criterion that never stops: it records the time of the first step and counts steps."""

        def __init__(self, timer: Timer) -> None:
            self.timer = timer
            self.first_token: float | None = None
            self.steps = 0
            self._not_done: torch.Tensor | None = None

        def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor, **kwargs: Any) -> torch.BoolTensor:
            if self.steps == 0:
                self.first_token = self.timer.now()
            self.steps += 1
            rows = input_ids.shape[0]
            if self._not_done is None or self._not_done.shape[0] != rows or self._not_done.device != input_ids.device:
                self._not_done = torch.zeros(rows, dtype=torch.bool, device=input_ids.device)
            return self._not_done  # type: ignore[return-value]

    return FirstTokenClock


def generation_modules(adapter: Any) -> list[torch.nn.Module]:
    """Return the transformers models with a ``generate`` method among an adapter's attributes."""
    try:
        from transformers import GenerationMixin
    except ImportError:
        return []
    found: list[torch.nn.Module] = []
    for value in vars(adapter).values():
        if isinstance(value, GenerationMixin) and isinstance(value, torch.nn.Module) and value not in found:
            found.append(value)
    return found


class GenerationTimer:
    """Records every ``generate`` call of the attached models while attached.

    Usage: :meth:`attach` to an adapter, read and clear :attr:`calls` around
    each batch, :meth:`detach` at the end to restore the original methods.
    """

    def __init__(self, timer: Timer) -> None:
        self.timer = timer
        self.calls: list[GenerateCall] = []
        self._originals: list[tuple[torch.nn.Module, Callable[..., Any] | None]] = []

    @property
    def attached(self) -> bool:
        return bool(self._originals)

    def attach(self, adapter: Any) -> bool:
        """Wrap ``generate`` of the adapter's transformers models; return whether any was found."""
        self.detach()
        for module in generation_modules(adapter):
            self._originals.append((module, module.__dict__.get("generate")))
            module.generate = self._wrap(module.generate)  # type: ignore[method-assign]
        return self.attached

    def detach(self) -> None:
        """Restore the original ``generate`` methods."""
        for module, original in self._originals:
            if original is None:
                del module.generate
            else:
                module.generate = original  # type: ignore[method-assign]
        self._originals = []

    def take_calls(self) -> list[GenerateCall]:
        """Return the calls recorded since the last take and forget them."""
        calls, self.calls = self.calls, []
        return calls

    def _wrap(self, generate: Callable[..., Any]) -> Callable[..., Any]:
        from transformers import StoppingCriteriaList

        clock_class = _stopping_criterion_class()

        @functools.wraps(generate)
        def timed_generate(*args: Any, **kwargs: Any) -> Any:
            clock = clock_class(self.timer)
            kwargs["stopping_criteria"] = StoppingCriteriaList([*(kwargs.get("stopping_criteria") or []), clock])
            start = self.timer.now()
            output = generate(*args, **kwargs)
            end = self.timer.now()
            self.calls.append(GenerateCall(start=start, end=end, first_token=clock.first_token, steps=clock.steps))
            return output

        return timed_generate


def first_token_latency(calls: list[GenerateCall], batch_start: float) -> float | None:
    """Seconds from the start of a batch's ``predict`` call to its first generated token; None without one."""
    firsts = [call.first_token for call in calls if call.first_token is not None]
    return min(firsts) - batch_start if firsts else None


def time_per_output_token(calls: list[GenerateCall]) -> float | None:
    """Seconds per decoding step after the first, pooled over a batch's ``generate`` calls; None without such steps.

    One step produces one token for every sequence of the batch, so this is
    the inter-token latency each sequence sees.
    """
    seconds = 0.0
    steps = 0
    for call in calls:
        if call.first_token is None or call.steps < 2:
            continue
        seconds += call.end - call.first_token
        steps += call.steps - 1
    return seconds / steps if steps else None

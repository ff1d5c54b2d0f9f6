"""Wall-clock timing of a code region: CUDA events on a GPU, ``time.perf_counter`` elsewhere.

CUDA kernels run asynchronously, so a host clock read right after a call
returns measures the launch, not the work. On a CUDA device the timer
therefore synchronizes the device before the region (so earlier work does not
leak in), records a CUDA event at each end and synchronizes again before it
reads the elapsed time between the two events.
"""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass
from typing import Iterator, Literal

import torch

logger = logging.getLogger(__name__)

Clock = Literal["cuda", "cpu"]


@dataclass
class Measurement:
    """Elapsed time of one timed region in seconds; filled when the region exits."""

    seconds: float = 0.0


def select_clock(device: str | torch.device) -> Clock:
    """Return ``cuda`` for a CUDA device when CUDA is available, ``cpu`` for every other device.

    Raises ValueError for a CUDA device on a machine without CUDA, because
    timing that run with a host clock would hide the misconfiguration.
    """
    device_type = torch.device(device).type
    if device_type != "cuda":
        return "cpu"
    if not torch.cuda.is_available():
        raise ValueError(f"Device {str(device)!r} is a CUDA device but CUDA is not available; profile on 'cpu' instead.")
    return "cuda"


class Timer:
    """Times regions on one device with the clock that :func:`select_clock` picks for it."""

    def __init__(self, device: str | torch.device) -> None:
        self.device = torch.device(device)
        self.clock: Clock = select_clock(self.device)

    def synchronize(self) -> None:
        """Wait for the device's queued work; a no-op on CPU."""
        if self.clock == "cuda":
            torch.cuda.synchronize(self.device)

    def now(self) -> float:
        """Return a host timestamp in seconds after the device's queued work has finished."""
        self.synchronize()
        return time.perf_counter()

    @contextlib.contextmanager
    def time(self) -> Iterator[Measurement]:
        """Time the body of a ``with`` block; the yielded measurement holds the seconds after exit."""
        measurement = Measurement()
        if self.clock == "cuda":
            with torch.cuda.device(self.device):
                torch.cuda.synchronize()
                start = torch.cuda.Event(enable_timing=True)
                end = torch.cuda.Event(enable_timing=True)
                start.record()
                try:
                    yield measurement
                finally:
                    end.record()
                    end.synchronize()
                    measurement.seconds = start.elapsed_time(end) / 1000.0
            return

        start_time = time.perf_counter()
        try:
            yield measurement
        finally:
            measurement.seconds = time.perf_counter() - start_time

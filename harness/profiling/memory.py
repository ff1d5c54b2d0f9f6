"""Peak memory of a code region: CUDA allocator peaks and the process's peak resident set size.

CUDA figures come from the caching allocator (``torch.cuda.max_memory_allocated``
and ``max_memory_reserved``) after its peak counters are reset at the start.
The CPU figure is the largest resident set size (RSS) of this process seen by
a background thread that polls it every ``interval`` seconds, plus a reading
at the start and at the end. RSS is read with ``psutil``, or from
``/proc/self/statm`` on Linux where psutil is not installed.
"""

from __future__ import annotations

import logging
import os
import threading
from types import TracebackType
from typing import Callable

import torch

from harness.profiling.records import MemoryRecord

logger = logging.getLogger(__name__)

DEFAULT_POLL_INTERVAL = 0.02


def rss_reader() -> Callable[[], int]:
    """Return a function that reads this process's resident set size in bytes."""
    try:
        import psutil
    except ImportError:
        page_size = os.sysconf("SC_PAGE_SIZE")

        def read_statm() -> int:
            with open("/proc/self/statm", encoding="ascii") as handle:
                return int(handle.read().split()[1]) * page_size

        return read_statm
    process = psutil.Process()
    return lambda: int(process.memory_info().rss)


class _RssPoller(threading.Thread):
    def __init__(self, interval: float) -> None:
        super().__init__(name="harness-rss-poller", daemon=True)
        self.interval = interval
        self.read_rss = rss_reader()
        self.peak = self.read_rss()
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(self.interval):
            self.peak = max(self.peak, self.read_rss())

    def stop(self) -> int:
        self._stop_event.set()
        self.join()
        self.peak = max(self.peak, self.read_rss())
        return self.peak


class MemoryTracker:
    """Context manager that records peak memory on ``device`` and peak RSS of this process.

    NOTE: the RSS peak is sampled, so an allocation freed again within one
    polling interval can be missed; the CUDA peaks are exact.
    """

    def __init__(self, device: str | torch.device, interval: float = DEFAULT_POLL_INTERVAL) -> None:
        if interval <= 0:
            raise ValueError(f"Invalid RSS polling interval {interval!r} s; expected a positive number of seconds.")
        self.device = torch.device(device)
        self.interval = interval
        self.record: MemoryRecord | None = None
        self._poller: _RssPoller | None = None

    @property
    def tracks_cuda(self) -> bool:
        return self.device.type == "cuda" and torch.cuda.is_available()

    def start(self) -> None:
        """Reset the CUDA peak counters and start polling RSS."""
        if self.tracks_cuda:
            torch.cuda.synchronize(self.device)
            torch.cuda.reset_peak_memory_stats(self.device)
        self._poller = _RssPoller(self.interval)
        self._poller.start()

    def stop(self) -> MemoryRecord:
        """Stop polling and return the peaks since :meth:`start`."""
        if self._poller is None:
            raise RuntimeError("MemoryTracker.stop() called before start().")
        allocated = reserved = None
        if self.tracks_cuda:
            torch.cuda.synchronize(self.device)
            allocated = int(torch.cuda.max_memory_allocated(self.device))
            reserved = int(torch.cuda.max_memory_reserved(self.device))
        rss = self._poller.stop()
        self._poller = None
        self.record = MemoryRecord(cuda_max_allocated=allocated, cuda_max_reserved=reserved, cpu_peak_rss=rss)
        return self.record

    def __enter__(self) -> MemoryTracker:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

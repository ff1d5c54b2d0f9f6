"""Peak memory of a code region: CUDA allocator peaks and the process's peak resident set size.

CUDA figures come from the caching allocator (``torch.cuda.max_memory_allocated``
and ``max_memory_reserved``) after its peak counters are reset at the start.
The CPU figure is the peak resident set size (RSS) of this process. On Linux
the kernel tracks it exactly as ``VmHWM`` in ``/proc/self/status``, and
writing ``5`` to ``/proc/self/clear_refs`` resets it (Linux 4.0 and later,
``man 5 proc``), so no thread is needed. Elsewhere a background thread polls
RSS every ``interval`` seconds, with ``psutil`` or ``/proc/self/statm``.
"""

from __future__ import annotations

import logging
import os
import threading
from types import TracebackType
from pathlib import Path
from typing import Callable, Literal

import torch

from harness.profiling.records import MemoryRecord

logger = logging.getLogger(__name__)

DEFAULT_POLL_INTERVAL = 0.02

RssMethod = Literal["auto", "kernel", "poll"]
_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def read_kernel_peak_rss() -> int | None:
    """Return the kernel's peak RSS of this process (``VmHWM``) in bytes, or None where it is not available."""
    try:
        with _STATUS.open(encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def reset_kernel_peak_rss() -> bool:
    """Reset ``VmHWM`` to the current RSS; return False where the kernel does not allow it."""
    if read_kernel_peak_rss() is None:
        return False
    try:
        with _CLEAR_REFS.open("w", encoding="ascii") as handle:
            handle.write("5")
    except OSError:
        return False
    return True


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

    ``method`` picks how the RSS peak is measured: ``kernel`` (exact, Linux
    only), ``poll`` (sampled by a thread) or ``auto`` (kernel where available).

    NOTE: the kernel peak is per process, so two trackers running at the same
    time reset each other's peak. A polled peak can miss an allocation freed
    again within one polling interval. The CUDA peaks are exact.
    """

    def __init__(self, device: str | torch.device, interval: float = DEFAULT_POLL_INTERVAL, method: RssMethod = "auto") -> None:
        if interval <= 0:
            raise ValueError(f"Invalid RSS polling interval {interval!r} s; expected a positive number of seconds.")
        if method not in ("auto", "kernel", "poll"):
            raise ValueError(f"Invalid RSS method {method!r}; expected auto, kernel or poll.")
        self.device = torch.device(device)
        self.interval = interval
        self.method = method
        self.record: MemoryRecord | None = None
        self._poller: _RssPoller | None = None
        self._kernel_peak = False
        self._started = False

    @property
    def tracks_cuda(self) -> bool:
        return self.device.type == "cuda" and torch.cuda.is_available()

    def start(self) -> None:
        """Reset the CUDA peak counters and start polling RSS."""
        if self.tracks_cuda:
            torch.cuda.synchronize(self.device)
            torch.cuda.reset_peak_memory_stats(self.device)
        self._kernel_peak = self.method != "poll" and reset_kernel_peak_rss()
        if self.method == "kernel" and not self._kernel_peak:
            raise RuntimeError("The kernel's peak RSS (VmHWM) cannot be reset here; use method='poll' or 'auto'.")
        if not self._kernel_peak:
            self._poller = _RssPoller(self.interval)
            self._poller.start()
        self._started = True

    def stop(self) -> MemoryRecord:
        """Stop measuring and return the peaks since :meth:`start`."""
        if not self._started:
            raise RuntimeError("MemoryTracker.stop() called before start().")
        allocated = reserved = None
        if self.tracks_cuda:
            torch.cuda.synchronize(self.device)
            allocated = int(torch.cuda.max_memory_allocated(self.device))
            reserved = int(torch.cuda.max_memory_reserved(self.device))
        if self._poller is not None:
            rss = self._poller.stop()
            self._poller = None
        else:
            rss = read_kernel_peak_rss() or 0
        self._started = False
        self.record = MemoryRecord(cuda_max_allocated=allocated, cuda_max_reserved=reserved, cpu_peak_rss=rss)
        return self.record

    def __enter__(self) -> MemoryTracker:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

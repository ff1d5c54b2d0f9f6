"""Throughput, latency, memory and FLOP-utilization measurement of models on tasks.

Public entry points:

* :class:`~harness.profiling.timing.Timer`: times a region with CUDA events on
  a GPU and ``time.perf_counter`` elsewhere.
* :class:`~harness.profiling.memory.MemoryTracker`: peak CUDA memory and peak RSS.
* :class:`~harness.profiling.profile.Profile` and the records of
  :mod:`harness.profiling.records`: typed figures that aggregate and render.
* :class:`~harness.profiling.run_profiler.RunProfiler`: the profiler of
  ``harness run --profile``.
* :func:`~harness.profiling.sweep.run_sweep`: the settings sweep of ``harness profile``.
"""

from harness.profiling.memory import MemoryTracker
from harness.profiling.profile import BatchMeasurement, Profile
from harness.profiling.records import LatencyRecord, MemoryRecord, ThroughputRecord, UtilizationRecord, percentile
from harness.profiling.timing import Timer, select_clock

__all__ = [
    "BatchMeasurement",
    "LatencyRecord",
    "MemoryRecord",
    "MemoryTracker",
    "Profile",
    "ThroughputRecord",
    "Timer",
    "UtilizationRecord",
    "percentile",
    "select_clock",
]

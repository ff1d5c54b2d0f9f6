"""Typed records of profiling figures: latency, throughput, memory and FLOP utilization.

Each record keeps the raw values it needs to aggregate correctly (per-call
durations, summed amounts and seconds, peak bytes, summed FLOPs), builds its
summary figures from them, merges with records of other batches or other
processes, and renders itself through :mod:`harness.profiling.render`.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from harness.profiling.render import Format, render_mapping

logger = logging.getLogger(__name__)

PERCENTILES = (50, 90, 99)
MIB = 2**20


def percentile(values: Sequence[float], q: float) -> float | None:
    """Return the ``q``-th percentile (0-100) with linear interpolation between ranks; None for no values.

    The interpolation is numpy's default ("linear", Hyndman and Fan type 7).
    """
    if not len(values):
        return None
    return float(np.percentile(np.asarray(values, dtype=np.float64), q))


@dataclass
class LatencyRecord:
    """Durations of repeated calls in seconds, one value per call (a batch, a first token ...)."""

    values: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        negative = [value for value in self.values if value < 0]
        if negative:
            raise ValueError(
                f"Negative latency {negative[0]!r} s: the clock was read out of order; "
                "time regions with harness.profiling.timing.Timer, which synchronizes the device."
            )

    def add(self, seconds: float) -> None:
        """Append one call's duration in seconds."""
        if seconds < 0:
            raise ValueError(f"Negative latency {seconds!r} s: the clock was read out of order.")
        self.values.append(seconds)

    @property
    def count(self) -> int:
        return len(self.values)

    @property
    def total(self) -> float:
        return float(sum(self.values))

    @property
    def mean(self) -> float | None:
        return self.total / self.count if self.values else None

    @property
    def stdev(self) -> float | None:
        """Sample standard deviation (ddof=1); None for fewer than two values."""
        return float(np.std(self.values, ddof=1)) if self.count > 1 else None

    def percentile(self, q: float) -> float | None:
        return percentile(self.values, q)

    @classmethod
    def aggregate(cls, records: Sequence[LatencyRecord]) -> LatencyRecord:
        """Pool the calls of several records (batches, processes) into one distribution."""
        return cls([value for record in records for value in record.values])

    def summary(self) -> dict[str, float | int | None]:
        """Count, mean, standard deviation, min, p50, p90, p99 and max, in seconds."""
        figures: dict[str, float | int | None] = {
            "count": self.count,
            "mean_s": self.mean,
            "stdev_s": self.stdev,
            "min_s": min(self.values) if self.values else None,
        }
        for q in PERCENTILES:
            figures[f"p{q}_s"] = self.percentile(q)
        figures["max_s"] = max(self.values) if self.values else None
        return figures

    def render(self, fmt: Format = "text") -> str:
        return render_mapping(self.summary(), fmt)


@dataclass
class ThroughputRecord:
    """An amount processed (samples, tokens, audio seconds) over the seconds spent on it.

    ``value`` is ``amount / seconds``. With ``unit="audio_seconds"`` the value
    is the inverse real-time factor (RTFx): seconds of audio transcribed per
    second of processing.
    """

    unit: str
    amount: float = 0.0
    seconds: float = 0.0

    def add(self, amount: float, seconds: float) -> None:
        """Add one call's amount and duration in seconds."""
        if seconds < 0 or amount < 0:
            raise ValueError(f"Invalid throughput sample: amount {amount!r} {self.unit} in {seconds!r} s must not be negative.")
        self.amount += amount
        self.seconds += seconds

    @property
    def value(self) -> float | None:
        """Amount per second; None when no time was measured."""
        return self.amount / self.seconds if self.seconds > 0 else None

    @classmethod
    def aggregate(cls, records: Sequence[ThroughputRecord], concurrent: bool = False) -> ThroughputRecord:
        """Sum the amounts; sum the seconds for consecutive batches, take the longest for concurrent processes.

        Processes that run side by side share the wall clock, so their joint
        throughput is the total amount over the slowest process's seconds.
        """
        if not records:
            raise ValueError("Cannot aggregate an empty list of throughput records.")
        units = {record.unit for record in records}
        if len(units) != 1:
            raise ValueError(f"Cannot aggregate throughputs of different units: {sorted(units)}.")
        seconds = [record.seconds for record in records]
        return cls(
            unit=records[0].unit,
            amount=float(sum(record.amount for record in records)),
            seconds=float(max(seconds) if concurrent else sum(seconds)),
        )

    def summary(self) -> dict[str, float | str | None]:
        return {"value": self.value, "unit": f"{self.unit}/s", "amount": self.amount, "seconds": self.seconds}

    def render(self, fmt: Format = "text") -> str:
        return render_mapping(self.summary(), fmt)


@dataclass
class MemoryRecord:
    """Peak memory in bytes; None for a figure that was not measured (no CUDA device, for example)."""

    cuda_max_allocated: int | None = None
    cuda_max_reserved: int | None = None
    cpu_peak_rss: int | None = None

    @classmethod
    def aggregate(cls, records: Sequence[MemoryRecord]) -> MemoryRecord:
        """Take the largest peak of each figure: the memory the most demanding batch or process needed."""

        def largest(values: list[int | None]) -> int | None:
            present = [value for value in values if value is not None]
            return max(present) if present else None

        return cls(
            cuda_max_allocated=largest([record.cuda_max_allocated for record in records]),
            cuda_max_reserved=largest([record.cuda_max_reserved for record in records]),
            cpu_peak_rss=largest([record.cpu_peak_rss for record in records]),
        )

    def summary(self) -> dict[str, float | None]:
        """Peaks in MiB."""

        def mebibytes(value: int | None) -> float | None:
            return None if value is None else value / MIB

        return {
            "cuda_max_allocated_mib": mebibytes(self.cuda_max_allocated),
            "cuda_max_reserved_mib": mebibytes(self.cuda_max_reserved),
            "cpu_peak_rss_mib": mebibytes(self.cpu_peak_rss),
        }

    def render(self, fmt: Format = "text") -> str:
        return render_mapping(self.summary(), fmt)


@dataclass
class UtilizationRecord:
    """Estimated model FLOPs over measured seconds, against the device's peak FLOP/s for the dtype.

    ``flops`` is an estimate (see :mod:`harness.profiling.flops`) and None when
    no estimate exists for the model. ``peak_flops`` comes from
    :mod:`harness.profiling.accelerators` and is None on CPUs and on
    accelerators missing from that table, in which case MFU is None.
    """

    flops: float | None = None
    seconds: float = 0.0
    peak_flops: float | None = None
    device_name: str | None = None
    dtype: str | None = None

    @property
    def achieved_flops(self) -> float | None:
        """Achieved FLOP/s."""
        if self.flops is None or self.seconds <= 0:
            return None
        return self.flops / self.seconds

    @property
    def mfu(self) -> float | None:
        """Model FLOPs utilization: achieved FLOP/s over peak FLOP/s, a fraction in [0, 1] when the estimate holds."""
        achieved = self.achieved_flops
        if achieved is None or not self.peak_flops:
            return None
        return achieved / self.peak_flops

    @classmethod
    def aggregate(cls, records: Sequence[UtilizationRecord], concurrent: bool = False) -> UtilizationRecord:
        """Sum FLOPs; sum seconds for consecutive batches, take the longest for concurrent processes.

        Concurrent processes on N devices have N times the peak, so the peak is
        summed in that case; MFU stays a per-device fraction.
        """
        if not records:
            raise ValueError("Cannot aggregate an empty list of utilization records.")
        flops = None if any(record.flops is None for record in records) else float(sum(record.flops or 0.0 for record in records))
        seconds = [record.seconds for record in records]
        peaks = [record.peak_flops for record in records]
        if any(peak is None for peak in peaks):
            peak = None
        elif concurrent:
            peak = float(sum(peaks))  # type: ignore[arg-type]
        elif len(set(peaks)) == 1:
            peak = peaks[0]
        else:
            raise ValueError(f"Cannot aggregate consecutive batches measured against different peaks: {sorted(set(peaks))}.")
        names = {record.device_name for record in records}
        dtypes = {record.dtype for record in records}
        return cls(
            flops=flops,
            seconds=float(max(seconds) if concurrent else sum(seconds)),
            peak_flops=peak,
            device_name=names.pop() if len(names) == 1 else ", ".join(sorted(str(name) for name in names)),
            dtype=dtypes.pop() if len(dtypes) == 1 else None,
        )

    def summary(self) -> dict[str, float | str | None]:
        return {
            "flops": self.flops,
            "achieved_tflops": None if self.achieved_flops is None else self.achieved_flops / 1e12,
            "peak_tflops": None if self.peak_flops is None else self.peak_flops / 1e12,
            "mfu": self.mfu,
            "device": self.device_name,
            "dtype": self.dtype,
        }

    def render(self, fmt: Format = "text") -> str:
        return render_mapping(self.summary(), fmt)


def finite_or_none(value: float | None) -> float | None:
    """Return None for None, NaN and infinities so that JSON output stays valid."""
    if value is None or not math.isfinite(value):
        return None
    return value


def rounded(values: dict[str, Any], digits: int = 6) -> dict[str, Any]:
    """Round the float values of a summary to ``digits`` significant digits for results files."""
    output: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, float):
            value = finite_or_none(value)
            output[key] = None if value is None else float(f"{value:.{digits}g}")
        else:
            output[key] = value
    return output

"""Speed figures (throughput, latency, peak memory) read from a task's ``profile`` record.

``harness run --profile`` stores nested dicts in ``TaskRecord.profile``
(see :meth:`harness.profiling.profile.Profile.to_dict`): samples/s under
``throughput.samples_per_s``, batch latency percentiles in seconds under
``latency.p50_s``, peak memory in MiB under ``memory.cuda_max_allocated_mib``
and ``memory.cpu_peak_rss_mib``. Those keys are read first. Other profile
layouts fall back to a search by key name, with the unit taken from the key's
suffix.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Mapping


@dataclass(frozen=True)
class SpeedFigures:
    """Headline speed figures of one task run; None where the profile has no such figure."""

    samples_per_second: float | None = None
    latency_p50_ms: float | None = None
    peak_memory_mib: float | None = None

    def is_empty(self) -> bool:
        return self.samples_per_second is None and self.latency_p50_ms is None and self.peak_memory_mib is None


# Patterns on flattened, lower-case keys, tried in order; the first match wins.
# The first pattern of each list is the exact key the harness profiler writes.
_THROUGHPUT_PATTERNS = (
    r"^throughput\.samples_per_s$",
    r"(^|\.)samples_per_s(ec(ond)?)?$",
    r"(^|\.)samples_per_s(ec(ond)?)?\.(mean|value|total)$",
    r"throughput.*samples",
    r"(^|\.)throughput$",
)
_LATENCY_PATTERNS = (
    r"^latency\.p50_s$",
    r"latency.*(p50|median)",
    r"(p50|median).*latency",
)
# On a GPU the CUDA allocator peak is the figure that limits batch sizes, so it
# comes before the process's CPU peak RSS.
_MEMORY_PATTERNS = (
    r"^memory\.cuda_max_allocated_mib$",
    r"^memory\.cpu_peak_rss_mib$",
    r"peak.*(allocated|memory|rss)",
    r"(max_allocated|max_memory_allocated)",
    r"(memory|rss).*peak",
    r"peak_rss",
)

_LATENCY_UNITS = {"ms": 1.0, "milliseconds": 1.0, "s": 1000.0, "sec": 1000.0, "seconds": 1000.0, "us": 1e-3}
_MEMORY_UNITS = {
    "bytes": 1 / 2**20,
    "b": 1 / 2**20,
    "kb": 1 / 2**10,
    "kib": 1 / 2**10,
    "mb": 1.0,
    "mib": 1.0,
    "gb": 2**10,
    "gib": 2**10,
}


def flatten_numbers(record: Mapping[str, Any], prefix: str = "") -> dict[str, float]:
    """Return every finite number in a nested dict, keyed by its dotted, lower-case path."""
    flat: dict[str, float] = {}
    for key, value in record.items():
        path = f"{prefix}.{key}".lower() if prefix else str(key).lower()
        if isinstance(value, Mapping):
            flat.update(flatten_numbers(value, path))
        elif isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            flat[path] = float(value)
    return flat


def _find(flat: Mapping[str, float], patterns: tuple[str, ...]) -> tuple[str, float] | None:
    for pattern in patterns:
        for key, value in flat.items():
            if re.search(pattern, key):
                return key, value
    return None


def _unit_factor(key: str, units: Mapping[str, float], default: float) -> float:
    """Return the factor that converts the figure under ``key`` to the table's unit, from the key's suffix.

    A unit may also be given as the last key part (``latency.p50.ms``).
    """
    parts = re.split(r"[._]", key)
    for part in reversed(parts[-2:]):
        if part in units:
            return units[part]
    return default


def speed_figures(profile: Mapping[str, Any] | None) -> SpeedFigures:
    """Extract samples/s, p50 batch latency in ms and peak memory in MiB from a profile record.

    Peak memory is the CUDA max allocated memory when the profile has it,
    else the CPU peak RSS.
    A latency key without a unit suffix is taken as seconds, and a memory key
    without one as bytes. Returns empty figures for a missing profile.
    """
    if not profile:
        return SpeedFigures()
    flat = flatten_numbers(profile)

    throughput = _find(flat, _THROUGHPUT_PATTERNS)
    latency = _find(flat, _LATENCY_PATTERNS)
    memory = _find(flat, _MEMORY_PATTERNS)

    return SpeedFigures(
        samples_per_second=throughput[1] if throughput else None,
        latency_p50_ms=latency[1] * _unit_factor(latency[0], _LATENCY_UNITS, 1000.0) if latency else None,
        peak_memory_mib=memory[1] * _unit_factor(memory[0], _MEMORY_UNITS, 1 / 2**20) if memory else None,
    )

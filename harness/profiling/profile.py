"""The profile of one model on one task: every figure of its measured batches in one record."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Sequence

from harness.profiling.records import LatencyRecord, MemoryRecord, ThroughputRecord, UtilizationRecord, rounded
from harness.profiling.render import Format, render_mapping

logger = logging.getLogger(__name__)


@dataclass
class BatchMeasurement:
    """Figures of one measured ``predict`` call.

    Times are in seconds. ``first_token`` and ``time_per_output_token`` are
    None for models that do not generate through ``transformers``;
    ``flops`` is None when no FLOP estimate exists for the model.
    """

    examples: int
    seconds: float
    input_tokens: int = 0
    output_tokens: int = 0
    audio_seconds: float = 0.0
    first_token: float | None = None
    time_per_output_token: float | None = None
    flops: float | None = None
    preprocess_seconds: float | None = None
    generate_seconds: float | None = None
    decode_seconds: float | None = None


@dataclass
class Profile:
    """Throughput, latency, memory and utilization of one model on one task at one setting.

    Latencies are per ``predict`` call (one batch). ``settings`` records what
    was measured (device, dtype, batch size, attention implementation).
    """

    settings: dict[str, Any] = field(default_factory=dict)
    latency: LatencyRecord = field(default_factory=LatencyRecord)
    time_to_first_token: LatencyRecord = field(default_factory=LatencyRecord)
    time_per_output_token: LatencyRecord = field(default_factory=LatencyRecord)
    samples: ThroughputRecord = field(default_factory=lambda: ThroughputRecord("samples"))
    input_tokens: ThroughputRecord = field(default_factory=lambda: ThroughputRecord("input_tokens"))
    output_tokens: ThroughputRecord = field(default_factory=lambda: ThroughputRecord("output_tokens"))
    audio: ThroughputRecord = field(default_factory=lambda: ThroughputRecord("audio_seconds"))
    memory: MemoryRecord = field(default_factory=MemoryRecord)
    utilization: UtilizationRecord = field(default_factory=UtilizationRecord)
    phases: dict[str, float] = field(default_factory=dict)
    processes: int = 1

    def add_batch(self, batch: BatchMeasurement) -> None:
        """Add one measured batch to every figure."""
        self.latency.add(batch.seconds)
        self.samples.add(batch.examples, batch.seconds)
        self.input_tokens.add(batch.input_tokens, batch.seconds)
        self.output_tokens.add(batch.output_tokens, batch.seconds)
        self.audio.add(batch.audio_seconds, batch.seconds)
        if batch.first_token is not None:
            self.time_to_first_token.add(batch.first_token)
        if batch.time_per_output_token is not None:
            self.time_per_output_token.add(batch.time_per_output_token)

        utilization = self.utilization
        if self.latency.count == 1:
            utilization.flops = batch.flops
        elif utilization.flops is not None:
            utilization.flops = None if batch.flops is None else utilization.flops + batch.flops
        utilization.seconds += batch.seconds

        for phase, seconds in (
            ("preprocess", batch.preprocess_seconds),
            ("generate", batch.generate_seconds),
            ("decode", batch.decode_seconds),
        ):
            if seconds is not None:
                self.phases[phase] = self.phases.get(phase, 0.0) + seconds

    @property
    def rtfx(self) -> float | None:
        """Inverse real-time factor: audio seconds per processing second; None without audio."""
        return self.audio.value if self.audio.amount > 0 else None

    @classmethod
    def aggregate(cls, profiles: Sequence[Profile]) -> Profile:
        """Merge the profiles of processes that ran side by side on parts of the same task.

        Latency distributions are pooled, amounts summed over the slowest
        process's seconds, memory peaks maximized and phase times maximized
        (the slowest process bounds the wall time).
        """
        if not profiles:
            raise ValueError("Cannot aggregate an empty list of profiles.")
        if len(profiles) == 1:
            return profiles[0]
        phases: dict[str, float] = {}
        for profile in profiles:
            for phase, seconds in profile.phases.items():
                phases[phase] = max(phases.get(phase, 0.0), seconds)
        return cls(
            settings=dict(profiles[0].settings),
            latency=LatencyRecord.aggregate([profile.latency for profile in profiles]),
            time_to_first_token=LatencyRecord.aggregate([profile.time_to_first_token for profile in profiles]),
            time_per_output_token=LatencyRecord.aggregate([profile.time_per_output_token for profile in profiles]),
            samples=ThroughputRecord.aggregate([profile.samples for profile in profiles], concurrent=True),
            input_tokens=ThroughputRecord.aggregate([profile.input_tokens for profile in profiles], concurrent=True),
            output_tokens=ThroughputRecord.aggregate([profile.output_tokens for profile in profiles], concurrent=True),
            audio=ThroughputRecord.aggregate([profile.audio for profile in profiles], concurrent=True),
            memory=MemoryRecord.aggregate([profile.memory for profile in profiles]),
            utilization=UtilizationRecord.aggregate([profile.utilization for profile in profiles], concurrent=True),
            phases=phases,
            processes=sum(profile.processes for profile in profiles),
        )

    def summary_row(self) -> dict[str, Any]:
        """One flat row for sweep tables: settings, then throughput, latency (ms), memory (MiB) and MFU."""
        row: dict[str, Any] = dict(self.settings)
        row["batches"] = self.latency.count
        row["samples/s"] = self.samples.value
        row["in tok/s"] = self.input_tokens.value
        row["out tok/s"] = self.output_tokens.value
        for q in (50, 90, 99):
            value = self.latency.percentile(q)
            row[f"p{q} ms"] = None if value is None else value * 1000
        ttft = self.time_to_first_token.percentile(50)
        tpot = self.time_per_output_token.percentile(50)
        row["TTFT p50 ms"] = None if ttft is None else ttft * 1000
        row["TPOT p50 ms"] = None if tpot is None else tpot * 1000
        row["RTFx"] = self.rtfx
        memory = self.memory.summary()
        row["CUDA alloc MiB"] = memory["cuda_max_allocated_mib"]
        row["CUDA reserved MiB"] = memory["cuda_max_reserved_mib"]
        row["RSS MiB"] = memory["cpu_peak_rss_mib"]
        row["MFU"] = self.utilization.mfu
        return row

    def to_dict(self) -> dict[str, Any]:
        """The profile as JSON-able figures; times in seconds, memory in MiB, throughput per second."""
        return {
            "settings": dict(self.settings),
            "processes": self.processes,
            "batches": self.latency.count,
            "samples": int(self.samples.amount),
            "throughput": rounded(
                {
                    "samples_per_s": self.samples.value,
                    "input_tokens_per_s": self.input_tokens.value,
                    "output_tokens_per_s": self.output_tokens.value,
                }
            ),
            "tokens": {"input": int(self.input_tokens.amount), "output": int(self.output_tokens.amount)},
            "rtfx": rounded({"rtfx": self.rtfx})["rtfx"],
            "audio_seconds": round(self.audio.amount, 3),
            "latency": rounded(self.latency.summary()),
            "time_to_first_token": rounded(self.time_to_first_token.summary()),
            "time_per_output_token": rounded(self.time_per_output_token.summary()),
            "memory": rounded(self.memory.summary()),
            "utilization": rounded(self.utilization.summary()),
            "phases": rounded({f"{phase}_s": seconds for phase, seconds in self.phases.items()}),
        }

    def render(self, fmt: Format = "text") -> str:
        return render_mapping(self.summary_row(), fmt)

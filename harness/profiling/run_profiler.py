"""Profiler of ``harness run --profile``: figures of every batch of a real evaluation run.

:class:`RunProfiler` implements the runner's ``BatchProfiler`` protocol. The
runner calls :meth:`RunProfiler.start_task` once per task, wraps every
``predict`` call in :meth:`RunProfiler.measure`, and stores the dictionary
that :meth:`RunProfiler.finish_task` returns in ``TaskRecord.profile`` of
``results.json``.
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING, Any, Iterator, Sequence

import torch

from harness.environment import hardware_info
from harness.profiling.accelerators import peak_flops
from harness.profiling.distributed import gather_records
from harness.profiling.flops import FlopEstimator
from harness.profiling.generation import GenerationTimer, first_token_latency, generation_modules, time_per_output_token
from harness.profiling.memory import DEFAULT_POLL_INTERVAL, MemoryTracker
from harness.profiling.profile import BatchMeasurement, Profile
from harness.profiling.timing import Timer

if TYPE_CHECKING:
    from harness.models.base import Model
    from harness.tasks.task import Example, Task

logger = logging.getLogger(__name__)


def _flop_estimator(model: Model) -> FlopEstimator | None:
    for module in generation_modules(model):
        estimator = FlopEstimator.for_model(module)
        if estimator is not None:
            return estimator
    return None


class RunProfiler:
    """Measures each batch of a task: latency, throughput, first-token timing, memory and MFU.

    One instance serves the tasks of one run in turn. ``poll_interval`` is
    the RSS polling period in seconds.
    """

    def __init__(self, poll_interval: float = DEFAULT_POLL_INTERVAL) -> None:
        self.poll_interval = poll_interval
        self.profile: Profile | None = None
        self._model: Model | None = None
        self._timer: Timer | None = None
        self._generation: GenerationTimer | None = None
        self._memory: MemoryTracker | None = None
        self._estimator: FlopEstimator | None = None
        self._num_beams = 1

    def start_task(self, task: Task, model: Model, batch_size: int, **settings: Any) -> None:
        """Start profiling ``model`` on ``task``; ``settings`` are extra labels stored with the profile."""
        device = (model.info.device or "cpu") if model.is_neural else "cpu"
        self._model = model
        self._timer = Timer(device)
        self._generation = GenerationTimer(self._timer)
        self._generation.attach(model)
        self._estimator = _flop_estimator(model)
        self._num_beams = task.config.generation.num_beams

        dtype = model.info.dtype or "float32"
        peak, device_name = peak_flops(device, dtype)
        self.profile = Profile(
            settings={
                "model": model.info.name,
                "task": task.name,
                "device": device,
                "dtype": model.info.dtype,
                "batch_size": batch_size,
                "clock": self._timer.clock,
                **settings,
            }
        )
        self.profile.utilization.peak_flops = peak
        self.profile.utilization.device_name = device_name
        self.profile.utilization.dtype = model.info.dtype

        self._memory = MemoryTracker(device, self.poll_interval)
        self._memory.start()

    @contextlib.contextmanager
    def measure(self, examples: Sequence[Example]) -> Iterator[None]:
        """Time one ``predict`` call on ``examples``; a call that raises is not recorded."""
        if self.profile is None or self._timer is None or self._generation is None or self._model is None:
            raise RuntimeError("RunProfiler.measure() called before start_task().")
        self._generation.take_calls()
        start = self._timer.now()
        with self._timer.time() as measurement:
            yield
        end = self._timer.now()
        self.profile.add_batch(self._batch_measurement(len(examples), measurement.seconds, start, end))

    def _batch_measurement(self, examples: int, seconds: float, start: float, end: float) -> BatchMeasurement:
        assert self._generation is not None and self._model is not None
        stats = self._model.last_batch_stats
        calls = self._generation.take_calls()
        flops = None
        if self._estimator is not None:
            flops = self._estimator.estimate(
                examples=examples,
                input_tokens=stats.input_tokens,
                output_tokens=stats.output_tokens,
                num_beams=self._num_beams,
            )
        batch = BatchMeasurement(
            examples=examples,
            seconds=seconds,
            input_tokens=stats.input_tokens,
            output_tokens=stats.output_tokens,
            audio_seconds=stats.audio_seconds,
            flops=flops,
        )
        if calls:
            batch.first_token = first_token_latency(calls, start)
            batch.time_per_output_token = time_per_output_token(calls)
            batch.generate_seconds = sum(call.end - call.start for call in calls)
            batch.preprocess_seconds = max(0.0, calls[0].start - start)
            batch.decode_seconds = max(0.0, end - calls[-1].end)
        return batch

    def finish_profile(self, phases: dict[str, float] | None = None) -> Profile:
        """Stop measuring the current task and return its profile, merged across processes."""
        if self.profile is None or self._memory is None or self._generation is None:
            raise RuntimeError("RunProfiler.finish_profile() called before start_task().")
        profile = self.profile
        profile.memory = self._memory.stop()
        self._generation.detach()
        measured = profile.latency.total
        for phase, seconds in (phases or {}).items():
            profile.phases[phase] = seconds
        if phases and "predict" in phases:
            profile.phases["predict_outside_model"] = max(0.0, phases["predict"] - measured)
        self.profile = None
        self._model = None
        return Profile.aggregate(gather_records(profile))

    def finish_task(self, phases: dict[str, float]) -> dict[str, Any]:
        """Stop measuring the current task and return its profile for ``TaskRecord.profile``.

        ``phases`` are the runner's wall times in seconds (``data_load``,
        ``predict``, ``score``). The profile adds the split of the measured
        ``predict`` calls into ``preprocess`` (before the first ``generate``),
        ``generate`` and ``decode`` (after the last ``generate``) where the
        model generates through ``transformers``, and ``predict_outside_model``:
        time of the predict phase spent outside ``predict`` calls (batching,
        sample logging).
        """
        profile = self.finish_profile(phases)
        hardware = hardware_info()
        record = profile.to_dict()
        record["hardware_fingerprint"] = hardware.fingerprint
        record["gpus"] = list(hardware.gpus)
        record["torch_float32_matmul_precision"] = torch.get_float32_matmul_precision()
        return record

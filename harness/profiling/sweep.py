"""The settings sweep of ``harness profile``: one profile per batch size, dtype and attention implementation.

For each setting the model runs ``warmup`` batches that are not measured,
then measured batches until at least ``iterations`` batches and at least
``min_duration`` measured seconds are done. Batches cycle through the task's
length-sorted batch plan (the same plan ``harness run`` uses), longest first,
so a short sweep measures the longest inputs.
"""

from __future__ import annotations

import datetime as dt
import gc
import itertools
import json
import logging
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Iterator

import torch

from harness.environment import hardware_info, package_versions, resolve_device
from harness.errors import HarnessError
from harness.models.base import LoadOptions, Model
from harness.models.registry import load_model
from harness.profiling.profile import Profile
from harness.profiling.run_profiler import RunProfiler
from harness.runner.batching import plan_batches
from harness.runner.runner import slugify
from harness.tasks.catalog import get_task
from harness.tasks.task import Example, Task

logger = logging.getLogger(__name__)


def _help(text: str, **extra: Any) -> dict[str, Any]:
    return {"help": text, **extra}


@dataclass
class ProfileConfig:
    """Settings of one ``harness profile`` sweep; each field is one command-line option."""

    model: str = field(metadata=_help("Model name: a registered name or hf:<hub id or folder>."))
    task: str = field(metadata=_help("Task name or task file path."))
    batch_sizes: list[int] = field(default_factory=lambda: [1, 8], metadata=_help("Comma-separated batch sizes to sweep."))
    dtypes: list[str] = field(
        default_factory=lambda: ["auto"],
        metadata=_help("Comma-separated parameter dtypes to sweep: auto, float32, bfloat16, float16.", flag="--dtype"),
    )
    attn_implementations: list[str] = field(
        default_factory=lambda: ["default"],
        metadata=_help(
            "Comma-separated attention implementations passed to transformers (eager, sdpa, flash_attention_2 ...); "
            "'default' lets transformers choose.",
            flag="--attn-implementation",
        ),
    )
    warmup: int = field(default=2, metadata=_help("Batches run before measuring each setting; not measured."))
    iterations: int = field(default=5, metadata=_help("Minimum number of measured batches per setting."))
    min_duration: float = field(default=0.0, metadata=_help("Minimum measured seconds per setting."))
    device: str = field(default="auto", metadata=_help("auto, cpu, cuda, cuda:<index> or mps."))
    limit: int | None = field(default=None, metadata=_help("Use only the first N examples of the task."))
    max_new_tokens: int | None = field(default=None, metadata=_help("Override the task's maximum number of generated tokens."))
    random_weights: bool = field(default=False, metadata=_help("Build the model from its config with random weights."))
    seed: int = field(default=1234, metadata=_help("Random seed for weights and generation."))
    trust_remote_code: bool = field(default=False, metadata=_help("Allow checkpoints to run their own Python code."))
    revision: str | None = field(default=None, metadata=_help("Hub revision (branch, tag or commit) of the model."))
    output_dir: Path = field(default=Path("profiles"), metadata=_help("Folder for the JSON file of the sweep."))

    def __post_init__(self) -> None:
        if self.warmup < 0:
            raise HarnessError(f"Invalid --warmup {self.warmup}: expected 0 or more batches.")
        if self.iterations < 1:
            raise HarnessError(f"Invalid --iterations {self.iterations}: expected at least 1 measured batch.")
        if self.min_duration < 0:
            raise HarnessError(f"Invalid --min-duration {self.min_duration}: expected 0 or more seconds.")
        if not self.batch_sizes or any(size < 1 for size in self.batch_sizes):
            raise HarnessError(f"Invalid --batch-sizes {self.batch_sizes}: expected positive integers such as 1,8,32.")

    @classmethod
    def option_fields(cls) -> list[Any]:
        """Return the dataclass fields, each with its ``help`` metadata, in declaration order."""
        return list(fields(cls))


@dataclass(frozen=True)
class Setting:
    """One point of the sweep."""

    batch_size: int
    dtype: str
    attn_implementation: str | None


def settings(config: ProfileConfig) -> list[Setting]:
    """Return the cartesian product of the swept values, batch size varying fastest."""
    attns = [None if value == "default" else value for value in config.attn_implementations]
    return [
        Setting(batch_size, dtype, attn)
        for dtype, attn, batch_size in itertools.product(config.dtypes, attns, config.batch_sizes)
    ]


def _load(config: ProfileConfig, device: str, dtype: str, attn: str | None) -> Model:
    options = LoadOptions(
        device=device,
        dtype=dtype,
        trust_remote_code=config.trust_remote_code,
        revision=config.revision,
        random_weights=config.random_weights,
        seed=config.seed,
        attn_implementation=attn,
    )
    return load_model(config.model, options)


def profile_setting(
    config: ProfileConfig, model: Model, task: Task, examples: list[Example], lengths: list[float], setting: Setting
) -> Profile:
    """Warm up, then measure batches of ``setting.batch_size`` until the iteration and duration minimums are met."""
    if setting.batch_size > len(examples):
        raise HarnessError(
            f"Batch size {setting.batch_size} is larger than the {len(examples)} examples of task {task.name}; "
            "lower --batch-sizes or raise --limit."
        )
    generation = task.config.generation
    if config.max_new_tokens is not None:
        generation = generation.model_copy(update={"max_new_tokens": config.max_new_tokens})
    plan = plan_batches(range(len(examples)), lambda index: lengths[index], setting.batch_size)
    batches: Iterator[list[Example]] = itertools.cycle([[examples[index] for index in indices] for indices in plan])

    profiler = RunProfiler()
    profiler.start_task(
        task,
        model,
        setting.batch_size,
        dtype_requested=setting.dtype,
        attn_implementation=setting.attn_implementation or "default",
    )
    torch.manual_seed(config.seed)
    for _ in range(config.warmup):
        model.predict(next(batches), task, generation)

    iterations = 0
    measured = 0.0
    while iterations < config.iterations or measured < config.min_duration:
        batch = next(batches)
        with profiler.measure(batch):
            model.predict(batch, task, generation)
        iterations += 1
        measured = profiler.profile.latency.total if profiler.profile is not None else measured
    return profiler.finish_profile()


def run_sweep(config: ProfileConfig) -> Iterator[Profile]:
    """Yield one profile per setting; the model is loaded once per dtype and attention implementation."""
    task = get_task(config.task)
    examples = task.examples(limit=config.limit)
    device = resolve_device(config.device)
    for (dtype, attn), group in itertools.groupby(settings(config), key=lambda item: (item.dtype, item.attn_implementation)):
        model = _load(config, device, dtype, attn)
        model.prepare(task, examples)
        lengths = [model.input_length(example, task) for example in examples]
        for setting in group:
            logger.info("Profiling %s on %s at %s", config.model, task.name, setting)
            yield profile_setting(config, model, task, examples, lengths, setting)
        del model
        gc.collect()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()


def write_sweep(config: ProfileConfig, profiles: list[Profile]) -> Path:
    """Write the sweep's configuration, hardware and profiles to a new JSON file in ``config.output_dir``."""
    now = dt.datetime.now(dt.timezone.utc)
    config.output_dir.mkdir(parents=True, exist_ok=True)
    path = config.output_dir / f"profile_{slugify(config.model)}_{slugify(config.task)}_{now:%Y%m%dT%H%M%SZ}.json"
    document = {
        "config": {**asdict(config), "output_dir": str(config.output_dir)},
        "timestamp": now.isoformat(timespec="seconds"),
        "hardware": hardware_info().model_dump(),
        "packages": package_versions(),
        "torch_float32_matmul_precision": torch.get_float32_matmul_precision(),
        "profiles": [profile.to_dict() for profile in profiles],
    }
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return path

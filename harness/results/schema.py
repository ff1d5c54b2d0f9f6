"""Typed schema of ``results.json``, the record of one model run over one or more tasks.

Every field carries its meaning in ``description``. :func:`harness.results.io.load_run`
validates a file against this schema on read. ``SCHEMA_VERSION`` changes when
a field changes meaning or is removed.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GitInfo(_Record):
    """Source revision of the harness that wrote the file."""

    revision: str | None = Field(default=None, description="Git commit of the harness checkout; None outside a checkout.")
    dirty: bool | None = Field(default=None, description="True when the checkout had uncommitted changes.")


class HardwareInfo(_Record):
    """Machine the run executed on."""

    platform: str = Field(description="Operating system and release, from platform.platform().")
    python: str = Field(description="Python version.")
    cpu: str = Field(description="CPU model name.")
    cpu_count: int = Field(description="Logical CPU count.")
    memory_gb: float = Field(description="Total system memory in GiB.")
    gpus: list[str] = Field(default_factory=list, description="Names of the visible CUDA devices.")
    gpu_driver: str | None = Field(default=None, description="NVIDIA driver version, when a GPU is present.")
    cuda: str | None = Field(default=None, description="CUDA version torch was built with, when a GPU is present.")
    fingerprint: str = Field(description="Short hash of CPU, GPU names and driver; speed is only compared between equal fingerprints.")


class ModelRecord(_Record):
    """The model that produced the outputs."""

    name: str = Field(description="Model name as given on the command line.")
    adapter: str = Field(description="Registered adapter that ran it.")
    source: str | None = Field(default=None, description="Hub id, local folder or predictions file.")
    revision: str | None = Field(default=None, description="Hub revision of the weights, when known.")
    weights_sha256: str | None = Field(default=None, description="SHA-256 over the local weight files.")
    dtype: str | None = Field(default=None, description="Parameter dtype during the run.")
    device: str | None = Field(default=None, description="Device the model ran on.")
    parameters: int | None = Field(default=None, description="Number of parameters.")
    random_weights: bool = Field(default=False, description="True for weights drawn at random: a speed-only result, never a quality result.")
    extra: dict[str, Any] = Field(default_factory=dict, description="Adapter-specific facts (architectures, k of lead-k ...).")


class MetricRecord(_Record):
    """One metric's corpus-level result on one task."""

    scores: dict[str, float] = Field(description="Score name -> corpus value; the primary score first.")
    signature: str = Field(description="Exact metric signature (library, version and options), e.g. sacrebleu's.")
    options: dict[str, Any] = Field(default_factory=dict, description="Options the metric ran with.")
    details: dict[str, Any] = Field(default_factory=dict, description="Sufficient statistics: BLEU counts, edit counts, lengths.")
    confidence_intervals: dict[str, tuple[float, float]] = Field(
        default_factory=dict, description="Score name -> 95 % bootstrap interval (low, high)."
    )


class TaskRecord(_Record):
    """Results of the model on one task."""

    task: str = Field(description="Task name.")
    family: str = Field(description="Task family: captioning, video_captioning, asr, summarization or translation.")
    version: int = Field(description="Task version from the task file.")
    content_hash: str = Field(description="SHA-256 of the task definition and its data files.")
    num_examples: int = Field(description="Examples evaluated (after --limit).")
    num_failed: int = Field(default=0, description="Examples whose input could not be read; scored as empty outputs.")
    failed_ids: list[str] = Field(default_factory=list, description="Ids of the failed examples.")
    limit: int | None = Field(default=None, description="The --limit in force, or None for the whole task.")
    generation: dict[str, Any] = Field(default_factory=dict, description="Generation settings used.")
    batch_size: int | None = Field(default=None, description="Final batch size (after automatic halving).")
    metrics: dict[str, MetricRecord] = Field(default_factory=dict, description="Metric name -> result.")
    timings: dict[str, float] = Field(default_factory=dict, description="Wall time per phase in seconds: load, predict, score.")
    profile: dict[str, Any] | None = Field(default=None, description="Throughput, latency and memory figures from --profile.")
    samples_file: str = Field(description="Per-sample JSONL file, relative to the run folder.")


class RunResults(_Record):
    """The whole ``results.json`` file."""

    schema_version: int = Field(default=SCHEMA_VERSION, description="Version of this schema.")
    harness_version: str = Field(description="Version of the harness package.")
    git: GitInfo = Field(description="Source revision of the harness.")
    packages: dict[str, str | None] = Field(description="Versions of torch, transformers and every metric library; None when absent.")
    hardware: HardwareInfo = Field(description="Machine the run executed on.")
    model: ModelRecord = Field(description="Model that produced the outputs.")
    tasks: dict[str, TaskRecord] = Field(description="Task name -> results.")
    seed: int = Field(description="Random seed of the run.")
    command: list[str] = Field(default_factory=list, description="Command line that started the run.")
    timestamp: str = Field(description="UTC time the file was written, ISO 8601.")
    timings: dict[str, float] = Field(default_factory=dict, description="Wall time per run phase in seconds: model loading, total.")

"""Evaluate one model on a list of tasks: batched, length-sorted, resumable and logged per sample.

Every prediction is appended to ``samples_<task>.jsonl`` as soon as its batch
finishes. The batch plan is a pure function of the examples and the batch
size, so a resumed run recomputes exactly the batches that were not fully
logged and ends with the same outputs as an uninterrupted run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import json
import logging
import os
import re
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator, Protocol, Sequence

import torch
from tqdm.auto import tqdm

from harness.environment import git_info, hardware_info, harness_version, package_versions, resolve_device
from harness.errors import HarnessError, MediaError, ModelError, ResultsError
from harness.models.base import LoadOptions, Model
from harness.models.registry import load_model
from harness.results.io import SamplesLog, save_run, write_atomic
from harness.results.schema import ModelRecord, RunResults, TaskRecord
from harness.runner.batching import is_out_of_memory, plan_batches
from harness.runner.resume import check_resume
from harness.runner.scoring import build_task_metrics, score_outputs
from harness.runner.validation import check_config, check_media_exist, check_task_names, make_run_folder
from harness.tasks.catalog import get_task
from harness.tasks.schema import GenerationSpec
from harness.tasks.task import Example, Task

logger = logging.getLogger(__name__)

AUTO_BATCH_START = 64


class BatchProfiler(Protocol):
    """Receives timing of each batch; implemented by :mod:`harness.profiling`."""

    def start_task(self, task: Task, model: Model, batch_size: int) -> None: ...

    def measure(self, examples: Sequence[Example]) -> contextlib.AbstractContextManager[None]: ...

    def finish_task(self, phases: dict[str, float]) -> dict[str, Any]: ...


@dataclass
class RunConfig:
    """Settings of one ``harness run`` for one model; the CLI flags map one to one onto these fields."""

    model: str
    tasks: list[str]
    output_dir: Path = Path("results")
    run_name: str | None = None
    batch_size: int | str = 8
    device: str = "auto"
    dtype: str = "auto"
    limit: int | None = None
    seed: int = 1234
    max_new_tokens: int | None = None
    resume: bool = False
    overwrite: bool = False
    trust_remote_code: bool = False
    random_weights: bool = False
    revision: str | None = None
    attn_implementation: str | None = None
    on_error: str = "raise"
    sort_by_length: bool = True
    show_progress: bool = True
    metric_options: dict[str, Any] = field(default_factory=dict)
    command: list[str] = field(default_factory=lambda: list(sys.argv))

    def __post_init__(self) -> None:
        self.output_dir = Path(self.output_dir)

    def run_folder(self) -> Path:
        return self.output_dir / (self.run_name or slugify(self.model))

    def fingerprint(self, tasks: Sequence[Task]) -> dict[str, Any]:
        """Settings that must match for ``--resume`` to continue a run."""
        return {
            "model": self.model,
            "tasks": {task.name: task.content_hash for task in tasks},
            "limit": self.limit,
            "seed": self.seed,
            "max_new_tokens": self.max_new_tokens,
            "batch_size": self.batch_size,
            "dtype": self.dtype,
            "random_weights": self.random_weights,
            "sort_by_length": self.sort_by_length,
        }


def slugify(name: str) -> str:
    """Turn a model name into a folder name."""
    return re.sub(r"[^A-Za-z0-9_.\-]+", "_", name).strip("_") or "model"


@contextlib.contextmanager
def _timed(timings: dict[str, float], phase: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[phase] = timings.get(phase, 0.0) + time.perf_counter() - start


def _generation(task: Task, config: RunConfig) -> GenerationSpec:
    generation = task.config.generation
    if config.max_new_tokens is not None:
        generation = generation.model_copy(update={"max_new_tokens": config.max_new_tokens})
    return generation


def _sample_record(example: Example, task: Task, prediction: str, error: str | None = None) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": example.id,
        "row": example.row,
        "input": example.input if task.config.input.kind == "text" else Path(example.input).name,
        "prediction": prediction,
        "references": list(example.references),
        "status": "failed" if error else "ok",
    }
    if error:
        record["error"] = error
    return record


class Runner:
    """Runs one model over its tasks according to a :class:`RunConfig`."""

    def __init__(self, config: RunConfig, profiler: BatchProfiler | None = None) -> None:
        self.config = config
        self.profiler = profiler
        self.folder = config.run_folder()
        self.timings: dict[str, float] = {}
        self.model: Model | None = None
        self.task_names: list[str] = list(config.tasks)
        # With --overwrite, the fingerprint to write once the earlier outputs are discarded.
        self._pending_overwrite: dict[str, Any] | None = None

    def _check_folder(self, tasks: Sequence[Task]) -> None:
        state_path = self.folder / "run.json"
        fingerprint = self.config.fingerprint(tasks)
        has_outputs = any(self.folder.glob("samples_*.jsonl"))
        if has_outputs and not (self.config.resume or self.config.overwrite):
            raise HarnessError(
                f"Run folder {self.folder} already contains outputs; pass --resume to continue that run, "
                "--overwrite to start it over, or --run-name to write elsewhere."
            )
        if self.config.overwrite and has_outputs:
            # The earlier outputs are discarded only when the first task is ready to log samples, so a model
            # that fails to load or an invalid predictions file does not destroy them.
            self._pending_overwrite = fingerprint
            return
        if self.config.resume:
            check_resume(self.folder, fingerprint)
        write_atomic(state_path, json.dumps(fingerprint, indent=2) + "\n")

    def _discard_previous_outputs(self) -> None:
        """Delete the samples and results of the earlier run in the folder and record the new fingerprint."""
        if self._pending_overwrite is None:
            return
        for path in self.folder.glob("samples_*.jsonl"):
            path.unlink()
        (self.folder / "results.json").unlink(missing_ok=True)
        write_atomic(self.folder / "run.json", json.dumps(self._pending_overwrite, indent=2) + "\n")
        self._pending_overwrite = None

    def _load_model(self) -> Model:
        device = resolve_device(self.config.device)
        options = LoadOptions(
            device=device,
            dtype=self.config.dtype,
            trust_remote_code=self.config.trust_remote_code,
            revision=self.config.revision,
            random_weights=self.config.random_weights,
            seed=self.config.seed,
            attn_implementation=self.config.attn_implementation,
        )
        if not self.config.show_progress:
            _disable_transformers_progress_bars()
        with _timed(self.timings, "model_load"):
            try:
                return load_model(self.config.model, options)
            except ValueError as error:
                # transformers raises ValueError for an attention implementation it does not know.
                if self.config.attn_implementation and "attn_implementation" in str(error):
                    raise ModelError(
                        f"Invalid --attn-implementation {self.config.attn_implementation!r} for model "
                        f"{self.config.model}: {error} Pass one of the values listed there."
                    ) from None
                raise

    def run(self) -> RunResults:
        """Evaluate every task, writing samples as they come and ``results.json`` after each task."""
        started = time.perf_counter()
        check_config(self.config)
        tasks = [get_task(name) for name in self.config.tasks]
        tasks = check_task_names(tasks)
        # config.tasks may hold task file paths; results are keyed by task name.
        self.task_names = [task.name for task in tasks]
        make_run_folder(self.folder)
        self._check_folder(tasks)
        model = self.model = self._load_model()
        for task in tasks:
            if task.config.predictions_only and model.is_neural:
                raise ModelError(
                    f"Task {task.name} ships no model inputs, only references; score a system output on it "
                    f"with published:<system> or 'harness score --predictions FILE'."
                )
            if not model.supports(task):
                # Adapters may explain why they reject a task (for example a missing published system).
                reason = getattr(model, "unsupported_reason", None)
                if reason is not None and reason(task):
                    raise ModelError(reason(task))
                raise ModelError(
                    f"Model {self.config.model} ({model.info.adapter}) cannot run task {task.name} "
                    f"of family {task.family}; it supports {', '.join(model.families) or 'no family'}."
                )
        previous = self.folder / "results.json"
        records: dict[str, TaskRecord] = {}
        if self.config.resume and not self.config.overwrite and previous.exists():
            from harness.results.io import load_run

            try:
                finished = load_run(previous).tasks
            except ResultsError as error:
                logger.warning("Scoring every task again from its samples log, because: %s", error)
                finished = {}
            records = {name: record for name, record in finished.items() if name in self.task_names}
        results = None
        for task in tasks:
            if task.name in records and records[task.name].content_hash == task.content_hash:
                logger.info("Task %s already finished in %s; keeping its results", task.name, self.folder)
                continue
            try:
                with _frozen_garbage_collector():
                    records[task.name] = self._run_task(model, task)
            except HarnessError as error:
                self._note_kept_work(error)
                raise
            self.timings["total"] = time.perf_counter() - started
            results = self._results(model, records)
            save_run(self.folder / "results.json", results)
        self.timings["total"] = time.perf_counter() - started
        results = self._results(model, records)
        save_run(self.folder / "results.json", results)
        logger.info("Wrote %s", self.folder / "results.json")
        return results

    def _note_kept_work(self, error: HarnessError) -> None:
        """Append to ``error`` where the finished samples are and how to continue, when any were logged."""
        if not error.args:
            return
        if self._pending_overwrite is not None:
            error.args = (f"{error.args[0]}\nThe earlier outputs in {self.folder} are unchanged.", *error.args[1:])
            return
        logged = [path.name for path in sorted(self.folder.glob("samples_*.jsonl")) if path.stat().st_size > 0]
        if logged:
            error.args = (
                f"{error.args[0]}\nFinished work is kept in {self.folder} ({', '.join(logged)}); "
                "after fixing this, rerun the same command with --resume.",
                *error.args[1:],
            )

    def _results(self, model: Model, records: dict[str, TaskRecord]) -> RunResults:
        ordered = {name: records[name] for name in self.task_names if name in records}
        return RunResults(
            harness_version=harness_version(),
            git=git_info(),
            packages=package_versions(),
            hardware=hardware_info(),
            model=ModelRecord(**model.info.to_dict()),
            tasks=ordered,
            seed=self.config.seed,
            command=self.config.command,
            timestamp=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            timings={key: round(value, 4) for key, value in self.timings.items()},
        )

    def _predict_batch(self, model: Model, batch: list[Example], task: Task, generation: GenerationSpec) -> list[str]:
        if self.profiler is not None:
            with self.profiler.measure(batch):
                return model.predict(batch, task, generation)
        return model.predict(batch, task, generation)

    def _predict_with_isolation(
        self, model: Model, batch: list[Example], task: Task, generation: GenerationSpec
    ) -> list[tuple[str, str | None, dict[str, Any]]]:
        """Predict a batch as (output, error, sample facts) triples.

        With ``--on-error skip``, a media error is retried example by example,
        and the example that fails gets an empty output and its error message.
        """
        try:
            texts = self._predict_batch(model, batch, task, generation)
        except MediaError as error:
            if self.config.on_error != "skip":
                if error.args and "--on-error skip" not in str(error):
                    error.args = (f"{error.args[0]} Or pass --on-error skip to score it as an empty output.", *error.args[1:])
                raise
            if len(batch) == 1:
                logger.warning("Skipping example %s of %s: %s", batch[0].id, task.name, error)
                return [("", str(error), {})]
        else:
            facts = model.last_batch_stats.per_example
            if len(facts) != len(batch):
                facts = [{} for _ in batch]
            return [(text, None, fact) for text, fact in zip(texts, facts)]
        outputs: list[tuple[str, str | None, dict[str, Any]]] = []
        for example in batch:
            outputs.extend(self._predict_with_isolation(model, [example], task, generation))
        return outputs

    def _initial_batch_size(self, model: Model, examples: Sequence[Example]) -> int:
        if not model.is_neural:
            return max(1, len(examples))
        if self.config.batch_size == "auto":
            return AUTO_BATCH_START
        return int(self.config.batch_size)

    def _run_task(self, model: Model, task: Task) -> TaskRecord:
        timings: dict[str, float] = {}
        build_task_metrics(task, self.config.metric_options)
        with _timed(timings, "data_load"):
            examples = task.examples(limit=self.config.limit)
            if self.config.on_error == "raise" and model.is_neural:
                check_media_exist(task, examples)
            model.prepare(task, examples)
        generation = _generation(task, self.config)
        self._discard_previous_outputs()
        log = SamplesLog(self.folder / f"samples_{task.name}.jsonl")
        # Failed samples (unreadable media under --on-error skip) are retried on resume, in case the file was fixed.
        logged = log.recover() if self.config.resume else []
        done = {record["id"]: record for record in logged if record.get("status") != "failed"}
        if not self.config.resume:
            log.rewrite([])
        if done:
            logger.info("Resuming %s: %d of %d examples already logged", task.name, len(done), len(examples))

        batch_size = self._initial_batch_size(model, examples)
        if self.profiler is not None:
            self.profiler.start_task(task, model, batch_size)
        torch.manual_seed(self.config.seed)
        with _timed(timings, "data_load"):
            lengths = [model.input_length(example, task) for example in examples]
            model.prepare_inputs([example for example in examples if example.id not in done], task, generation)
        progress = tqdm(
            total=len(examples),
            initial=len(done),
            desc=task.name,
            unit="ex",
            disable=not self.config.show_progress,
            file=sys.stderr,
        )
        with _timed(timings, "predict"):
            batch_size = self._predict_all(model, task, examples, lengths, generation, batch_size, done, log, progress)
        progress.close()

        ordered = [done[example.id] for example in examples]
        predictions = [record["prediction"] for record in ordered]
        failed = [record["id"] for record in ordered if record.get("status") == "failed"]
        if failed:
            logger.warning(
                "%d of %d examples of %s failed and are scored as empty outputs", len(failed), len(examples), task.name
            )
        with _timed(timings, "score"):
            metrics, per_sample = score_outputs(task, examples, predictions, self.config.metric_options)
        for record, scores in zip(ordered, per_sample):
            record["scores"] = scores
        log.rewrite(ordered)

        profile = self.profiler.finish_task(timings) if self.profiler is not None else None
        if not model.is_neural:
            # Published outputs and lead-k only read files, so their timings do not measure a model's speed.
            profile = None
        return TaskRecord(
            task=task.name,
            family=task.family,
            version=task.version,
            content_hash=task.content_hash,
            num_examples=len(examples),
            num_failed=len(failed),
            failed_ids=failed,
            limit=self.config.limit,
            generation=generation.model_dump(),
            batch_size=batch_size if model.is_neural else None,
            metrics=metrics,
            timings={key: round(value, 4) for key, value in timings.items()},
            profile=profile,
            samples_file=log.path.name,
        )

    def _predict_all(
        self,
        model: Model,
        task: Task,
        examples: list[Example],
        lengths: list[float],
        generation: GenerationSpec,
        batch_size: int,
        done: dict[str, dict[str, Any]],
        log: SamplesLog,
        progress: tqdm,
    ) -> int:
        """Predict every example not in ``done``; halve the batch size on out-of-memory when it is automatic."""
        while True:
            plan = plan_batches(range(len(examples)), lambda index: lengths[index], batch_size, self.config.sort_by_length)
            try:
                for indices in plan:
                    batch = [examples[index] for index in indices]
                    if all(example.id in done for example in batch):
                        continue
                    outputs = self._predict_with_isolation(model, batch, task, generation)
                    records = [
                        {**_sample_record(example, task, text, error), **facts}
                        for example, (text, error, facts) in zip(batch, outputs)
                        if example.id not in done
                    ]
                    log.append(records)
                    for record in records:
                        done[record["id"]] = record
                    progress.update(len(records))
                return batch_size
            except Exception as error:
                if not is_out_of_memory(error):
                    raise
                if self.config.batch_size != "auto" or batch_size == 1:
                    raise HarnessError(
                        f"Out of memory on task {task.name} at batch size {batch_size}: {error}. Finished samples are "
                        "kept; rerun with --resume and --batch-size auto or a smaller --batch-size."
                    ) from error
                batch_size //= 2
                logger.warning("Out of memory on %s; retrying with batch size %d", task.name, batch_size)
                if torch.cuda.is_available():
                    torch.cuda.empty_cache()


def _disable_transformers_progress_bars() -> None:
    """Turn off the weight-loading and download progress bars of transformers without importing it.

    transformers reads ``HF_HUB_DISABLE_PROGRESS_BARS`` when it is first
    imported, so a process that has already imported it is switched through
    ``disable_progress_bar`` instead.
    """
    transformers_logging = sys.modules.get("transformers.utils.logging")
    if transformers_logging is not None:
        transformers_logging.disable_progress_bar()
    else:
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


@contextlib.contextmanager
def _frozen_garbage_collector() -> Iterator[None]:
    """Exclude the objects alive on entry from the cyclic garbage collector until exit.

    The imported modules and the model outlive a task. Rescanning them in
    every full collection during generation took about 0.25 s of 10.3 s of
    generation in benchmarks/bench_overhead.py (100 articles, 2 CPU cores).
    Reference counting still frees frozen objects, and everything is unfrozen
    on exit. Nothing is frozen when the caller has frozen objects of its own.
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def run(config: RunConfig, profiler: BatchProfiler | None = None) -> RunResults:
    """Run one model over its tasks; see :class:`Runner`."""
    return Runner(config, profiler).run()


def config_summary(config: RunConfig) -> dict[str, Any]:
    """Return the run configuration as plain JSON-able values."""
    summary = asdict(config)
    summary["output_dir"] = str(config.output_dir)
    return summary

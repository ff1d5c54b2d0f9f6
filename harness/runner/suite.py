"""Suites: named lists of model x task pairs in a YAML file (``tasks/suites/<name>.yaml``).

Example::

    name: demo
    description: Published outputs and baselines on every shipped task.
    runs:
      - model: lead-3
        tasks: [cnn_dailymail_realsumm]
      - model: whisper-tiny.en
        tasks: [speech_en]
        optional: true        # skipped with a message when its weights are not installed
"""

from __future__ import annotations

import dataclasses
import difflib
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from harness.errors import HarnessError, TaskError
from harness.tasks.catalog import task_folders
from harness.tasks.task import load_yaml


# RunConfig fields that the suite itself sets for each run, so its options may not.
SUITE_FIXED_FIELDS = frozenset({"model", "tasks", "output_dir", "run_name", "command"})


class SuiteRun(BaseModel):
    """One model and the tasks it runs."""

    model_config = ConfigDict(extra="forbid")

    model: str
    tasks: list[str] = Field(min_length=1)
    optional: bool = Field(default=False, description="Skip with a message when the model is not installed.")
    options: dict[str, Any] = Field(default_factory=dict, description="RunConfig fields for this run (batch_size, limit ...).")

    @field_validator("options")
    @classmethod
    def _known_options(cls, options: dict[str, Any]) -> dict[str, Any]:
        from harness.runner.runner import RunConfig

        allowed = sorted({item.name for item in dataclasses.fields(RunConfig)} - SUITE_FIXED_FIELDS)
        unknown = sorted(set(options) - set(allowed))
        if unknown:
            raise ValueError(f"unknown run options {unknown}; allowed: {', '.join(allowed)}")
        return options

    @model_validator(mode="after")
    def _valid_options(self) -> SuiteRun:
        from harness.runner.runner import RunConfig
        from harness.runner.validation import check_config

        try:
            check_config(RunConfig(model=self.model, tasks=self.tasks, **self.options))
        except HarnessError as error:
            raise ValueError(f"invalid options: {error}") from None
        return self


class Suite(BaseModel):
    """A named list of runs."""

    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = ""
    runs: list[SuiteRun] = Field(min_length=1)


def _suite_paths() -> dict[str, Path]:
    paths: dict[str, Path] = {}
    for folder in task_folders():
        for path in sorted((folder / "suites").glob("*.yaml")):
            paths.setdefault(path.stem, path)
    return paths


def load_suite(name_or_path: str) -> Suite:
    """Load a suite by name (from the ``suites`` folder of a task folder) or by file path."""
    path = Path(name_or_path)
    if path.suffix in {".yaml", ".yml"} and not path.is_file():
        raise TaskError(f"Suite file not found: {path}; check the path, or pass a suite name.")
    if path.suffix not in {".yaml", ".yml"}:
        known = _suite_paths()
        if name_or_path not in known:
            close = difflib.get_close_matches(name_or_path, known, n=3, cutoff=0.5)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise TaskError(f"Unknown suite {name_or_path!r}.{hint} Available: {', '.join(sorted(known)) or 'none'}.")
        path = known[name_or_path]
    try:
        data = load_yaml(path.read_bytes().decode("utf-8"), str(path))
    except UnicodeDecodeError as error:
        raise TaskError(f"Suite file {path} is not valid UTF-8 (byte offset {error.start}); save it as UTF-8.") from None
    except yaml.YAMLError as error:
        raise TaskError(f"Suite file {path} is not valid YAML: {error}") from None
    if not isinstance(data, dict):
        raise TaskError(
            f"Suite file {path} must contain a YAML mapping with 'name' and 'runs', got {type(data).__name__}."
        )
    try:
        return Suite.model_validate(data)
    except ValidationError as error:
        lines = [f"Invalid suite file {path}:"]
        for item in error.errors():
            location = ".".join(str(part) for part in item["loc"]) or "(top level)"
            lines.append(f"  field '{location}': {item['msg']}")
        lines.append("Each run needs 'model' and 'tasks'; see harness/runner/suite.py for the form.")
        raise TaskError("\n".join(lines)) from None

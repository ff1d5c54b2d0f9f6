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

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from harness.errors import TaskError
from harness.tasks.catalog import task_folders


class SuiteRun(BaseModel):
    """One model and the tasks it runs."""

    model_config = ConfigDict(extra="forbid")

    model: str
    tasks: list[str] = Field(min_length=1)
    optional: bool = Field(default=False, description="Skip with a message when the model is not installed.")
    options: dict[str, Any] = Field(default_factory=dict, description="RunConfig fields for this run (batch_size, limit ...).")


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
    if not (path.suffix in {".yaml", ".yml"} and path.is_file()):
        known = _suite_paths()
        if name_or_path not in known:
            raise TaskError(f"Unknown suite {name_or_path!r}; available: {', '.join(sorted(known)) or 'none'}.")
        path = known[name_or_path]
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Suite.model_validate(data)
    except yaml.YAMLError as error:
        raise TaskError(f"Suite file {path} is not valid YAML: {error}") from None
    except ValidationError as error:
        first = error.errors()[0]
        location = ".".join(str(part) for part in first["loc"])
        raise TaskError(f"Invalid suite file {path}: field '{location}': {first['msg']}.") from None

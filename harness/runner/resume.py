"""Checks that decide whether a run folder may be resumed with the current settings.

``run.json`` in a run folder stores the fingerprint of the run that wrote it
(see :meth:`harness.runner.runner.RunConfig.fingerprint`). A resumed run must
produce the same outputs as an uninterrupted one, so every setting that
changes predictions must match. Tasks are checked one by one. A task whose
file or data changed blocks the resume only when it already has logged
samples. So after fixing the data of a task that failed before its first
batch, a resume keeps the finished tasks of the run.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from harness.errors import HarnessError
from harness.results.io import SamplesLog

logger = logging.getLogger(__name__)


def read_state(path: Path) -> dict[str, Any]:
    """Read the ``run.json`` fingerprint of an earlier run; raise :class:`HarnessError` when it is damaged."""
    try:
        state = json.loads(path.read_bytes().decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise HarnessError(
            f"Cannot resume {path.parent}: its settings file {path} is damaged ({error}). Delete {path} to resume "
            "without checking that the settings match, or pass --overwrite to start the run over."
        ) from None
    if not isinstance(state, dict):
        raise HarnessError(
            f"Cannot resume {path.parent}: its settings file {path} does not contain a JSON object. Delete {path} "
            "to resume without checking that the settings match, or pass --overwrite to start the run over."
        )
    return state


def resume_conflicts(folder: Path, previous: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """Return one line per setting of ``current`` that makes resuming the run in ``folder`` unsafe."""
    current = json.loads(json.dumps(current))
    problems = []
    for key, value in current.items():
        if key == "tasks":
            continue
        if previous.get(key) != value:
            problems.append(f"{key}: {previous.get(key)!r} in the interrupted run, {value!r} now")

    previous_tasks = previous.get("tasks") if isinstance(previous.get("tasks"), dict) else {}
    removed = sorted(set(previous_tasks) - set(current["tasks"]))
    if removed:
        problems.append(f"tasks: {', '.join(removed)} belonged to the interrupted run but are missing now")
    for name, digest in current["tasks"].items():
        if name not in previous_tasks or previous_tasks[name] == digest:
            continue
        samples = folder / f"samples_{name}.jsonl"
        if SamplesLog(samples).read():
            problems.append(f"task {name}: its task file or data changed after {samples.name} was written")
        else:
            logger.info("Task %s changed before any sample was logged; resuming the other tasks", name)
    return problems


def check_resume(folder: Path, current: dict[str, Any]) -> None:
    """Raise :class:`HarnessError` listing every setting that differs from the run stored in ``folder/run.json``."""
    state_path = folder / "run.json"
    # Without logged samples there is nothing to continue, for example after a run that failed to load its model.
    if not state_path.exists() or not any(folder.glob("samples_*.jsonl")):
        return
    problems = resume_conflicts(folder, read_state(state_path), current)
    if problems:
        raise HarnessError(
            f"Cannot resume {folder}: settings differ from the interrupted run ({'; '.join(problems)}). "
            "Rerun with the original settings, pass --overwrite to start over, or --run-name to write a new run."
        )

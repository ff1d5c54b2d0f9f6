"""Find task files: the shipped ``tasks/`` folder, plugin folders and user paths.

Plugins register folders of task files under the entry-point group
``harness.tasks``; the entry point may name a path string, a folder object or
a callable that returns one. ``HARNESS_TASKS_PATH`` adds folders separated by
``os.pathsep``.
"""

from __future__ import annotations

import difflib
import importlib.util
import logging
import os
from functools import lru_cache
from importlib.metadata import entry_points
from pathlib import Path

from harness.errors import TaskError
from harness.tasks.task import Task

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "harness.tasks"


def shipped_tasks_folder() -> Path:
    """Return the folder of the shipped tasks, in a checkout or an installed package."""
    checkout = Path(__file__).resolve().parents[2] / "tasks"
    if checkout.is_dir() and (checkout / "__init__.py").is_file():
        return checkout
    spec = importlib.util.find_spec("harness_tasks")
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    raise TaskError("The shipped tasks were not found; reinstall the package with 'pip install .'.")


def _plugin_folders() -> list[Path]:
    folders = []
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        try:
            target = entry.load()
            folder = Path(target() if callable(target) else target)
        except Exception:
            logger.exception("Task plugin %s could not be loaded; skipping it", entry.value)
            continue
        folders.append(folder)
    return folders


def task_folders() -> list[Path]:
    """Return every folder searched for task files, shipped tasks first."""
    folders = [shipped_tasks_folder(), *_plugin_folders()]
    for extra in os.environ.get("HARNESS_TASKS_PATH", "").split(os.pathsep):
        if not extra:
            continue
        if not Path(extra).is_dir():
            logger.warning("HARNESS_TASKS_PATH names %s, which is not a folder; skipping it", extra)
            continue
        folders.append(Path(extra))
    return folders


def _task_files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*.yaml") if path.parent.name != "suites")


# Task files that failed to load in the last scan, with their error messages; filled by _index.
_broken: dict[Path, str] = {}


@lru_cache(maxsize=1)
def _index() -> dict[str, Path]:
    """Index task names to files; a file that fails to load is recorded in _broken instead of stopping the scan."""
    index: dict[str, Path] = {}
    _broken.clear()
    for folder in task_folders():
        for path in _task_files(folder):
            try:
                task = Task.from_file(path)
            except TaskError as error:
                _broken[path.resolve()] = str(error)
                logger.warning("Skipping task file %s: %s", path, str(error).splitlines()[0])
                continue
            if task.name in index and index[task.name] != path.resolve():
                logger.warning("Task %s in %s shadows %s", task.name, path, index[task.name])
            index[task.name] = path.resolve()
    return index


def broken_task_files() -> dict[Path, str]:
    """Return the task files in the search folders that failed to load, with their error messages."""
    _index()
    return dict(_broken)


def task_names() -> list[str]:
    """Return the names of all known tasks, sorted."""
    return sorted(_index())


def _looks_like_path(name_or_path: str) -> bool:
    return Path(name_or_path).suffix in {".yaml", ".yml"} or "/" in name_or_path or os.sep in name_or_path


def get_task(name_or_path: str | Path) -> Task:
    """Load a task by registered name or by the path of its YAML file."""
    name_or_path = str(name_or_path)
    if _looks_like_path(name_or_path):
        candidate = Path(name_or_path)
        if candidate.is_dir():
            files = sorted(candidate.glob("*.yaml"))
            if len(files) != 1:
                raise TaskError(f"Task path {candidate} is a folder with {len(files)} YAML files; pass the task file itself.")
            return Task.from_file(files[0])
        return Task.from_file(candidate)
    index, broken = _index(), broken_task_files()
    if name_or_path not in index:
        close = difflib.get_close_matches(name_or_path, index, n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        if broken:
            shown = "; ".join(f"{path}: {message.splitlines()[0]}" for path, message in list(broken.items())[:3])
            hint += f" {len(broken)} task files could not be loaded and may define it ({shown})."
        raise TaskError(f"Unknown task {name_or_path!r}.{hint} Run 'harness tasks' to list the available tasks.")
    return Task.from_file(index[name_or_path])


def all_tasks() -> list[Task]:
    """Load every known task; files that fail to load are listed by :func:`broken_task_files`."""
    return [Task.from_file(path) for _, path in sorted(_index().items())]

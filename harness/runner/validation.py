"""Checks on run settings, task names and media paths that fail before the model predicts anything."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from harness.errors import HarnessError, MediaError

if TYPE_CHECKING:
    from harness.runner.runner import RunConfig
    from harness.tasks.task import Example, Task

ON_ERROR_CHOICES = ("raise", "skip")


def check_run_name(run_name: str) -> None:
    """Reject run names that are not a single folder name, so a run never writes outside ``--output-dir``."""
    if not run_name or run_name in {".", ".."} or "/" in run_name or "\\" in run_name or "\0" in run_name:
        raise HarnessError(
            f"Invalid --run-name {run_name!r}: expected a single folder name without '/', '\\' or '..'; "
            "use --output-dir to choose the parent folder."
        )


def check_config(config: RunConfig) -> None:
    """Raise :class:`HarnessError` naming the first invalid setting of ``config`` and its valid range."""
    if isinstance(config.tasks, (str, Path)) or not all(isinstance(name, (str, Path)) for name in config.tasks):
        raise HarnessError(f"Invalid tasks {config.tasks!r}: expected a list of task names or task file paths.")
    if not config.tasks:
        raise HarnessError("No task given; pass --tasks with one or more task names or task files.")
    if config.limit is not None and (isinstance(config.limit, bool) or not isinstance(config.limit, int) or config.limit < 1):
        raise HarnessError(f"Invalid --limit {config.limit!r}: expected a positive number of examples, or no --limit.")
    if config.max_new_tokens is not None and (
        isinstance(config.max_new_tokens, bool) or not isinstance(config.max_new_tokens, int) or config.max_new_tokens < 1
    ):
        raise HarnessError(f"Invalid --max-new-tokens {config.max_new_tokens!r}: expected a positive number of tokens.")
    batch_size = config.batch_size
    if batch_size != "auto" and (isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1):
        raise HarnessError(f"Invalid --batch-size {batch_size!r}: expected a positive integer or 'auto'.")
    if config.on_error not in ON_ERROR_CHOICES:
        raise HarnessError(f"Invalid --on-error {config.on_error!r}: expected one of {', '.join(ON_ERROR_CHOICES)}.")
    if config.run_name is not None:
        check_run_name(config.run_name)


def make_run_folder(folder: Path) -> None:
    """Create the run folder; raise :class:`HarnessError` when a file or a permission is in the way."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        blocking = next((parent for parent in [folder, *folder.parents] if parent.exists() and not parent.is_dir()), folder)
        raise HarnessError(
            f"Cannot create run folder {folder}: {blocking} is a file, not a folder. "
            "Pass a folder path as --output-dir (or another --run-name)."
        ) from None
    except PermissionError:
        raise HarnessError(
            f"Cannot create run folder {folder}: permission denied. Pass a writable folder as --output-dir."
        ) from None


def check_media_exist(task: Task, examples: Sequence[Example]) -> None:
    """Raise :class:`MediaError` listing the examples whose image, audio or video path does not exist.

    Used with ``--on-error raise``, so that a missing file stops the run before the model spends time on the
    other examples. Files that exist but cannot be decoded are found only when the model reads them.
    """
    if task.config.input.kind == "text":
        return
    missing = [example for example in examples if not Path(example.input).exists()]
    if not missing:
        return
    shown = "; ".join(f"row {example.row + 1} (id {example.id!r}): {example.input}" for example in missing[:3])
    more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
    raise MediaError(
        f"Task {task.name}: {len(missing)} of {len(examples)} {task.config.input.kind} files not found: {shown}{more}. "
        f"Fix the paths in column {task.config.input.field!r} or input.media_root of {task.path}, "
        "or pass --on-error skip to score those examples as empty outputs.",
        example_id=missing[0].id,
        path=missing[0].input,
    )


def check_task_names(tasks: Sequence[Task]) -> list[Task]:
    """Drop repeats of the same task file; raise :class:`HarnessError` when two different files share a task name.

    Samples and results are stored by task name, so two files with one name would overwrite each other's outputs.
    """
    unique: dict[str, Task] = {}
    for task in tasks:
        if task.name in unique and unique[task.name].path != task.path:
            raise HarnessError(
                f"Task files {unique[task.name].path} and {task.path} both define task {task.name!r}; "
                "rename one (the 'name' field) or run them separately."
            )
        unique.setdefault(task.name, task)
    return list(unique.values())

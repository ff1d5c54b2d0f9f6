"""Checks on run settings that fail before any model is loaded or any file is written."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from harness.errors import HarnessError

if TYPE_CHECKING:
    from harness.runner.runner import RunConfig

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

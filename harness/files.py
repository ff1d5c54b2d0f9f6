"""Reading input files with errors that name the file and the fix, in each caller's own wording."""

from __future__ import annotations

from pathlib import Path

from harness.errors import HarnessError


def read_bytes(path: Path, error: type[HarnessError], *, name: str, not_found: str, folder: str) -> bytes:
    """Return the bytes of ``path``, or raise ``error`` when it cannot be read.

    ``not_found`` and ``folder`` are the whole messages for a missing file and
    for a folder given in place of a file. ``name`` ("Task file") starts the
    message for a file without read permission.
    """
    try:
        return path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        raise error(not_found) from None
    except IsADirectoryError:
        raise error(folder) from None
    except PermissionError:
        raise error(f"{name} {path} is not readable (permission denied); fix its permissions.") from None

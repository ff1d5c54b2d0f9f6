"""Atomic writing and validated reading of run results and per-sample logs."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any, Iterable

from pydantic import ValidationError

from harness.errors import ResultsError
from harness.files import read_bytes
from harness.results.schema import RunResults

logger = logging.getLogger(__name__)


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    umask = os.umask(0)
    os.umask(umask)
    try:
        # mkstemp creates the file readable by its owner only; results are shared files.
        os.chmod(temporary, 0o666 & ~umask)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def save_run(path: Path, results: RunResults) -> None:
    """Write ``results.json`` atomically."""
    write_atomic(path, results.model_dump_json(indent=2) + "\n")


def _validation_message(path: Path, error: ValidationError) -> str:
    first = error.errors()[0]
    if first["type"] == "json_invalid":
        return (
            f"Results file {path} is not valid JSON ({first['msg']}); it may be truncated. "
            "Rerun the run with --resume to rewrite it from its samples logs, or restore the file."
        )
    location = ".".join(str(part) for part in first["loc"]) or "(top level)"
    return (
        f"Invalid results file {path}: field '{location}': {first['msg']} ({error.error_count()} problems in all). "
        "Rerun the run with --resume to rewrite it, or restore the file."
    )


def load_run(path: str | Path) -> RunResults:
    """Read and validate a ``results.json`` file (or a run folder that contains one)."""
    path = Path(path)
    if path.is_dir():
        if not (path / "results.json").exists():
            raise ResultsError(f"Run folder {path} contains no results.json; pass a finished run folder or a results file.")
        path = path / "results.json"
    raw = read_bytes(
        path,
        ResultsError,
        name="Results file",
        not_found=f"Results file not found: {path}",
        folder=f"Results path {path} is a folder, not a results file; remove or rename it.",
    )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ResultsError(
            f"Results file {path} is not valid UTF-8 (byte offset {error.start}); it is damaged. "
            "Rerun the run with --resume to rewrite it from its samples logs, or restore the file."
        ) from None
    try:
        return RunResults.model_validate_json(text)
    except ValidationError as error:
        raise ResultsError(_validation_message(path, error)) from None


class SamplesLog:
    """Append-only JSONL log of per-sample outputs; each batch of lines is flushed when written.

    A process killed mid-write can leave a partial last line without its
    newline. :meth:`read` skips it and :meth:`recover` also cuts it from the
    file, so a resumed run recomputes that sample. A damaged line anywhere
    else raises :class:`ResultsError`, because dropping it and the lines
    after it would silently lose finished samples.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def _parse(self) -> tuple[list[dict[str, Any]], int]:
        """Return the records and the byte length of the complete part of the file."""
        if not self.path.exists():
            return [], 0
        raw = self.path.read_bytes()
        lines = raw.split(b"\n")
        records: list[dict[str, Any]] = []
        complete_length = 0
        for number, line in enumerate(lines, start=1):
            is_last = number == len(lines)
            if not line.strip():
                complete_length += len(line) + (0 if is_last else 1)
                continue
            try:
                record = json.loads(line.decode("utf-8"))
            except (json.JSONDecodeError, UnicodeDecodeError) as error:
                if is_last:
                    logger.warning("Ignoring the partial last line %d of %s (written by an interrupted run)", number, self.path)
                    break
                raise ResultsError(
                    f"Samples file {self.path}, line {number}: damaged record ({error}). Delete that line; "
                    "'harness run --resume' then recomputes the sample."
                ) from None
            if not isinstance(record, dict) or "id" not in record or not isinstance(record.get("prediction"), str):
                raise ResultsError(
                    f"Samples file {self.path}, line {number}: expected a JSON object with an 'id' and a string "
                    "'prediction'. Delete that line; 'harness run --resume' then recomputes the sample."
                )
            records.append(record)
            complete_length += len(line) + (0 if is_last else 1)
        return records, complete_length

    def read(self) -> list[dict[str, Any]]:
        """Return the logged records without changing the file; a partial last line is skipped."""
        return self._parse()[0]

    def recover(self) -> list[dict[str, Any]]:
        """Return the logged records and cut a partial last line from the file, so appends start on a new line."""
        records, complete_length = self._parse()
        if not self.path.exists():
            return records
        with self.path.open("r+b") as stream:
            if self.path.stat().st_size != complete_length:
                stream.truncate(complete_length)
            if complete_length > 0:
                stream.seek(complete_length - 1)
                if stream.read(1) != b"\n":
                    stream.write(b"\n")
            stream.flush()
            os.fsync(stream.fileno())
        return records

    def append(self, records: Iterable[dict[str, Any]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as stream:
            for record in records:
                stream.write(json.dumps(record, ensure_ascii=False) + "\n")
            # A flush hands the lines to the kernel, which keeps them when the
            # process is killed. An fsync per batch would also survive a power
            # loss, but it costs a disk round trip per batch.
            stream.flush()

    def rewrite(self, records: Iterable[dict[str, Any]]) -> None:
        write_atomic(self.path, "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records))

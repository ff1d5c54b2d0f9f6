"""Atomic writing and validated reading of run results and per-sample logs."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Iterable

from pydantic import ValidationError

from harness.errors import ResultsError
from harness.results.schema import RunResults


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
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


def load_run(path: str | Path) -> RunResults:
    """Read and validate a ``results.json`` file (or a run folder that contains one)."""
    path = Path(path)
    if path.is_dir():
        path = path / "results.json"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ResultsError(f"Results file not found: {path}") from None
    try:
        return RunResults.model_validate_json(text)
    except ValidationError as error:
        first = error.errors()[0]
        location = ".".join(str(part) for part in first["loc"])
        raise ResultsError(
            f"Invalid results file {path}: field '{location}': {first['msg']} ({error.error_count()} problems in all)."
        ) from None


class SamplesLog:
    """Append-only JSONL log of per-sample outputs; each line is flushed and synced when written.

    A process killed mid-write can leave a partial last line; :meth:`read`
    drops it, so a resumed run recomputes that sample.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        records = []
        raw = self.path.read_bytes()
        lines = raw.split(b"\n")
        for line in lines:
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except (json.JSONDecodeError, UnicodeDecodeError):
                break
        self._truncate_to(records)
        return records

    def _truncate_to(self, records: list[dict[str, Any]]) -> None:
        text = "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
        if self.path.read_bytes() != text.encode("utf-8"):
            write_atomic(self.path, text)

    def append(self, records: Iterable[dict[str, Any]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as stream:
            for record in records:
                stream.write(json.dumps(record, ensure_ascii=False) + "\n")
            stream.flush()
            os.fsync(stream.fileno())

    def rewrite(self, records: Iterable[dict[str, Any]]) -> None:
        write_atomic(self.path, "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records))

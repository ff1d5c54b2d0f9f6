"""Readers for the dataset formats a task may declare, with errors that name file and row."""

from __future__ import annotations

import csv
import io
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.errors import TaskError
from harness.files import read_bytes

if TYPE_CHECKING:
    from harness.tasks.task import Example, Task

logger = logging.getLogger(__name__)


def _read_text(path: Path, encoding: str) -> str:
    """Read a data file as text; a leading byte order mark is dropped."""
    raw = read_bytes(
        path,
        TaskError,
        name="Data file",
        not_found=f"Data file not found: {path}; fix the path in the task file or add the file.",
        folder=f"Data path {path} is a folder; point the task file at the data file inside it.",
    )
    try:
        return raw.decode(encoding).removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise TaskError(
            f"Data file {path}, line {line}: invalid {encoding} byte at offset {error.start}; "
            f"re-encode the file as {encoding} or set dataset.encoding in the task file."
        ) from None


def _read_jsonl(path: Path, encoding: str) -> list[dict[str, Any]]:
    rows = []
    # Split at newlines only: str.splitlines also splits at U+2028 and other characters that JSON strings may
    # contain unescaped.
    for number, line in enumerate(_read_text(path, encoding).split("\n"), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise TaskError(f"Data file {path}, line {number}: invalid JSON ({error.msg}); fix or remove the line.") from None
        if not isinstance(row, dict):
            raise TaskError(
                f"Data file {path}, line {number}: expected a JSON object (one example per line), got {type(row).__name__}."
            )
        rows.append(row)
    return rows


def _read_json(path: Path, encoding: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(_read_text(path, encoding))
    except json.JSONDecodeError as error:
        raise TaskError(f"Data file {path}, line {error.lineno}: invalid JSON ({error.msg}).") from None
    if not isinstance(data, list):
        raise TaskError(f"Data file {path}: expected a JSON list of objects, one per example, got {type(data).__name__}.")
    for index, row in enumerate(data):
        if not isinstance(row, dict):
            raise TaskError(
                f"Data file {path}, entry {index}: expected a JSON object, got {type(row).__name__}; "
                "the file needs a list of objects, one per example."
            )
    return data


def _read_delimited(path: Path, encoding: str, delimiter: str) -> list[dict[str, Any]]:
    """Read a CSV or TSV file with a header row; every row needs exactly one cell per header column."""
    text = _read_text(path, encoding)
    # The csv module's default cell limit of 131072 characters is below the length of some summarization articles.
    csv.field_size_limit(max(csv.field_size_limit(), 2**30))
    # newline="" lets the csv module see the file's own line ends, so quoted cells may contain line breaks.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        row_start = 1
        header = next(reader, None)
        if header is None:
            return []
        duplicates = sorted({name for name in header if header.count(name) > 1})
        if duplicates:
            raise TaskError(f"Data file {path}, line 1: the header repeats column {', '.join(map(repr, duplicates))}; rename one.")
        rows = []
        row_start = reader.line_num + 1
        for cells in reader:
            if cells and len(cells) != len(header):
                raise TaskError(
                    f"Data file {path}, line {row_start}: {len(cells)} cells but the header has {len(header)} "
                    f"columns {header}; quote cells that contain {delimiter!r} or fix the row."
                )
            if cells:
                rows.append(dict(zip(header, cells)))
            row_start = reader.line_num + 1
    except csv.Error as error:
        raise TaskError(
            f"Data file {path}, line {row_start}: invalid {'CSV' if delimiter == ',' else 'TSV'} ({error}); "
            "check the quotes of the row that starts there."
        ) from None
    return rows


def _read_lines(task: Task, files: dict[str, str], encoding: str) -> list[dict[str, Any]]:
    columns: dict[str, list[str]] = {}
    for column, relative in files.items():
        path = task.resolve(relative, f"dataset.files.{column}")
        lines = _read_text(path, encoding).split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        lines = [line.removesuffix("\r") for line in lines]
        for number, line in enumerate(lines, start=1):
            if "\r" in line:
                raise TaskError(
                    f"Data file {path}, line {number}: contains a carriage return (\\r) that does not end the line; "
                    "line-aligned files need LF or CRLF line ends. Replace lone \\r characters or convert CR line ends to LF."
                )
        columns[column] = lines
    lengths = {column: len(lines) for column, lines in columns.items()}
    if len(set(lengths.values())) > 1:
        raise TaskError(
            f"Task file {task.path}: the line-aligned files of dataset.files have different line counts {lengths}; "
            "every file needs one line per example."
        )
    count = next(iter(lengths.values()))
    return [{column: lines[index] for column, lines in columns.items()} for index in range(count)]


def _read_hub(task: Task) -> list[dict[str, Any]]:
    hub = task.config.dataset.hub
    assert hub is not None
    try:
        import datasets
    except ImportError:
        raise TaskError(
            f"Task {task.name} reads hub dataset {hub.path!r}, which needs the 'datasets' package: pip install 'harness[hub]'."
        ) from None
    try:
        dataset = datasets.load_dataset(hub.path, hub.name, split=hub.split, revision=hub.revision)
    except Exception as error:  # datasets raises many types for offline and missing repositories
        raise TaskError(
            f"Task {task.name}: could not load hub dataset {hub.path!r} (config {hub.name!r}, split {hub.split!r}, "
            f"revision {hub.revision!r}): {error}. Without network access, download it elsewhere and point the "
            "task at local files."
        ) from error
    return [dict(row) for row in dataset]


def read_rows(task: Task) -> list[dict[str, Any]]:
    """Read the rows of a task's dataset in file order."""
    dataset = task.config.dataset
    if dataset.format == "lines":
        return _read_lines(task, dataset.files or {}, dataset.encoding)
    if dataset.format == "hf":
        return _read_hub(task)
    assert dataset.path is not None
    path = task.resolve(dataset.path, "dataset.path")
    if dataset.format == "jsonl":
        return _read_jsonl(path, dataset.encoding)
    if dataset.format == "json":
        return _read_json(path, dataset.encoding)
    return _read_delimited(path, dataset.encoding, "," if dataset.format == "csv" else "\t")


def json_type(value: Any) -> str:
    """Return the JSON name of a parsed value's type (null, boolean, number ...), for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, list):
        return "list"
    return "object" if isinstance(value, dict) else type(value).__name__


def data_location(task: Task) -> str:
    dataset = task.config.dataset
    if dataset.path:
        return str(task.resolve(dataset.path, "dataset.path"))
    if dataset.hub:
        return f"hub dataset {dataset.hub.path}"
    return f"line-aligned files of {task.path}"


def _column(task: Task, row: dict[str, Any], column: str, index: int, role: str) -> Any:
    if column not in row:
        available = ", ".join(sorted(row)) or "none"
        raise TaskError(
            f"{data_location(task)}, row {index + 1}: missing {role} column {column!r} (columns: {available}); "
            "fix the data or the column name in the task file."
        )
    return row[column]


def _references(task: Task, row: dict[str, Any], index: int) -> tuple[str, ...]:
    references: list[str] = []
    for column in task.config.references:
        value = _column(task, row, column, index, "reference")
        values = value if isinstance(value, list) else [value]
        for item in values:
            if item is None:
                continue
            if not isinstance(item, str):
                raise TaskError(
                    f"{data_location(task)}, row {index + 1}: reference column {column!r} holds "
                    f"a {json_type(item)}; expected a string or a list of strings."
                )
            if item.strip():
                references.append(item)
    if not references:
        raise TaskError(
            f"{data_location(task)}, row {index + 1}: every reference is empty or missing "
            f"(columns {task.config.references}); add a reference or remove the row."
        )
    return tuple(references)


def _media_path(task: Task, value: str, index: int) -> str:
    base_relative = task.config.input.media_root
    if base_relative:
        base = task.resolve(base_relative, "input.media_root")
    elif task.config.dataset.path:
        base = task.resolve(task.config.dataset.path, "dataset.path").parent
    else:
        base = task.folder
    candidate = Path(value)
    resolved = (base / candidate).resolve()
    if not task.config.allow_absolute_paths and not resolved.is_relative_to(task.folder):
        raise TaskError(
            f"{data_location(task)}, row {index + 1}: media path {value!r} points outside the task folder "
            f"{task.folder}; set 'allow_absolute_paths: true' in the task file to allow it."
        )
    return str(resolved)


def rows_to_examples(task: Task, rows: list[dict[str, Any]]) -> list[Example]:
    """Turn raw rows into examples: pick the input, the references and a unique id."""
    from harness.tasks.task import Example

    spec = task.config.input
    examples = []
    seen: dict[str, int] = {}
    for index, row in enumerate(rows):
        value = _column(task, row, spec.field, index, "input")
        if not isinstance(value, str):
            raise TaskError(
                f"{data_location(task)}, row {index + 1}: input column {spec.field!r} holds "
                f"a {json_type(value)}; expected a string."
            )
        if spec.kind != "text":
            value = _media_path(task, value, index)
        example_id = str(_column(task, row, task.config.id_field, index, "id")) if task.config.id_field else str(index)
        if example_id in seen:
            raise TaskError(
                f"{data_location(task)}, row {index + 1}: id {example_id!r} repeats row {seen[example_id] + 1}; ids must be unique."
            )
        seen[example_id] = index
        extra = {key: val for key, val in row.items() if key not in {spec.field, *task.config.references}}
        examples.append(Example(example_id, value, _references(task, row, index), index, extra))
    return examples

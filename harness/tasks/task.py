"""Load a task file, resolve its paths, read its examples and hash its content."""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from harness.errors import TaskError
from harness.files import read_bytes
from harness.tasks import readers
from harness.tasks.schema import TaskConfig

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Example:
    """One evaluation example.

    ``input`` is the text itself for text tasks and an absolute file path for
    image, audio and video tasks. ``references`` keeps the order of the task's
    reference columns and may be empty only for hub or user data that the
    metric accepts without a reference.
    """

    id: str
    input: str
    references: tuple[str, ...]
    row: int = 0
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML safe loader that rejects a key repeated in one mapping, which PyYAML otherwise lets the last one win."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping", node.start_mark, f"found duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_yaml(text: str, name: str) -> Any:
    """Parse YAML safely, rejecting duplicate keys; ``name`` labels positions in error messages."""
    stream = io.StringIO(text)
    stream.name = name  # type: ignore[misc]
    return yaml.load(stream, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass


def _format_validation_error(path: Path, error: ValidationError) -> str:
    lines = [f"Invalid task file {path}:"]
    for item in error.errors():
        location = ".".join(str(part) for part in item["loc"]) or "(top level)"
        value = item.get("input")
        shown = repr(value)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        lines.append(f"  field '{location}': {item['msg']} (got {shown})")
    lines.append("See harness/tasks/schema.py for the expected form of each field.")
    return "\n".join(lines)


class Task:
    """A validated task definition bound to the folder it was loaded from."""

    def __init__(self, config: TaskConfig, path: Path) -> None:
        self.config = config
        self.path = path.resolve()
        self.folder = self.path.parent

    @classmethod
    def from_file(cls, path: str | Path) -> Task:
        """Parse and validate a task YAML file; raise :class:`TaskError` naming the file and field."""
        path = Path(path)
        raw = read_bytes(
            path,
            TaskError,
            name="Task file",
            not_found=f"Task file not found: {path}; check the path.",
            folder=f"Task path {path} is a folder; pass the task YAML file inside it.",
        )
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise TaskError(f"Task file {path} is not valid UTF-8 (byte {error.start}); save it as UTF-8.") from None
        try:
            data = load_yaml(text, str(path))
        except yaml.YAMLError as error:
            raise TaskError(f"Task file {path} is not valid YAML: {error}") from None
        if data is None:
            raise TaskError(f"Task file {path} is empty; write a task definition (see harness/tasks/schema.py).")
        if not isinstance(data, dict):
            raise TaskError(f"Task file {path} must contain a YAML mapping of task fields, got a {type(data).__name__}.")
        try:
            config = TaskConfig.model_validate(data)
        except ValidationError as error:
            raise TaskError(_format_validation_error(path, error)) from None
        task = cls(config, path)
        task._check_paths()
        return task

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def family(self) -> str:
        return self.config.family

    @property
    def version(self) -> int:
        return self.config.version

    def resolve(self, relative: str, what: str) -> Path:
        """Resolve a path from the task file; reject paths outside the task folder unless allowed."""
        candidate = Path(relative)
        if candidate.is_absolute() and not self.config.allow_absolute_paths:
            raise TaskError(
                f"Task file {self.path}: {what} {relative!r} is an absolute path; "
                "use a path relative to the task file or set 'allow_absolute_paths: true'."
            )
        resolved = (self.folder / candidate).resolve()
        if not self.config.allow_absolute_paths and not resolved.is_relative_to(self.folder):
            raise TaskError(
                f"Task file {self.path}: {what} {relative!r} resolves to {resolved}, outside the task folder "
                f"{self.folder} (through '..' or a symbolic link); move the file under that folder or set "
                "'allow_absolute_paths: true'."
            )
        return resolved

    def _check_paths(self) -> None:
        for what, relative in self.data_paths_declared():
            self.resolve(relative, what)
        if self.config.input.media_root:
            self.resolve(self.config.input.media_root, "input.media_root")

    def data_paths_declared(self) -> list[tuple[str, str]]:
        """Return (field, relative path) for every local file the task declares."""
        dataset = self.config.dataset
        declared: list[tuple[str, str]] = []
        if dataset.path:
            declared.append(("dataset.path", dataset.path))
        for column, relative in (dataset.files or {}).items():
            declared.append((f"dataset.files.{column}", relative))
        for system, output in self.config.systems.items():
            declared.append((f"systems.{system}.path", output.path))
        return declared

    @cached_property
    def content_hash(self) -> str:
        """SHA-256 over the task file's bytes and every data and system-output file it names.

        The file's bytes are hashed rather than the parsed schema, so adding a
        schema field with a default does not change the hash of existing tasks.
        Media files referenced from inside the data (images, audio, video) are
        not read, so the hash stays cheap; their paths are part of the data file.
        """
        digest = hashlib.sha256()
        digest.update(self.path.read_bytes())
        for what, relative in sorted(self.data_paths_declared()):
            resolved = self.resolve(relative, what)
            digest.update(what.encode())
            if resolved.is_file():
                digest.update(hashlib.sha256(resolved.read_bytes()).digest())
            else:
                digest.update(b"<missing>")
        if self.config.dataset.hub is not None:
            digest.update(self.config.dataset.hub.model_dump_json().encode())
        return "sha256:" + digest.hexdigest()

    def load_rows(self) -> list[dict[str, Any]]:
        """Read the raw dataset rows (dicts) as declared."""
        return readers.read_rows(self)

    def examples(self, limit: int | None = None) -> list[Example]:
        """Return the task's examples in dataset order, validated; ``limit`` keeps the first N."""
        if limit is not None and limit < 1:
            raise TaskError(f"Invalid limit {limit} for task {self.name}: expected a positive number of examples.")
        rows = self.load_rows()
        if not rows:
            raise TaskError(
                f"Task {self.name} has no examples: its data ({readers.data_location(self)}) contains no rows; "
                "add examples or fix dataset in the task file."
            )
        if limit is not None:
            rows = rows[:limit]
        return readers.rows_to_examples(self, rows)

    def __repr__(self) -> str:
        return f"Task({self.name!r}, family={self.family!r}, path={str(self.path)!r})"

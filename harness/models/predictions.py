"""Existing system outputs read from files, scored through the same path as model outputs.

``published:<system>`` reads the output that a task declares under
``systems:``; ``predictions:<file>`` reads any file. Three formats:

* ``lines``: one output per line, in dataset order (the line count must equal
  the number of examples in the task);
* ``jsonl``: objects ``{"id": ..., "prediction": ...}``, matched by example id;
* ``coco``: a COCO caption results JSON list of ``{"image_id": ..., "caption": ...}``,
  matched by example id.

The format of a ``predictions:`` file follows its suffix (``.jsonl``,
``.json`` for COCO results, anything else for lines).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from harness.errors import PredictionsError
from harness.models.base import LoadOptions, Model, ModelInfo
from harness.models.registry import register_adapter

if TYPE_CHECKING:
    from harness.tasks.schema import GenerationSpec
    from harness.tasks.task import Example, Task

logger = logging.getLogger(__name__)


def _decode(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise PredictionsError(f"Predictions file not found: {path}") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise PredictionsError(
            f"Predictions file {path}, line {line}: invalid UTF-8 byte at offset {error.start}; re-encode the file as UTF-8."
        ) from None


def read_lines(path: Path) -> list[str]:
    """Read one prediction per line; a trailing newline does not add an empty prediction."""
    lines = _decode(path).split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.rstrip("\r") for line in lines]


def read_jsonl(path: Path) -> dict[str, str]:
    """Read ``{"id", "prediction"}`` objects into an id -> prediction map."""
    predictions: dict[str, str] = {}
    for number, line in enumerate(_decode(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise PredictionsError(f"Predictions file {path}, line {number}: invalid JSON ({error.msg}).") from None
        if not isinstance(row, dict) or "id" not in row or "prediction" not in row:
            raise PredictionsError(
                f"Predictions file {path}, line {number}: expected an object with 'id' and 'prediction' keys."
            )
        key = str(row["id"])
        if key in predictions:
            raise PredictionsError(f"Predictions file {path}, line {number}: id {key!r} appears twice.")
        predictions[key] = "" if row["prediction"] is None else str(row["prediction"])
    return predictions


def read_coco(path: Path) -> dict[str, str]:
    """Read a COCO caption results file into an image id -> caption map."""
    try:
        data = json.loads(_decode(path))
    except json.JSONDecodeError as error:
        raise PredictionsError(f"Predictions file {path}, line {error.lineno}: invalid JSON ({error.msg}).") from None
    if not isinstance(data, list):
        raise PredictionsError(f"Predictions file {path}: expected a COCO results list of {{image_id, caption}}.")
    predictions: dict[str, str] = {}
    for index, row in enumerate(data):
        if not isinstance(row, dict) or "image_id" not in row or "caption" not in row:
            raise PredictionsError(f"Predictions file {path}, entry {index}: expected keys 'image_id' and 'caption'.")
        key = str(row["image_id"])
        if key in predictions:
            raise PredictionsError(f"Predictions file {path}, entry {index}: image_id {key} appears twice.")
        predictions[key] = row["caption"]
    return predictions


def guess_format(path: Path) -> str:
    """Return the predictions format implied by a file suffix."""
    if path.suffix == ".jsonl":
        return "jsonl"
    if path.suffix == ".json":
        return "coco"
    return "lines"


@register_adapter("predictions", takes_argument=True)
class PredictionsFile(Model):
    """Outputs read from a file; see the module docstring for the formats."""

    families = ("captioning", "video_captioning", "asr", "summarization", "translation")

    def __init__(self, *, name: str, options: LoadOptions, argument: str, file_format: str | None = None) -> None:
        self.path = Path(argument)
        self.file_format = file_format or guess_format(self.path)
        self.info = ModelInfo(name=name, adapter="predictions", source=str(self.path))
        self._outputs: dict[str, str] = {}

    @property
    def is_neural(self) -> bool:
        return False

    def _source(self, task: Task) -> tuple[Path, str]:
        return self.path, self.file_format

    def prepare(self, task: Task, examples: Sequence[Example]) -> None:
        path, file_format = self._source(task)
        self.info.source = str(path)
        if file_format == "lines":
            lines = read_lines(path)
            total = len(task.load_rows())
            if len(lines) != total:
                raise PredictionsError(
                    f"Predictions file {path} has {len(lines)} lines but task {task.name} has {total} examples; "
                    "a lines file needs one output per example in dataset order (empty lines for empty outputs)."
                )
            by_row = dict(enumerate(lines))
            self._outputs = {example.id: by_row[example.row] for example in examples}
            return
        outputs = read_jsonl(path) if file_format == "jsonl" else read_coco(path)
        missing = [example.id for example in examples if example.id not in outputs]
        if missing:
            shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
            raise PredictionsError(
                f"Predictions file {path} has no output for {len(missing)} of {len(examples)} examples of task "
                f"{task.name} (ids {shown}); add them, with an empty prediction where the system gave none."
            )
        known = {example.id for example in examples}
        extra = [key for key in outputs if key not in known]
        if extra and len(examples) == len(task.load_rows()):
            logger.warning("Predictions file %s has %d ids that task %s lacks, e.g. %s", path, len(extra), task.name, extra[0])
        self._outputs = {example.id: outputs[example.id] for example in examples}

    def predict(self, examples: Sequence[Example], task: Task, generation: GenerationSpec) -> list[str]:
        return [self._outputs[example.id] for example in examples]


@register_adapter("published", takes_argument=True)
class PublishedSystem(PredictionsFile):
    """A published system output that the task declares under ``systems:``."""

    def __init__(self, *, name: str, options: LoadOptions, argument: str) -> None:
        super().__init__(name=name, options=options, argument=argument, file_format="lines")
        self.system = argument
        self.info = ModelInfo(name=name, adapter="published", extra={"system": argument})

    def supports(self, task: Task) -> bool:
        return self.system in task.config.systems

    def _source(self, task: Task) -> tuple[Path, str]:
        if self.system not in task.config.systems:
            available = ", ".join(task.config.systems) or "none"
            raise PredictionsError(
                f"Task {task.name} declares no published system {self.system!r} (available: {available})."
            )
        output = task.config.systems[self.system]
        return task.resolve(output.path, f"systems.{self.system}.path"), output.format

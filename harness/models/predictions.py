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
from harness.files import read_bytes
from harness.models.base import LoadOptions, Model, ModelInfo
from harness.models.registry import register_adapter
from harness.tasks.readers import json_type

if TYPE_CHECKING:
    from harness.tasks.schema import GenerationSpec
    from harness.tasks.task import Example, Task

logger = logging.getLogger(__name__)


def _decode(path: Path) -> str:
    """Read a predictions file as UTF-8 text; a leading byte order mark is dropped."""
    raw = read_bytes(
        path,
        PredictionsError,
        name="Predictions file",
        not_found=f"Predictions file not found: {path}; check the path.",
        folder=f"Predictions path {path} is a folder; pass the system output file inside it.",
    )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise PredictionsError(
            f"Predictions file {path}, line {line}: invalid UTF-8 byte at offset {error.start}; re-encode the file as UTF-8."
        ) from None
    return text.removeprefix("\ufeff")


def _json_lines(text: str) -> list[str]:
    """Split JSONL text at newlines only, because str.splitlines also splits at U+2028 and other characters
    that JSON strings may contain unescaped."""
    lines = text.split("\n")
    return [line.removesuffix("\r") for line in lines]


def read_lines(path: Path) -> list[str]:
    """Read one prediction per line; a trailing newline does not add an empty prediction.

    Lines may end in LF or CRLF. A carriage return anywhere else raises
    :class:`PredictionsError`, because old Mac line ends (CR only) or a CR
    inside an output would silently shift every later prediction.
    """
    lines = _decode(path).split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lines = [line.removesuffix("\r") for line in lines]
    for number, line in enumerate(lines, start=1):
        if "\r" in line:
            raise PredictionsError(
                f"Predictions file {path}, line {number}: contains a carriage return (\\r) that does not end the line; "
                "a lines file needs one output per line with LF or CRLF line ends. Replace lone \\r characters "
                "(for example with a space) or convert CR line ends to LF."
            )
    return lines


def read_jsonl(path: Path) -> dict[str, str]:
    """Read ``{"id", "prediction"}`` objects into an id -> prediction map."""
    predictions: dict[str, str] = {}
    for number, line in enumerate(_json_lines(_decode(path)), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise PredictionsError(
                f"Predictions file {path}, line {number}: invalid JSON ({error.msg}); fix or complete the line."
            ) from None
        if not isinstance(row, dict) or "id" not in row or "prediction" not in row:
            raise PredictionsError(
                f"Predictions file {path}, line {number}: expected an object with 'id' and 'prediction' keys, "
                f"for example {{\"id\": \"0\", \"prediction\": \"...\"}}."
            )
        key = str(row["id"])
        if key in predictions:
            raise PredictionsError(f"Predictions file {path}, line {number}: id {key!r} appears twice; keep one output per id.")
        prediction = row["prediction"]
        if prediction is not None and not isinstance(prediction, str):
            raise PredictionsError(
                f"Predictions file {path}, line {number}: 'prediction' of id {key!r} is a {json_type(prediction)}; "
                "expected a string (or null for an empty output)."
            )
        predictions[key] = prediction or ""
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
            raise PredictionsError(
                f"Predictions file {path}, entry {index}: image_id {key} appears twice; keep one caption per image."
            )
        caption = row["caption"]
        if not isinstance(caption, str):
            raise PredictionsError(
                f"Predictions file {path}, entry {index}: caption of image_id {key} is a {json_type(caption)}; "
                "expected a string (use \"\" for an empty caption)."
            )
        predictions[key] = caption
    return predictions


def _count_mismatch(path: Path, lines: list[str], task_name: str, total: int) -> str:
    """Return the error message for a lines file whose line count differs from the task's example count."""
    message = (
        f"Predictions file {path} has {len(lines)} lines but task {task_name} has {total} examples; "
        "a lines file needs one output per example in dataset order (empty lines for empty outputs)."
    )
    trailing_empty = 0
    while trailing_empty < len(lines) and lines[-1 - trailing_empty] == "":
        trailing_empty += 1
    if len(lines) > total and trailing_empty >= len(lines) - total:
        plural = "s" if trailing_empty != 1 else ""
        message += f" The file ends with {trailing_empty} empty line{plural}; delete the extra ones."
    return message


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
        if not argument.strip():
            raise PredictionsError(f"Model {name!r} names no file; write predictions:<path of the system output file>.")
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
                raise PredictionsError(_count_mismatch(path, lines, task.name, total))
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

    def unsupported_reason(self, task: Task) -> str | None:
        """Return why this system cannot be scored on ``task``, or None when it can."""
        if self.system in task.config.systems:
            return None
        if not task.config.systems:
            return f"Task {task.name} declares no published systems; score a file with predictions:<path>."
        available = ", ".join(task.config.systems)
        return (
            f"Task {task.name} declares no published system {self.system!r} (available: {available}); "
            f"pick one of those or score a file with predictions:<path>."
        )

    def _source(self, task: Task) -> tuple[Path, str]:
        if self.system not in task.config.systems:
            available = ", ".join(task.config.systems) or "none"
            raise PredictionsError(
                f"Task {task.name} declares no published system {self.system!r} (available: {available})."
            )
        output = task.config.systems[self.system]
        return task.resolve(output.path, f"systems.{self.system}.path"), output.format

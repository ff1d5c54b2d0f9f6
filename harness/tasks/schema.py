"""Typed schema of a task definition file (``tasks/<family>/<name>.yaml``).

A task file declares where its examples come from, which field is the model
input and which fields hold the references, the languages, the metrics with
their options, the generation settings and a version. Example::

    name: wmt22_zh_en
    family: translation
    version: 1
    source_language: zh
    target_language: en
    dataset:
      format: lines
      files: {source: data/src.zh, ref_a: data/ref.A.en, ref_b: data/ref.B.en}
    input: {field: source, kind: text}
    references: [ref_a, ref_b]
    metrics:
      - bleu
      - {name: chrf, options: {word_order: 2}}
    generation: {max_new_tokens: 256}
    systems:
      JDExploreAcademy: {path: data/hyp.JDExploreAcademy.en}
"""

from __future__ import annotations

import codecs
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

FAMILIES = ("captioning", "video_captioning", "asr", "summarization", "translation")

Family = Literal["captioning", "video_captioning", "asr", "summarization", "translation"]
InputKind = Literal["text", "image", "audio", "video"]
DatasetFormat = Literal["jsonl", "csv", "tsv", "lines", "json", "hf"]
PredictionsFormat = Literal["lines", "jsonl", "coco"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HubSource(_Strict):
    """A Hugging Face hub dataset, loaded with ``datasets.load_dataset``."""

    path: str = Field(description="Dataset id on the hub, e.g. 'mozilla-foundation/common_voice_17_0'.")
    name: str | None = Field(default=None, description="Dataset configuration name.")
    split: str = Field(default="test", description="Split to evaluate.")
    revision: str | None = Field(
        default=None, description="Git revision of the dataset repository; pin it for reproducible results."
    )


class DatasetSpec(_Strict):
    """Source of the examples.

    Local paths are relative to the folder of the task file. ``path`` names one
    JSONL, JSON (a list of objects), CSV or TSV file with one example per row.
    ``files`` maps field names to line-aligned plain text files (format
    ``lines``), one example per line across all files.
    """

    format: DatasetFormat = Field(description="File format of the data, or 'hf' for a hub dataset.")
    path: str | None = Field(default=None, description="Data file for jsonl, json, csv and tsv formats.")
    files: dict[str, str] | None = Field(
        default=None, description="Field name -> line-aligned text file, for the 'lines' format."
    )
    hub: HubSource | None = Field(default=None, description="Hub dataset, for the 'hf' format.")
    encoding: str = Field(default="utf-8", description="Text encoding of local files.")

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(f"unknown text encoding {value!r}; use a Python codec name such as utf-8 or latin-1") from None
        return value

    @model_validator(mode="after")
    def _check_source(self) -> DatasetSpec:
        if self.format == "lines":
            if not self.files:
                raise ValueError("format 'lines' needs 'files': a map of field name -> text file")
        elif self.format == "hf":
            if self.hub is None:
                raise ValueError("format 'hf' needs 'hub': {path, name, split, revision}")
        elif not self.path:
            raise ValueError(f"format {self.format!r} needs 'path': the data file relative to the task file")
        return self


class InputSpec(_Strict):
    """The model input of each example."""

    field: str = Field(description="Column holding the input text or the media path.")
    kind: InputKind = Field(default="text", description="text, or a path to an image, audio or video file.")
    media_root: str | None = Field(
        default=None, description="Folder that relative media paths are resolved against; default the data file's folder."
    )
    num_frames: int = Field(default=8, ge=1, description="Frames sampled uniformly from each video.")


class MetricSpec(_Strict):
    """One metric and its options, passed unchanged to the metric's constructor."""

    name: str
    options: dict[str, Any] = Field(default_factory=dict)


class GenerationSpec(_Strict):
    """Generation settings. Decoding is greedy unless ``num_beams`` or ``do_sample`` request otherwise."""

    max_new_tokens: int = Field(default=128, ge=1, description="Maximum number of generated tokens per example.")
    num_beams: int = Field(default=1, ge=1)
    do_sample: bool = False
    temperature: float = Field(default=1.0, gt=0)
    stop: list[str] = Field(default_factory=list, description="Stop sequences; the output is cut before the first one.")
    prompt: str | None = Field(
        default=None,
        description="Prompt template for decoder-only models; '{input}' is replaced by the input text.",
    )
    max_input_tokens: int | None = Field(
        default=None, description="Inputs longer than this many tokens are truncated from the right."
    )
    language: str | None = Field(default=None, description="Language token for multilingual speech models.")
    lead_k: int = Field(default=3, ge=1, description="Sentences kept by the lead-k and extractive baselines.")


class SystemOutput(_Strict):
    """A published system output for this task, scored through the predictions model."""

    path: str = Field(description="Output file relative to the task file.")
    format: PredictionsFormat = Field(default="lines", description="lines, jsonl ({id, prediction}) or coco results JSON.")
    description: str | None = None


class TaskConfig(_Strict):
    """A whole task definition."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.\-]+$", description="Unique task name.")
    family: Family
    version: int = Field(ge=0, description="Bump when the data or the scoring changes.")
    description: str = ""
    dataset: DatasetSpec
    input: InputSpec
    references: list[str] = Field(
        min_length=1, description="Columns holding references; a column may hold one string or a list of them."
    )
    id_field: str | None = Field(default=None, description="Column with a unique example id; default the row number.")
    source_language: str | None = None
    target_language: str | None = None
    metrics: list[MetricSpec] = Field(min_length=1)
    generation: GenerationSpec = Field(default_factory=GenerationSpec)
    systems: dict[str, SystemOutput] = Field(default_factory=dict, description="Published system outputs by name.")
    predictions_only: bool = Field(
        default=False,
        description="The inputs are not shipped (for example, image ids without images): only system outputs can be scored.",
    )
    license: str | None = Field(default=None, description="Licence of the data, or where the licence is stated.")
    allow_absolute_paths: bool = Field(
        default=False, description="Allow absolute paths and paths outside the task folder."
    )

    @field_validator("metrics", mode="before")
    @classmethod
    def _metric_shorthand(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [{"name": item} if isinstance(item, str) else item for item in value]
        return value

"""The contract every model adapter implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Sequence

if TYPE_CHECKING:
    from harness.tasks.schema import GenerationSpec
    from harness.tasks.task import Example, Task


@dataclass
class LoadOptions:
    """Settings shared by all adapters when a model is loaded.

    ``device`` is already resolved (``cpu``, ``cuda:0``, ``mps``) and
    ``dtype`` is ``auto`` or a torch dtype name.
    """

    device: str = "cpu"
    dtype: str = "auto"
    trust_remote_code: bool = False
    revision: str | None = None
    random_weights: bool = False
    seed: int = 0
    attn_implementation: str | None = None


@dataclass
class ModelInfo:
    """Facts about a model that a results file records."""

    name: str
    adapter: str
    source: str | None = None
    revision: str | None = None
    weights_sha256: str | None = None
    dtype: str | None = None
    device: str | None = None
    parameters: int | None = None
    random_weights: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class BatchStats:
    """Counts of one ``predict`` call, used by the profiler; zero when not applicable.

    ``per_example`` contains one dict per example of the batch, in batch order,
    that the runner adds to the sample records (for example the audio
    duration in seconds); it may be empty.
    """

    input_tokens: int = 0
    output_tokens: int = 0
    audio_seconds: float = 0.0
    per_example: list[dict[str, Any]] = field(default_factory=list)


class Model(ABC):
    """A system that maps task inputs to text outputs.

    ``families`` lists the task families the adapter accepts. ``predict``
    receives a batch of examples and returns one output string per example,
    in the same order; it must be deterministic for a fixed seed.
    """

    families: ClassVar[tuple[str, ...]] = ()
    info: ModelInfo

    def supports(self, task: Task) -> bool:
        """Return whether this model can run ``task``."""
        return task.family in self.families

    def input_length(self, example: Example, task: Task) -> float:
        """Return the length used to sort examples into batches (characters unless overridden)."""
        return float(len(example.input))

    def prepare(self, task: Task, examples: Sequence[Example]) -> None:  # noqa: B027 - optional hook
        """Prepare for a task before its first batch (for example, read a system output)."""

    def prepare_inputs(self, examples: Sequence[Example], task: Task, generation: GenerationSpec) -> None:  # noqa: B027 - optional hook
        """Build the model inputs of ``examples`` before the first ``predict`` call of a task.

        The runner passes the examples that it is about to predict. ``predict``
        must still accept examples that this hook has not seen.
        """

    @abstractmethod
    def predict(self, examples: Sequence[Example], task: Task, generation: GenerationSpec) -> list[str]:
        """Return one output per example, in input order."""

    @property
    def last_batch_stats(self) -> BatchStats:
        """Token counts of the most recent ``predict`` call."""
        return getattr(self, "_last_batch_stats", BatchStats())

    @property
    def is_neural(self) -> bool:
        """Whether the model runs a network (and so batch size, device and dtype matter)."""
        return True

"""Lead-k summarization baseline: the first k sentences of the article."""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from harness.models.base import LoadOptions, Model, ModelInfo
from harness.models.registry import register_adapter, register_model
from harness.text.sentences import split_sentences

if TYPE_CHECKING:
    from harness.tasks.schema import GenerationSpec
    from harness.tasks.task import Example, Task


@register_adapter("lead-k")
class LeadK(Model):
    """Extract the first ``k`` sentences of each article, joined by newlines.

    Lead-3 is the standard reference point for news summarization (See et al.,
    2017, report it on CNN/DailyMail). Sentences come from
    :func:`harness.text.sentences.split_sentences`; ``<t>``/``</t>`` tags in
    the input are removed first. One sentence per line lets ROUGE-Lsum see
    the sentence boundaries.
    """

    families = ("summarization",)

    def __init__(self, *, name: str, options: LoadOptions, k: int = 3) -> None:
        self.k = k
        self.info = ModelInfo(name=name, adapter="lead-k", extra={"k": k})

    @property
    def is_neural(self) -> bool:
        return False

    def predict(self, examples: Sequence[Example], task: Task, generation: GenerationSpec) -> list[str]:
        return ["\n".join(split_sentences(example.input)[: self.k]) for example in examples]


register_model("lead-3", adapter="lead-k", k=3, description="First three sentences of the article", weights="none")

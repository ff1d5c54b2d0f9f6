"""Convert a CTranslate2 Whisper model folder into a ``transformers`` Whisper checkpoint.

A CTranslate2 Whisper folder (as written by ``ct2-transformers-converter``
or shipped for faster-whisper) contains ``model.bin``, ``config.json`` and
``tokenizer.json``. The output folder loads with
``WhisperForConditionalGeneration.from_pretrained`` and ``WhisperProcessor``.

``model.bin`` layout (CTranslate2 binary version 6, little endian): u32
version, string spec name, u32 spec revision, u32 variable count, then per
variable a string name, u8 rank, u32 dims[rank], u8 dtype, u32 byte count
and the raw data; then u32 alias count and (alias, target) string pairs. A
string is a u16 length that counts a trailing NUL, then the bytes.

Weight mapping, CTranslate2 -> transformers:

* encoder and decoder self-attention ``linear_0`` is q, k and v stacked
  along the output dimension; decoder cross-attention ``linear_0`` is q and
  ``linear_1`` is k and v stacked. transformers' key projections have no
  bias (CTranslate2 stores zeros there, which the converter checks);
* layer norms store ``gamma``/``beta`` (transformers ``weight``/``bias``);
* the decoder output projection is an alias of the token embeddings, which
  transformers ties (``tie_word_embeddings``).

The weights of the shipped CTranslate2 models are float16; the output keeps
float16 or widens to float32 (``dtype``), which changes no value.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from harness.errors import ModelError

logger = logging.getLogger(__name__)

CT2_BINARY_VERSION = 6
CT2_DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}
CT2_BFLOAT16 = 5
OUTPUT_DTYPES = ("float32", "float16")

# Whisper audio front end (openai/whisper audio.py): 16 kHz, 25 ms window, 10 ms hop, 30 s windows.
SAMPLING_RATE = 16000
N_FFT = 400
HOP_LENGTH = 160
CHUNK_LENGTH_S = 30

# Timestamp tokens follow <|notimestamps|>, one per 0.02 s from 0.00 to 30.00.
TIMESTAMP_STEP_S = 0.02


@dataclass
class CT2Model:
    """The variables and aliases of a CTranslate2 ``model.bin``."""

    spec: str
    revision: int
    variables: dict[str, np.ndarray]
    aliases: dict[str, str]

    def get(self, name: str) -> np.ndarray:
        """Return variable ``name``, following aliases."""
        name = self.aliases.get(name, name)
        if name not in self.variables:
            raise ModelError(f"CTranslate2 model ({self.spec}) has no variable {name!r}; is this a Whisper model?")
        return self.variables[name]


def _read_exact(handle: BinaryIO, size: int, path: Path) -> bytes:
    data = handle.read(size)
    if len(data) != size:
        raise ModelError(f"{path} is truncated: expected {size} more bytes at offset {handle.tell()}.")
    return data


def _read_string(handle: BinaryIO, path: Path) -> str:
    (length,) = struct.unpack("<H", _read_exact(handle, 2, path))
    return _read_exact(handle, length, path).rstrip(b"\0").decode("utf-8")


def read_ct2_model(path: str | Path) -> CT2Model:
    """Parse a CTranslate2 ``model.bin``; raise :class:`ModelError` on another format or version."""
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"CTranslate2 model file not found: {path}")
    variables: dict[str, np.ndarray] = {}
    with path.open("rb") as handle:
        (version,) = struct.unpack("<I", _read_exact(handle, 4, path))
        if version != CT2_BINARY_VERSION:
            raise ModelError(
                f"{path} has CTranslate2 binary version {version}; this converter reads version {CT2_BINARY_VERSION}."
            )
        spec = _read_string(handle, path)
        (revision, count) = struct.unpack("<II", _read_exact(handle, 8, path))
        for _ in range(count):
            name = _read_string(handle, path)
            (rank,) = struct.unpack("<B", _read_exact(handle, 1, path))
            shape = struct.unpack(f"<{rank}I", _read_exact(handle, 4 * rank, path))
            (dtype_id, size) = struct.unpack("<BI", _read_exact(handle, 5, path))
            raw = _read_exact(handle, size, path)
            if dtype_id == CT2_BFLOAT16:
                # numpy has no bfloat16: widen to float32 by placing the 16 bits in the high half.
                array = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
            elif dtype_id in CT2_DTYPES:
                array = np.frombuffer(raw, dtype=np.dtype(CT2_DTYPES[dtype_id]).newbyteorder("<"))
            else:
                raise ModelError(f"{path}: variable {name!r} has unknown CTranslate2 dtype id {dtype_id}.")
            variables[name] = array.reshape(shape)
        (alias_count,) = struct.unpack("<I", _read_exact(handle, 4, path))
        aliases = {}
        for _ in range(alias_count):
            alias = _read_string(handle, path)
            aliases[alias] = _read_string(handle, path)
    return CT2Model(spec=spec, revision=revision, variables=variables, aliases=aliases)


def _count_layers(model: CT2Model, stack: str) -> int:
    indices = {int(match.group(1)) for name in model.variables if (match := re.match(rf"{stack}/layer_(\d+)/", name))}
    if not indices:
        raise ModelError(f"CTranslate2 model ({model.spec}) has no {stack} layers; is this a Whisper model?")
    return max(indices) + 1


def _scalar(model: CT2Model, name: str) -> int:
    return int(model.get(name).reshape(-1)[0])


def _check_zero_key_bias(bias: np.ndarray, name: str) -> None:
    if np.any(bias != 0):
        raise ModelError(
            f"CTranslate2 variable {name} has a non-zero key bias, which transformers' Whisper cannot represent."
        )


def _attention(
    model: CT2Model, prefix: str, target: str, weights: dict[str, np.ndarray], d_model: int, fused_qkv: bool
) -> None:
    """Map one attention block; ``fused_qkv`` is self-attention (q, k, v in linear_0) vs. cross-attention."""
    if fused_qkv:
        weight = model.get(f"{prefix}/linear_0/weight")
        bias = model.get(f"{prefix}/linear_0/bias")
        q_weight, k_weight, v_weight = np.split(weight, 3, axis=0)
        q_bias, k_bias, v_bias = np.split(bias, 3)
        output = "linear_1"
    else:
        q_weight = model.get(f"{prefix}/linear_0/weight")
        q_bias = model.get(f"{prefix}/linear_0/bias")
        k_weight, v_weight = np.split(model.get(f"{prefix}/linear_1/weight"), 2, axis=0)
        k_bias, v_bias = np.split(model.get(f"{prefix}/linear_1/bias"), 2)
        output = "linear_2"
    if q_weight.shape != (d_model, d_model):
        raise ModelError(f"CTranslate2 variable {prefix}/linear_0 has shape {q_weight.shape}; expected q of {d_model}.")
    _check_zero_key_bias(k_bias, prefix)
    weights[f"{target}.q_proj.weight"] = q_weight
    weights[f"{target}.q_proj.bias"] = q_bias
    weights[f"{target}.k_proj.weight"] = k_weight
    weights[f"{target}.v_proj.weight"] = v_weight
    weights[f"{target}.v_proj.bias"] = v_bias
    weights[f"{target}.out_proj.weight"] = model.get(f"{prefix}/{output}/weight")
    weights[f"{target}.out_proj.bias"] = model.get(f"{prefix}/{output}/bias")


def _layer_norm(model: CT2Model, prefix: str, target: str, weights: dict[str, np.ndarray]) -> None:
    weights[f"{target}.weight"] = model.get(f"{prefix}/gamma")
    weights[f"{target}.bias"] = model.get(f"{prefix}/beta")


def _ffn(model: CT2Model, prefix: str, target: str, weights: dict[str, np.ndarray]) -> None:
    _layer_norm(model, f"{prefix}/layer_norm", f"{target}.final_layer_norm", weights)
    weights[f"{target}.fc1.weight"] = model.get(f"{prefix}/linear_0/weight")
    weights[f"{target}.fc1.bias"] = model.get(f"{prefix}/linear_0/bias")
    weights[f"{target}.fc2.weight"] = model.get(f"{prefix}/linear_1/weight")
    weights[f"{target}.fc2.bias"] = model.get(f"{prefix}/linear_1/bias")


def map_weights(model: CT2Model) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """Return the transformers state dict and the architecture sizes of a CTranslate2 ``WhisperSpec``."""
    if model.spec != "WhisperSpec":
        raise ModelError(f"CTranslate2 model spec is {model.spec!r}; this converter handles WhisperSpec only.")
    embeddings = model.get("decoder/embeddings/weight")
    vocab_size, d_model = embeddings.shape
    conv1 = model.get("encoder/conv1/weight")
    sizes = {
        "vocab_size": int(vocab_size),
        "d_model": int(d_model),
        "num_mel_bins": int(conv1.shape[1]),
        "encoder_layers": _count_layers(model, "encoder"),
        "decoder_layers": _count_layers(model, "decoder"),
        "encoder_attention_heads": _scalar(model, "encoder/num_heads"),
        "decoder_attention_heads": _scalar(model, "decoder/num_heads"),
        "encoder_ffn_dim": int(model.get("encoder/layer_0/ffn/linear_0/weight").shape[0]),
        "decoder_ffn_dim": int(model.get("decoder/layer_0/ffn/linear_0/weight").shape[0]),
        "max_source_positions": int(model.get("encoder/position_encodings/encodings").shape[0]),
        "max_target_positions": int(model.get("decoder/position_encodings/encodings").shape[0]),
    }

    weights: dict[str, np.ndarray] = {}
    for index in (1, 2):
        weights[f"model.encoder.conv{index}.weight"] = model.get(f"encoder/conv{index}/weight")
        weights[f"model.encoder.conv{index}.bias"] = model.get(f"encoder/conv{index}/bias")
    weights["model.encoder.embed_positions.weight"] = model.get("encoder/position_encodings/encodings")
    for layer in range(sizes["encoder_layers"]):
        source, target = f"encoder/layer_{layer}", f"model.encoder.layers.{layer}"
        _layer_norm(model, f"{source}/self_attention/layer_norm", f"{target}.self_attn_layer_norm", weights)
        _attention(model, f"{source}/self_attention", f"{target}.self_attn", weights, d_model, fused_qkv=True)
        _ffn(model, f"{source}/ffn", target, weights)
    _layer_norm(model, "encoder/layer_norm", "model.encoder.layer_norm", weights)

    weights["model.decoder.embed_tokens.weight"] = embeddings
    weights["model.decoder.embed_positions.weight"] = model.get("decoder/position_encodings/encodings")
    for layer in range(sizes["decoder_layers"]):
        source, target = f"decoder/layer_{layer}", f"model.decoder.layers.{layer}"
        _layer_norm(model, f"{source}/self_attention/layer_norm", f"{target}.self_attn_layer_norm", weights)
        _attention(model, f"{source}/self_attention", f"{target}.self_attn", weights, d_model, fused_qkv=True)
        _layer_norm(model, f"{source}/attention/layer_norm", f"{target}.encoder_attn_layer_norm", weights)
        _attention(model, f"{source}/attention", f"{target}.encoder_attn", weights, d_model, fused_qkv=False)
        _ffn(model, f"{source}/ffn", target, weights)
    _layer_norm(model, "decoder/layer_norm", "model.decoder.layer_norm", weights)

    projection = model.aliases.get("decoder/projection/weight")
    if projection is not None and projection != "decoder/embeddings/weight":
        raise ModelError("CTranslate2 decoder projection is not tied to the token embeddings; not supported.")
    if projection is None and "decoder/projection/weight" in model.variables:
        if not np.array_equal(model.variables["decoder/projection/weight"], embeddings):
            raise ModelError("CTranslate2 decoder projection differs from the token embeddings; not supported.")
    return weights, sizes


def _special_tokens(tokenizer_path: Path) -> dict[str, int]:
    """Return the added (special) tokens of a ``tokenizer.json`` by content."""
    data = json.loads(tokenizer_path.read_text(encoding="utf-8"))
    return {token["content"]: int(token["id"]) for token in data.get("added_tokens", [])}


def _require(tokens: dict[str, int], content: str, path: Path) -> int:
    if content not in tokens:
        raise ModelError(f"{path} has no special token {content}; is it a Whisper tokenizer?")
    return tokens[content]


def build_configs(
    sizes: dict[str, int], ct2_config: dict, tokens: dict[str, int], tokenizer_path: Path
) -> tuple[dict, dict]:
    """Return ``config.json`` and ``generation_config.json`` contents for a converted model.

    CTranslate2's ``suppress_ids`` and ``suppress_ids_begin`` become
    ``suppress_tokens`` and ``begin_suppress_tokens``, ``alignment_heads``
    stays as it is, and ``lang_ids`` become ``lang_to_id``. A model is
    multilingual when its vocabulary has at least 51865 tokens, the rule
    faster-whisper and openai/whisper apply.
    """
    end_of_text = _require(tokens, "<|endoftext|>", tokenizer_path)
    start_of_transcript = _require(tokens, "<|startoftranscript|>", tokenizer_path)
    no_timestamps = _require(tokens, "<|notimestamps|>", tokenizer_path)
    suppress = [int(token) for token in ct2_config.get("suppress_ids", [])]
    begin_suppress = [int(token) for token in ct2_config.get("suppress_ids_begin", [220, end_of_text])]
    is_multilingual = sizes["vocab_size"] >= 51865

    config = {
        "architectures": ["WhisperForConditionalGeneration"],
        "model_type": "whisper",
        **sizes,
        "activation_function": "gelu",
        "scale_embedding": False,
        "tie_word_embeddings": True,
        "decoder_start_token_id": start_of_transcript,
        "bos_token_id": end_of_text,
        "eos_token_id": end_of_text,
        "pad_token_id": end_of_text,
        "use_cache": True,
        "dtype": "float32",
    }

    id_to_token = {index: content for content, index in tokens.items()}
    generation = {
        "decoder_start_token_id": start_of_transcript,
        "bos_token_id": end_of_text,
        "eos_token_id": end_of_text,
        "pad_token_id": end_of_text,
        "no_timestamps_token_id": no_timestamps,
        "suppress_tokens": suppress,
        "begin_suppress_tokens": begin_suppress,
        "alignment_heads": [list(map(int, head)) for head in ct2_config.get("alignment_heads", [])],
        "is_multilingual": is_multilingual,
        "max_length": sizes["max_target_positions"],
        "max_initial_timestamp_index": 50,
        "return_timestamps": False,
    }
    if "<|startofprev|>" in tokens:
        generation["prev_sot_token_id"] = tokens["<|startofprev|>"]
    if is_multilingual:
        generation["lang_to_id"] = {
            id_to_token[int(index)]: int(index) for index in ct2_config.get("lang_ids", []) if int(index) in id_to_token
        }
        generation["task_to_id"] = {
            "transcribe": _require(tokens, "<|transcribe|>", tokenizer_path),
            "translate": _require(tokens, "<|translate|>", tokenizer_path),
        }
    return config, generation


def _save_tokenizer(tokenizer_path: Path, output: Path, vocab_size: int, no_timestamps: int, num_mel_bins: int) -> None:
    """Write the Whisper tokenizer (with timestamp tokens added up to ``vocab_size``) and feature extractor."""
    from tokenizers import AddedToken
    from transformers import WhisperFeatureExtractor, WhisperProcessor, WhisperTokenizer

    with tempfile.TemporaryDirectory() as scratch:
        shutil.copy(tokenizer_path, Path(scratch) / "tokenizer.json")
        tokenizer = WhisperTokenizer.from_pretrained(scratch)
    timestamps = [
        AddedToken(f"<|{index * TIMESTAMP_STEP_S:.2f}|>", lstrip=False, rstrip=False, normalized=False, special=False)
        for index in range(vocab_size - no_timestamps - 1)
    ]
    if len(tokenizer) == no_timestamps + 1 and timestamps:
        tokenizer.add_tokens(timestamps)
    if len(tokenizer) != vocab_size:
        logger.warning("Tokenizer has %d tokens but the model's vocabulary has %d", len(tokenizer), vocab_size)
    features = WhisperFeatureExtractor(
        feature_size=num_mel_bins, sampling_rate=SAMPLING_RATE, hop_length=HOP_LENGTH, chunk_length=CHUNK_LENGTH_S, n_fft=N_FFT
    )
    WhisperProcessor(feature_extractor=features, tokenizer=tokenizer).save_pretrained(output)


def convert_ct2_whisper(source: str | Path, destination: str | Path, dtype: str = "float32") -> Path:
    """Convert the CTranslate2 Whisper folder ``source`` into a transformers checkpoint at ``destination``.

    ``dtype`` is ``float32`` or ``float16``. The folder is written to a
    temporary sibling and renamed into place, so ``destination`` is either
    complete or absent. Returns ``destination``.
    """
    import torch
    from safetensors.torch import save_file

    source, destination = Path(source), Path(destination)
    if dtype not in OUTPUT_DTYPES:
        raise ModelError(f"Invalid output dtype {dtype!r}; expected one of {', '.join(OUTPUT_DTYPES)}.")
    for required in ("model.bin", "config.json", "tokenizer.json"):
        if not (source / required).is_file():
            raise ModelError(
                f"{source} has no {required}; pass a CTranslate2 Whisper folder (model.bin, config.json, tokenizer.json)."
            )
    if destination.exists() and any(destination.iterdir()):
        raise ModelError(f"Output folder {destination} exists and is not empty; remove it or choose another folder.")

    model = read_ct2_model(source / "model.bin")
    weights, sizes = map_weights(model)
    tokenizer_path = source / "tokenizer.json"
    tokens = _special_tokens(tokenizer_path)
    ct2_config = json.loads((source / "config.json").read_text(encoding="utf-8"))
    config, generation = build_configs(sizes, ct2_config, tokens, tokenizer_path)
    config["dtype"] = dtype

    torch_dtype = torch.float32 if dtype == "float32" else torch.float16
    tensors = {name: torch.from_numpy(np.array(array, dtype=np.float32)).to(torch_dtype) for name, array in weights.items()}

    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{destination.name}.", dir=destination.parent))
    try:
        save_file(tensors, str(staging / "model.safetensors"), metadata={"format": "pt"})
        (staging / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
        (staging / "generation_config.json").write_text(json.dumps(generation, indent=2) + "\n", encoding="utf-8")
        _save_tokenizer(tokenizer_path, staging, sizes["vocab_size"], generation["no_timestamps_token_id"], sizes["num_mel_bins"])
        if destination.exists():
            destination.rmdir()
        os.replace(staging, destination)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    logger.info("Converted %s to %s (%s, %d tensors)", source, destination, dtype, len(tensors))
    return destination

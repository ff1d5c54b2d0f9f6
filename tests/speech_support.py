"""Tiny speech checkpoints built from configs, saved like real ones, for adapter tests.

Weights are random (fixed seed): these models test loading, batching,
decoding and the runner, not transcription quality.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import soundfile
import torch

# Special tokens of Whisper's tokenizer in their published order (openai/whisper tokenizer.py).
WHISPER_SPECIALS = (
    "<|endoftext|>",
    "<|startoftranscript|>",
    "<|en|>",
    "<|zh|>",
    "<|translate|>",
    "<|transcribe|>",
    "<|startoflm|>",
    "<|startofprev|>",
    "<|nospeech|>",
    "<|notimestamps|>",
)


def _byte_alphabet() -> list[str]:
    from tokenizers.pre_tokenizers import ByteLevel

    return sorted(ByteLevel.alphabet())


def save_tiny_whisper(folder: Path, multilingual: bool = True, seed: int = 0) -> Path:
    """Save a 1-layer Whisper with a byte-level tokenizer (256 bytes, no merges) and the Whisper special tokens.

    ``multilingual`` writes ``lang_to_id`` and ``task_to_id`` so that
    ``generate`` places language and task tokens in the prompt.
    """
    from transformers import (
        GenerationConfig,
        WhisperConfig,
        WhisperFeatureExtractor,
        WhisperForConditionalGeneration,
        WhisperProcessor,
        WhisperTokenizer,
    )

    vocab = {symbol: index for index, symbol in enumerate(_byte_alphabet())}
    for token in WHISPER_SPECIALS:
        vocab[token] = len(vocab)
    ids = {token: vocab[token] for token in WHISPER_SPECIALS}
    folder.mkdir(parents=True, exist_ok=True)

    tokenizer = WhisperTokenizer(vocab=vocab, merges=[])
    tokenizer.add_special_tokens({"additional_special_tokens": list(WHISPER_SPECIALS[1:])})
    features = WhisperFeatureExtractor(feature_size=80)
    WhisperProcessor(feature_extractor=features, tokenizer=tokenizer).save_pretrained(folder)

    end = ids["<|endoftext|>"]
    config = WhisperConfig(
        vocab_size=len(vocab),
        num_mel_bins=80,
        d_model=32,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=64,
        decoder_ffn_dim=64,
        max_source_positions=1500,
        max_target_positions=448,
        decoder_start_token_id=ids["<|startoftranscript|>"],
        pad_token_id=end,
        bos_token_id=end,
        eos_token_id=end,
        begin_suppress_tokens=[end],
    )
    torch.manual_seed(seed)
    model = WhisperForConditionalGeneration(config).eval()
    generation = GenerationConfig(
        decoder_start_token_id=ids["<|startoftranscript|>"],
        bos_token_id=end,
        eos_token_id=end,
        pad_token_id=end,
        no_timestamps_token_id=ids["<|notimestamps|>"],
        prev_sot_token_id=ids["<|startofprev|>"],
        begin_suppress_tokens=[end],
        suppress_tokens=[],
        is_multilingual=multilingual,
        max_length=448,
        return_timestamps=False,
    )
    if multilingual:
        generation.lang_to_id = {"<|en|>": ids["<|en|>"], "<|zh|>": ids["<|zh|>"]}
        generation.task_to_id = {"transcribe": ids["<|transcribe|>"], "translate": ids["<|translate|>"]}
    model.generation_config = generation
    model.save_pretrained(folder)
    return folder


CTC_LETTERS = list("ABCDEFGHIJKLMNOPQRSTUVWXYZ'")


def save_tiny_ctc(folder: Path, architecture: str = "wav2vec2", seed: int = 0) -> Path:
    """Save a 1-layer wav2vec2 or HuBERT CTC model with a character vocabulary and its processor."""
    from transformers import (
        HubertConfig,
        HubertForCTC,
        Wav2Vec2Config,
        Wav2Vec2CTCTokenizer,
        Wav2Vec2FeatureExtractor,
        Wav2Vec2ForCTC,
        Wav2Vec2Processor,
    )

    folder.mkdir(parents=True, exist_ok=True)
    vocab = {"<pad>": 0, "<s>": 1, "</s>": 2, "<unk>": 3, "|": 4}
    for letter in CTC_LETTERS:
        vocab[letter] = len(vocab)
    vocab_path = folder / "vocab.json"
    vocab_path.write_text(json.dumps(vocab), encoding="utf-8")
    tokenizer = Wav2Vec2CTCTokenizer(str(vocab_path), word_delimiter_token="|")
    # Layer-normalised feature encoder with attention masks (the wav2vec2-large-lv60 layout), so padding is masked.
    features = Wav2Vec2FeatureExtractor(
        feature_size=1, sampling_rate=16000, padding_value=0.0, do_normalize=True, return_attention_mask=True
    )
    Wav2Vec2Processor(feature_extractor=features, tokenizer=tokenizer).save_pretrained(folder)

    sizes = dict(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        conv_dim=(32, 32, 32),
        conv_stride=(5, 4, 4),
        conv_kernel=(10, 4, 4),
        num_conv_pos_embeddings=16,
        num_conv_pos_embedding_groups=2,
        feat_extract_norm="layer",
        do_stable_layer_norm=True,
        pad_token_id=0,
        ctc_loss_reduction="mean",
    )
    torch.manual_seed(seed)
    if architecture == "wav2vec2":
        model = Wav2Vec2ForCTC(Wav2Vec2Config(**sizes))
    elif architecture == "hubert":
        model = HubertForCTC(HubertConfig(**sizes))
    else:
        raise ValueError(f"unknown CTC architecture {architecture!r}")
    model.eval().save_pretrained(folder)
    return folder


def write_speech_task(folder: Path, rows: list[dict], language: str = "en") -> Path:
    """Write an ASR task (manifest.jsonl + task YAML) whose audio paths are relative to ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "manifest.jsonl").open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row) + "\n")
    task_path = folder / "task.yaml"
    task_path.write_text(
        "\n".join(
            [
                f"name: speech_test_{language}",
                "family: asr",
                "version: 1",
                "dataset: {format: jsonl, path: manifest.jsonl}",
                "input: {field: audio, kind: audio}",
                "id_field: id",
                "references: [text]",
                f"source_language: {language}",
                "metrics:",
                "  - {name: wer, options: {normalizer: english}}",
                "generation: {max_new_tokens: 8}",
                "",
            ]
        ),
        encoding="utf-8",
    )
    return task_path


def write_tone(path: Path, seconds: float, rate: int = 16000, frequency: float = 440.0, channels: int = 1) -> Path:
    """Write a sine tone at half full scale."""
    time = np.arange(int(seconds * rate)) / rate
    signal = 0.5 * np.sin(2 * np.pi * frequency * time).astype(np.float32)
    data = np.stack([signal] * channels, axis=1) if channels > 1 else signal
    soundfile.write(path, data, rate)
    return path

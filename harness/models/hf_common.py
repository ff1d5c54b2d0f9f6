"""Loading shared by the adapters that run ``transformers`` checkpoints."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

import torch

from harness.errors import ModelError
from harness.models.base import LoadOptions, ModelInfo

logger = logging.getLogger(__name__)

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


def resolve_dtype(dtype: str, device: str) -> torch.dtype | str:
    """Map a ``--dtype`` value to a torch dtype; ``auto`` is float32 on CPU and the checkpoint's dtype elsewhere."""
    if dtype == "auto":
        return torch.float32 if device == "cpu" else "auto"
    if dtype not in DTYPES:
        raise ModelError(f"Invalid dtype {dtype!r}; expected one of auto, {', '.join(DTYPES)}.")
    return DTYPES[dtype]


def weights_digest(source: str) -> str | None:
    """SHA-256 over the weight files of a local checkpoint folder, in name order; None for hub ids."""
    folder = Path(source)
    if not folder.is_dir():
        return None
    files = sorted(
        path for path in folder.iterdir() if path.suffix in {".safetensors", ".bin", ".pt", ".pth"} and path.is_file()
    )
    if not files:
        return None
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode())
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 22), b""):
                digest.update(block)
    return digest.hexdigest()


def load_pretrained(auto_class: Any, source: str, options: LoadOptions, **extra: Any) -> torch.nn.Module:
    """Load ``source`` with a transformers auto class, on ``options.device`` in eval mode.

    Safetensors weights are preferred; remote code runs only with
    ``options.trust_remote_code``. With ``options.random_weights`` the model is
    built from its config alone, with weights drawn from ``options.seed``.
    """
    from transformers import AutoConfig

    dtype = resolve_dtype(options.dtype, options.device)
    common: dict[str, Any] = {"trust_remote_code": options.trust_remote_code, "revision": options.revision}
    if options.attn_implementation:
        extra["attn_implementation"] = options.attn_implementation
    try:
        if options.random_weights:
            config = AutoConfig.from_pretrained(source, **common)
            torch.manual_seed(options.seed)
            model = auto_class.from_config(config, trust_remote_code=options.trust_remote_code, **extra)
            _load_generation_config(model, source, common)
            if isinstance(dtype, torch.dtype):
                model = model.to(dtype)
        else:
            use_safetensors = _has_safetensors(source)
            model = auto_class.from_pretrained(
                source, dtype=dtype, use_safetensors=use_safetensors, **common, **extra
            )
    except OSError as error:
        raise ModelError(
            f"Could not load {source!r}: {str(error).rstrip('.')}. Without network access, pass a local checkpoint folder as hf:<path>."
        ) from None
    except ValueError as error:
        if "trust_remote_code" in str(error):
            raise ModelError(
                f"{source!r} needs its own code to load; rerun with --trust-remote-code if you trust it."
            ) from None
        raise
    model.to(options.device)
    model.eval()
    return model


def _load_generation_config(model: torch.nn.Module, source: str, common: dict[str, Any]) -> None:
    """Give a model built from its config the checkpoint's ``generation_config.json``, when there is one.

    ``from_config`` derives the generation config from ``config.json`` alone,
    which drops settings that only the generation config stores (Whisper's
    ``lang_to_id``, ``task_to_id`` and ``no_timestamps_token_id``).
    """
    from transformers import GenerationConfig

    if not getattr(model, "can_generate", lambda: False)():
        return
    try:
        model.generation_config = GenerationConfig.from_pretrained(source, **common)
    except OSError:
        logger.debug("%s has no generation_config.json; keeping the one derived from config.json", source)


def _has_safetensors(source: str) -> bool | None:
    folder = Path(source)
    if folder.is_dir():
        return any(folder.glob("*.safetensors")) or None
    return None


def describe(name: str, adapter: str, source: str, model: torch.nn.Module, options: LoadOptions) -> ModelInfo:
    """Build the :class:`ModelInfo` of a loaded transformers model."""
    parameters = sum(parameter.numel() for parameter in model.parameters())
    dtype = str(next(model.parameters()).dtype).removeprefix("torch.")
    return ModelInfo(
        name=name,
        adapter=adapter,
        source=source,
        revision=options.revision or getattr(getattr(model, "config", None), "_commit_hash", None),
        weights_sha256=None if options.random_weights else weights_digest(source),
        dtype=dtype,
        device=options.device,
        parameters=parameters,
        random_weights=options.random_weights,
        extra={"architectures": list(getattr(model.config, "architectures", None) or [])},
    )

"""Estimates of the floating-point operations (FLOPs) of a transformers model's forward passes.

The estimate follows Kaplan et al. 2020, "Scaling Laws for Neural Language
Models", Table 1: a forward pass costs about ``2 * N`` FLOPs per token, where
``N`` counts the parameters that take part in matrix products (one multiply
and one add per parameter and token). Here ``N`` is every parameter except
those of ``nn.Embedding`` tables, which are lookups, unless the table is tied
to the output projection (GPT-2's ``wte`` is also its LM head). MFU is then
achieved FLOP/s over the device's peak, as defined in Chowdhery et al. 2022,
"PaLM", Appendix B.

* Decoder-only generation: ``2 * N * (prompt tokens + generated tokens) * beams``.
  With a KV cache every position runs through the network once.
* Encoder-decoder: ``2 * N_encoder * encoder positions +
  2 * N_decoder * generated tokens * beams``. Encoder positions are the input
  tokens for text models and ``max_source_positions`` per example for speech
  encoders that read fixed windows (Whisper: 1500 per 30 s window).

NOTE: the attention-score term of Kaplan et al. (``2 * n_layer * n_ctx *
d_attn`` per token) is left out, so the estimate runs low for contexts much
longer than ``12 * d_model``. A speech recording longer than one window is
counted as one window. Models with other inputs (CTC speech encoders, vision
encoders) get no estimate and hence no MFU.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import torch

logger = logging.getLogger(__name__)


def matmul_parameters(module: torch.nn.Module, output_weights: set[int] | None = None) -> int:
    """Count the parameters of ``module`` that enter matrix products: all but untied embedding tables.

    ``output_weights`` contains the ``id`` of weights that an output projection
    uses; an embedding table sharing one of them is counted.
    """
    output_weights = output_weights or set()
    lookups: set[int] = set()
    for child in module.modules():
        if isinstance(child, torch.nn.Embedding) and id(child.weight) not in output_weights:
            lookups.add(id(child.weight))
    seen: set[int] = set()
    total = 0
    for parameter in module.parameters():
        if id(parameter) in seen or id(parameter) in lookups:
            continue
        seen.add(id(parameter))
        total += parameter.numel()
    return total


@dataclass(frozen=True)
class FlopEstimator:
    """Parameter counts of one model for :meth:`estimate`.

    ``encoder_parameters`` is 0 for decoder-only models. ``encoder_positions``
    is the fixed encoder length per example for speech encoders, else None.
    """

    decoder_parameters: int
    encoder_parameters: int = 0
    encoder_input: str = "input_ids"
    encoder_positions: int | None = None

    @classmethod
    def for_model(cls, model: Any) -> FlopEstimator | None:
        """Build the estimator of a transformers ``PreTrainedModel``; None for models it does not cover."""
        if not isinstance(model, torch.nn.Module):
            return None
        config = getattr(model, "config", None)
        output = model.get_output_embeddings() if hasattr(model, "get_output_embeddings") else None
        output_weights = {id(output.weight)} if output is not None and getattr(output, "weight", None) is not None else set()
        total = matmul_parameters(model, output_weights)
        main_input = getattr(model, "main_input_name", "input_ids")

        if not getattr(config, "is_encoder_decoder", False):
            if main_input != "input_ids":
                return None
            return cls(decoder_parameters=total)

        encoder = model.get_encoder() if hasattr(model, "get_encoder") else None
        if encoder is None:
            return None
        encoder_parameters = matmul_parameters(encoder)
        positions = None
        if main_input != "input_ids":
            positions = getattr(config, "max_source_positions", None)
            if main_input != "input_features" or not positions:
                return None
        return cls(
            decoder_parameters=total - encoder_parameters,
            encoder_parameters=encoder_parameters,
            encoder_input=main_input,
            encoder_positions=positions,
        )

    def estimate(self, *, examples: int, input_tokens: int, output_tokens: int, num_beams: int = 1) -> float | None:
        """Estimate the FLOPs of one generation call; None when a needed token count is missing (zero)."""
        if self.encoder_parameters == 0:
            if input_tokens + output_tokens <= 0:
                return None
            return 2.0 * self.decoder_parameters * (input_tokens + output_tokens) * num_beams

        encoder_positions = examples * self.encoder_positions if self.encoder_positions else input_tokens
        if encoder_positions <= 0 or output_tokens <= 0:
            return None
        return 2.0 * self.encoder_parameters * encoder_positions + 2.0 * self.decoder_parameters * output_tokens * num_beams

"""Peak dense FLOP/s of known accelerators per dtype, the denominator of model FLOPs utilization (MFU).

Values are the vendors' published peaks without structured sparsity: where a
datasheet lists a Tensor Core figure "with sparsity" only, the dense figure
is half of it, as the datasheets' footnotes state. ``float32`` is the
non-Tensor-Core FP32 rate, which is what float32 matrix products use under
PyTorch's default ``torch.get_float32_matmul_precision() == "highest"``;
``tfloat32`` applies when that setting is ``high`` or ``medium``.

Sources (NVIDIA product datasheets and architecture whitepapers):

* H100 SXM5 / PCIe / NVL: "NVIDIA H100 Tensor Core GPU" datasheet.
* H200 SXM / NVL: "NVIDIA H200 Tensor Core GPU" datasheet.
* A100 (40 and 80 GB, SXM4 and PCIe): "NVIDIA A100 Tensor Core GPU" datasheet.
* A10: "NVIDIA A10 Tensor Core GPU" datasheet.
* L4: "NVIDIA L4 Tensor Core GPU" datasheet. L40S: "NVIDIA L40S" datasheet.
* T4: "NVIDIA T4 Tensor Core GPU" datasheet (FP16 is mixed precision with FP32 accumulation).
* V100 SXM2 / PCIe / V100S PCIe: "NVIDIA Tesla V100" datasheet.
* GeForce RTX 4090: "NVIDIA Ada GPU Architecture" whitepaper, appendix table (Tensor Core rates with FP32 accumulation).
* GeForce RTX 3090: "NVIDIA Ampere GA102 GPU Architecture" whitepaper, appendix table (FP32 accumulation).

Devices whose names match no entry (the AWS A10G, which has no NVIDIA
datasheet, among them) and all CPUs get no peak, so MFU is left out rather
than guessed.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import torch

logger = logging.getLogger(__name__)

TERA = 1e12


@dataclass(frozen=True)
class Accelerator:
    """One accelerator model and its dense peak rates in TFLOP/s by dtype key."""

    name: str
    pattern: str
    peak_tflops: dict[str, float]


# Ordered: the first pattern that matches ``torch.cuda.get_device_name()`` wins,
# so more specific names (H100 NVL, H100 PCIe) come before the generic one.
ACCELERATORS: tuple[Accelerator, ...] = (
    Accelerator("NVIDIA H200 NVL", r"\bH200 NVL\b", {"float32": 60.0, "tfloat32": 417.5, "bfloat16": 835.5, "float16": 835.5}),
    Accelerator("NVIDIA H200 SXM", r"\bH200\b", {"float32": 67.0, "tfloat32": 494.5, "bfloat16": 989.5, "float16": 989.5}),
    Accelerator("NVIDIA H100 NVL", r"\bH100 NVL\b", {"float32": 60.0, "tfloat32": 417.5, "bfloat16": 835.5, "float16": 835.5}),
    Accelerator("NVIDIA H100 PCIe", r"\bH100\b.*PCIe", {"float32": 51.0, "tfloat32": 378.0, "bfloat16": 756.5, "float16": 756.5}),
    Accelerator("NVIDIA H100 SXM5", r"\bH100\b", {"float32": 67.0, "tfloat32": 494.5, "bfloat16": 989.5, "float16": 989.5}),
    Accelerator("NVIDIA A100", r"\bA100\b", {"float32": 19.5, "tfloat32": 156.0, "bfloat16": 312.0, "float16": 312.0}),
    Accelerator("NVIDIA A10", r"\bA10\b", {"float32": 31.2, "tfloat32": 62.5, "bfloat16": 125.0, "float16": 125.0}),
    Accelerator("NVIDIA L40S", r"\bL40S\b", {"float32": 91.6, "tfloat32": 183.0, "bfloat16": 362.05, "float16": 362.05}),
    Accelerator("NVIDIA L4", r"\bL4\b", {"float32": 30.3, "tfloat32": 60.0, "bfloat16": 121.0, "float16": 121.0}),
    Accelerator("NVIDIA T4", r"\bT4\b", {"float32": 8.1, "float16": 65.0}),
    Accelerator("NVIDIA V100S PCIe", r"\bV100S\b", {"float32": 16.4, "float16": 130.0}),
    Accelerator("NVIDIA V100 SXM2", r"\bV100-SXM2\b", {"float32": 15.7, "float16": 125.0}),
    Accelerator("NVIDIA V100 PCIe", r"\bV100-PCIE\b", {"float32": 14.0, "float16": 112.0}),
    Accelerator("NVIDIA GeForce RTX 4090", r"\bRTX 4090$", {"float32": 82.6, "tfloat32": 82.6, "bfloat16": 165.2, "float16": 165.2}),
    Accelerator("NVIDIA GeForce RTX 3090", r"\bRTX 3090$", {"float32": 35.6, "tfloat32": 35.6, "bfloat16": 71.0, "float16": 71.0}),
)


def find_accelerator(device_name: str) -> Accelerator | None:
    """Return the table entry whose pattern matches a CUDA device name, or None for an unknown device."""
    for accelerator in ACCELERATORS:
        if re.search(accelerator.pattern, device_name, flags=re.IGNORECASE):
            return accelerator
    return None


def dtype_key(dtype: torch.dtype | str, float32_matmul_precision: str | None = None) -> str | None:
    """Map a parameter dtype to a key of the peak table; None for dtypes the table does not cover.

    float32 maps to ``tfloat32`` when ``float32_matmul_precision`` (default:
    the current ``torch.get_float32_matmul_precision()``) lets matrix products
    use TF32 Tensor Cores.
    """
    name = str(dtype).removeprefix("torch.")
    if name == "float32":
        precision = float32_matmul_precision or torch.get_float32_matmul_precision()
        return "float32" if precision == "highest" else "tfloat32"
    if name in {"bfloat16", "float16"}:
        return name
    return None


def peak_flops(device: str | torch.device, dtype: torch.dtype | str) -> tuple[float | None, str | None]:
    """Return (peak dense FLOP/s, device name) for a device and dtype; the peak is None when unknown.

    CPUs and MPS always get None: their peak depends on cores, clocks and
    vector units that no table here records.
    """
    device = torch.device(device)
    if device.type != "cuda" or not torch.cuda.is_available():
        return None, device.type
    name = torch.cuda.get_device_name(device)
    accelerator = find_accelerator(name)
    key = dtype_key(dtype)
    if accelerator is None or key is None or key not in accelerator.peak_tflops:
        logger.info("No peak FLOP/s known for %s in %s; MFU is left out", name, dtype)
        return None, name
    return accelerator.peak_tflops[key] * TERA, name

"""Facts about the software and hardware a run executes on."""

from __future__ import annotations

import hashlib
import logging
import platform
import subprocess
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import psutil

from harness.errors import HarnessError
from harness.results.schema import GitInfo, HardwareInfo

logger = logging.getLogger(__name__)

# Distributions whose versions every results file records.
RECORDED_PACKAGES = (
    "harness",
    "torch",
    "transformers",
    "tokenizers",
    "numpy",
    "sacrebleu",
    "jiwer",
    "rouge-score",
    "nltk",
    "pycocoevalcap",
    "faster-whisper",
    "ctranslate2",
    "soundfile",
    "soxr",
    "av",
    "pillow",
)


def package_versions() -> dict[str, str | None]:
    """Return the installed version of each recorded distribution, None when absent."""
    return dict(_recorded_versions())


@lru_cache(maxsize=1)
def _recorded_versions() -> tuple[tuple[str, str | None], ...]:
    # Cached because each lookup scans the installed distributions (about 6 ms for all of them), and a run
    # writes results.json after every task.
    versions: list[tuple[str, str | None]] = []
    for name in RECORDED_PACKAGES:
        try:
            versions.append((name, version(name)))
        except PackageNotFoundError:
            versions.append((name, None))
    return tuple(versions)


@lru_cache(maxsize=1)
def harness_version() -> str:
    try:
        return version("harness")
    except PackageNotFoundError:
        return "0+unknown"


@lru_cache(maxsize=1)
def git_info() -> GitInfo:
    """Return the commit and dirty flag of the harness checkout, or empty fields outside one."""
    root = Path(__file__).resolve().parents[1]
    try:
        revision = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return GitInfo()
    return GitInfo(revision=revision, dirty=bool(status.strip()))


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _nvidia_driver() -> str | None:
    try:
        output = subprocess.run(
            ["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=20,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return output.strip().splitlines()[0] if output.strip() else None


@lru_cache(maxsize=1)
def hardware_info() -> HardwareInfo:
    """Describe the CPU, memory and visible GPUs, with a fingerprint for comparing speed."""
    import torch

    gpus: list[str] = []
    driver = cuda = None
    if torch.cuda.is_available():
        gpus = [torch.cuda.get_device_name(index) for index in range(torch.cuda.device_count())]
        driver = _nvidia_driver()
        cuda = torch.version.cuda
    cpu = _cpu_model()
    fingerprint_source = "|".join([cpu, str(psutil.cpu_count()), *gpus, driver or ""])
    return HardwareInfo(
        platform=platform.platform(),
        python=platform.python_version(),
        cpu=cpu,
        cpu_count=psutil.cpu_count() or 0,
        memory_gb=round(psutil.virtual_memory().total / 2**30, 1),
        gpus=gpus,
        gpu_driver=driver,
        cuda=cuda,
        fingerprint=hashlib.sha256(fingerprint_source.encode()).hexdigest()[:16],
    )


def resolve_device(device: str) -> str:
    """Map ``auto`` to ``cuda:0``, ``mps`` or ``cpu`` by availability; check an explicit device exists."""
    import torch

    if device == "auto":
        if torch.cuda.is_available():
            return "cuda:0"
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return "mps"
        return "cpu"
    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise HarnessError(f"Device {device!r} requested but CUDA is not available; use --device cpu or auto.")
        return "cuda:0" if device == "cuda" else device
    if device == "mps" and not torch.backends.mps.is_available():
        raise HarnessError("Device 'mps' requested but MPS is not available; use --device cpu or auto.")
    if device != "cpu" and not device.startswith("cuda") and device != "mps":
        raise HarnessError(f"Invalid device {device!r}; expected auto, cpu, cuda, cuda:<index> or mps.")
    return device

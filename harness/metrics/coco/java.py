"""Locating Java and the jar files that ship with pycocoevalcap."""

from __future__ import annotations

import shutil
from pathlib import Path

from harness.errors import MetricError

JAVA_FIX = "install a Java runtime 8 or newer (for example `apt-get install default-jre-headless`) and put `java` on PATH"


def require_java(metric: str, alternative: str = "") -> str:
    """Return the path of the ``java`` executable, or raise MetricError naming ``metric`` and the fix."""
    java = shutil.which("java")
    if java is None:
        hint = f", or {alternative}" if alternative else ""
        raise MetricError(f"{metric} runs under Java, but no `java` executable was found: {JAVA_FIX}{hint}.")
    return java


def pycocoevalcap_dir() -> Path:
    """Return the installed pycocoevalcap package folder (a namespace package, so no ``__file__``)."""
    try:
        import pycocoevalcap
    except ImportError:
        raise MetricError("The COCO caption metrics need pycocoevalcap: pip install pycocoevalcap.") from None
    return Path(next(iter(pycocoevalcap.__path__)))

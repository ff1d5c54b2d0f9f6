"""SPICE (pycocoevalcap's ``spice-1.0.jar``), which needs the Stanford CoreNLP 3.6.0 models.

pycocoevalcap downloads the models on first use; this module never
downloads. When the jars are absent it raises MetricError with the fix.
"""

from __future__ import annotations

import json
import logging
import math
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Sequence

from harness.errors import MetricError
from harness.metrics.coco.java import pycocoevalcap_dir, require_java

logger = logging.getLogger(__name__)

CORENLP_JARS = ("stanford-corenlp-3.6.0.jar", "stanford-corenlp-3.6.0-models.jar")
CORENLP_ZIP_URL = "http://nlp.stanford.edu/software/stanford-corenlp-full-2015-12-09.zip"


def spice_dir() -> Path:
    return pycocoevalcap_dir() / "spice"


def missing_models() -> list[Path]:
    """Return the Stanford CoreNLP jars SPICE needs that are not installed."""
    lib = spice_dir() / "lib"
    return [lib / name for name in CORENLP_JARS if not (lib / name).is_file()]


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "harness" / "spice"


def spice_scores(
    hypotheses: Sequence[str], references: Sequence[Sequence[str]], cache_dir: Path | None = None
) -> list[float]:
    """Return the SPICE F-score of each image (NaN where the jar gives none) for tokenized captions."""
    java = require_java("SPICE")
    missing = missing_models()
    if missing:
        raise MetricError(
            "SPICE needs the Stanford CoreNLP 3.6.0 models, which are not installed: missing "
            f"{', '.join(str(path) for path in missing)}. Download {CORENLP_ZIP_URL} and copy "
            f"{' and '.join(CORENLP_JARS)} from it into {spice_dir() / 'lib'} (with internet access, "
            "`python -c 'from pycocoevalcap.spice.get_stanford_models import get_stanford_models as g; g()'` does this), "
            "or remove spice from the task's metrics."
        )
    cache = cache_dir or default_cache_dir()
    cache.mkdir(parents=True, exist_ok=True)

    with tempfile.TemporaryDirectory(prefix="harness-spice-") as folder:
        input_path = Path(folder) / "input.json"
        output_path = Path(folder) / "output.json"
        records = [
            {"image_id": index, "test": hypothesis, "refs": list(refs)}
            for index, (hypothesis, refs) in enumerate(zip(hypotheses, references))
        ]
        input_path.write_text(json.dumps(records), encoding="utf-8")
        command = [
            java, "-jar", "-Xmx8G", "spice-1.0.jar", str(input_path),
            "-cache", str(cache), "-out", str(output_path), "-subset", "-silent",
        ]
        completed = subprocess.run(command, cwd=spice_dir(), capture_output=True, check=False)
        if completed.returncode != 0:
            raise MetricError(
                f"SPICE jar failed with exit code {completed.returncode}: "
                f"{completed.stderr.decode(errors='replace')[-800:]}"
            )
        results = json.loads(output_path.read_text(encoding="utf-8"))

    by_image = {item["image_id"]: item["scores"]["All"]["f"] for item in results}
    scores = []
    for index in range(len(hypotheses)):
        value = by_image.get(index)
        try:
            scores.append(float(value))
        except (TypeError, ValueError):
            scores.append(math.nan)
    return scores

"""PTB tokenization of captions, as pycocoevalcap's ``PTBTokenizer`` does it.

pycocoevalcap runs Stanford CoreNLP 3.4.1's ``PTBTokenizer`` with
``-preserveLines -lowerCase`` and then drops punctuation tokens
(:data:`PUNCTUATIONS`). :func:`tokenize_java` runs the same jar with the same
options from a private temporary file (pycocoevalcap writes into its own
package folder, which may be read-only). Results are cached for the last few
inputs, so BLEU, METEOR, ROUGE-L and CIDEr on the same captions tokenize once.
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import tempfile
from collections import OrderedDict
from typing import Sequence

from harness.errors import MetricError
from harness.metrics.coco.java import pycocoevalcap_dir, require_java

logger = logging.getLogger(__name__)

CORENLP_JAR = "stanford-corenlp-3.4.1.jar"

# pycocoevalcap.tokenizer.ptbtokenizer.PUNCTUATIONS
PUNCTUATIONS = frozenset(
    ["''", "'", "``", "`", "-LRB-", "-RRB-", "-LCB-", "-RCB-", ".", "?", "!", ",", ":", "-", "--", "...", ";"]
)

TOKENIZERS = ("ptb", "ptb_python", "whitespace")

_CACHE_SIZE = 8
_cache: OrderedDict[tuple[str, str], list[str]] = OrderedDict()

# Characters that str.splitlines() treats as line breaks. Java's PTBTokenizer
# with -preserveLines also ends a line at some of them, which would shift
# every later caption, so they become spaces first.
_LINE_BREAKS = str.maketrans({c: " " for c in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"})


def _remove_punctuation(line: str) -> str:
    return " ".join(token for token in line.rstrip().split(" ") if token not in PUNCTUATIONS)


def tokenize_java(captions: Sequence[str], metric: str = "PTB tokenization") -> list[str]:
    """Tokenize captions with Stanford PTBTokenizer under Java; returns space-joined lower-case tokens."""
    java = require_java(metric, "set the metric option tokenizer: ptb_python (pure-Python PTB tokenization)")
    jar = pycocoevalcap_dir() / "tokenizer" / CORENLP_JAR
    if not jar.is_file():
        raise MetricError(f"{metric}: {jar} is missing; reinstall pycocoevalcap.")
    text = "\n".join(caption.translate(_LINE_BREAKS) for caption in captions)

    with tempfile.NamedTemporaryFile("wb", suffix=".txt", delete=False) as handle:
        handle.write(text.encode("utf-8"))
        path = handle.name
    try:
        command = [java, "-cp", str(jar), "edu.stanford.nlp.process.PTBTokenizer", "-preserveLines", "-lowerCase", path]
        completed = subprocess.run(command, capture_output=True, check=False)
    finally:
        os.remove(path)
    if completed.returncode != 0:
        raise MetricError(
            f"{metric}: Java PTBTokenizer failed with exit code {completed.returncode}: "
            f"{completed.stderr.decode(errors='replace')[-500:]}"
        )

    lines = completed.stdout.decode("utf-8").split("\n")
    # PTBTokenizer ends its output with a newline, so there is one extra empty line.
    if len(lines) < len(captions):
        raise MetricError(
            f"{metric}: Java PTBTokenizer returned {len(lines)} lines for {len(captions)} captions; "
            "a caption contains a line separator it could not keep."
        )
    return [_remove_punctuation(line) for line in lines[: len(captions)]]


def tokenize_whitespace(captions: Sequence[str]) -> list[str]:
    """Treat captions as already tokenized: collapse whitespace only."""
    return [" ".join(caption.split()) for caption in captions]


def tokenize(captions: Sequence[str], tokenizer: str = "ptb", metric: str = "PTB tokenization") -> list[str]:
    """Tokenize captions with ``ptb`` (Java), ``ptb_python`` or ``whitespace``; cached per input."""
    if tokenizer not in TOKENIZERS:
        raise MetricError(f"{metric}: unknown tokenizer {tokenizer!r}; use one of {', '.join(TOKENIZERS)}.")
    digest = hashlib.sha1("\x00".join(captions).encode("utf-8", "surrogatepass")).hexdigest()
    key = (tokenizer, f"{len(captions)}:{digest}")
    if key in _cache:
        _cache.move_to_end(key)
        return list(_cache[key])

    if tokenizer == "ptb":
        tokens = tokenize_java(captions, metric)
    elif tokenizer == "ptb_python":
        from harness.metrics.coco.ptb_python import tokenize_python

        tokens = tokenize_python(captions)
    else:
        tokens = tokenize_whitespace(captions)

    _cache[key] = tokens
    if len(_cache) > _CACHE_SIZE:
        _cache.popitem(last=False)
    return list(tokens)


def tokenize_samples(
    hypotheses: Sequence[str], references: Sequence[Sequence[str]], tokenizer: str, metric: str
) -> tuple[list[str], list[list[str]]]:
    """Tokenize hypotheses and references in one pass, keeping the per-sample grouping."""
    flat = list(hypotheses) + [reference for sample in references for reference in sample]
    tokens = tokenize(flat, tokenizer, metric)
    tokenized_hypotheses = tokens[: len(hypotheses)]
    tokenized_references = []
    position = len(hypotheses)
    for sample in references:
        tokenized_references.append(tokens[position : position + len(sample)])
        position += len(sample)
    return tokenized_hypotheses, tokenized_references

"""``harness convert``: convert checkpoints between formats.

``harness convert ct2-whisper SRC DST`` turns a CTranslate2 Whisper folder
into a ``transformers`` ``WhisperForConditionalGeneration`` folder; see
:mod:`harness.convert.ct2_whisper`.
"""

from __future__ import annotations

import argparse

from harness.convert.ct2_whisper import OUTPUT_DTYPES, convert_ct2_whisper


def add_arguments(parser: argparse.ArgumentParser) -> None:
    formats = parser.add_subparsers(dest="format", required=True, metavar="FORMAT")
    whisper = formats.add_parser(
        "ct2-whisper",
        help="CTranslate2 Whisper folder -> transformers Whisper checkpoint.",
        description="Convert a CTranslate2 Whisper folder (model.bin, config.json, tokenizer.json) into a "
        "transformers WhisperForConditionalGeneration checkpoint with its processor files.",
    )
    whisper.add_argument("source", metavar="SRC", help="CTranslate2 Whisper folder.")
    whisper.add_argument("destination", metavar="DST", help="Output folder; must not exist or be empty.")
    whisper.add_argument(
        "--dtype",
        default="float32",
        choices=OUTPUT_DTYPES,
        help="Dtype of the saved weights (default: float32). The shipped CTranslate2 weights are float16, "
        "so both choices keep every value.",
    )


def main(args: argparse.Namespace) -> int:
    destination = convert_ct2_whisper(args.source, args.destination, dtype=args.dtype)
    print(f"Wrote {destination}; run it with: harness run --model hf:{destination} --tasks <asr task>")
    return 0

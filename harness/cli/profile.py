"""``harness profile``: sweep batch sizes, dtypes and attention implementations and print one row per setting.

The options are generated from the fields of
:class:`harness.profiling.sweep.ProfileConfig`, so their help text lives in
one place.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import types
import typing
from pathlib import Path
from typing import Any, Callable

from harness.profiling.render import FORMATS, render_rows
from harness.profiling.sweep import ProfileConfig, run_sweep, write_sweep

logger = logging.getLogger(__name__)


def _comma_list(item: Callable[[str], Any]) -> Callable[[str], list[Any]]:
    def parse(value: str) -> list[Any]:
        try:
            items = [item(part.strip()) for part in value.split(",") if part.strip()]
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid list {value!r}: expected comma-separated values such as 1,8,32") from None
        if not items:
            raise argparse.ArgumentTypeError(f"invalid list {value!r}: expected at least one value")
        return items

    return parse


def _parser_for(annotation: Any) -> tuple[Callable[[str], Any] | None, bool]:
    """Return (value parser, is_flag) for a ProfileConfig field annotation."""
    hints = typing.get_args(annotation)
    origin = typing.get_origin(annotation)
    if annotation is bool:
        return None, True
    if origin is list:
        return _comma_list(hints[0]), False
    if origin in (typing.Union, types.UnionType):
        annotation = next(hint for hint in hints if hint is not type(None))
    return annotation, False


def add_arguments(parser: argparse.ArgumentParser) -> None:
    type_hints = typing.get_type_hints(ProfileConfig)
    for config_field in ProfileConfig.option_fields():
        flag = config_field.metadata.get("flag", "--" + config_field.name.replace("_", "-"))
        parse, is_flag = _parser_for(type_hints[config_field.name])
        help_text = config_field.metadata["help"]
        required = config_field.default is dataclasses.MISSING and config_field.default_factory is dataclasses.MISSING
        if is_flag:
            parser.add_argument(flag, dest=config_field.name, action="store_true", help=help_text)
            continue
        default = None
        if config_field.default is not dataclasses.MISSING:
            default = config_field.default
        elif config_field.default_factory is not dataclasses.MISSING:
            default = config_field.default_factory()
        if default is not None and not required:
            default_text = ",".join(str(item) for item in default) if isinstance(default, list) else default
            help_text = f"{help_text} (default: {default_text})"
        parser.add_argument(flag, dest=config_field.name, type=parse, required=required, default=default, help=help_text)
    parser.add_argument("--format", choices=FORMATS, default="text", help="Output format of the table (default: text).")


def main(args: argparse.Namespace) -> int:
    values = {config_field.name: getattr(args, config_field.name) for config_field in ProfileConfig.option_fields()}
    values["output_dir"] = Path(values["output_dir"])
    config = ProfileConfig(**values)
    profiles = []
    for profile in run_sweep(config):
        profiles.append(profile)
        logger.info("Measured %s", profile.settings)
    path = write_sweep(config, profiles)
    print(render_rows([profile.summary_row() for profile in profiles], args.format))
    if args.format != "json":
        print(f"wrote {path}")
    return 0

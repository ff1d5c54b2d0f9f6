"""Results files: schema, writing and reading."""

from harness.results.io import load_run, save_run
from harness.results.schema import RunResults

__all__ = ["RunResults", "load_run", "save_run"]

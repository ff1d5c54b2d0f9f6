"""Render rows of str, int and float cells exactly as ``pandas.DataFrame.to_string`` does, without pandas.

Importing pandas 3.1 took 0.13 to 0.28 s in ``python -X importtime`` runs on
a 2-core machine, which ``harness run`` would pay only to print its closing
table.
:func:`render_rows` reproduces ``pd.DataFrame(rows).to_string(index=False,
na_rep="", float_format=float_format)`` for the cell types of the result
tables and returns None for anything else, so that the caller can fall back
to pandas. ``tests/test_plain_table.py`` checks the output against pandas.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

# Integers beyond this magnitude lose precision as float64, and beyond int64 pandas stores them as objects.
_EXACT_FLOAT_INTEGER = 2**53


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return _is_int(value) or isinstance(value, float)


def _column_cells(values: list[Any], float_format: Callable[[float], str]) -> tuple[str, list[str]] | None:
    """Return the header prefix and the cell texts of one column, or None when pandas might render it differently.

    pandas stores a column of ints as int64, a column of numbers with a float
    or a missing value as float64, and a column of strings as strings. It
    puts a space before the name of a numeric column, prints int64 cells with
    ``%d`` and float64 cells with ``float_format``, or ``na_rep`` for NaN.
    """
    present = [value for value in values if value is not None]
    missing = len(present) < len(values)
    if present and not missing and all(isinstance(value, str) for value in present):
        # pandas escapes these characters in cells.
        if any(character in value for value in present for character in "\t\r\n"):
            return None
        return "", list(present)
    # A column with no number is an object column in pandas, which prints None as "None".
    if not present or not all(_is_number(value) for value in present):
        return None
    if present and not missing and all(_is_int(value) for value in present):
        if any(abs(value) >= 2**63 for value in present):
            return None
        return " ", [f"{value:d}" for value in present]
    if any(_is_int(value) and abs(value) > _EXACT_FLOAT_INTEGER for value in present):
        return None
    cells = []
    for value in values:
        if value is None or math.isnan(value):
            cells.append("")
        else:
            cells.append(float_format(float(value)))
    return " ", cells


def render_rows(rows: Sequence[dict[str, Any]], float_format: Callable[[float], str]) -> str | None:
    """Render ``rows`` as ``pd.DataFrame(rows).to_string(index=False, na_rep="", float_format=float_format)``.

    Columns appear in the order their keys first appear; a key missing from a
    row is a missing value. Returns None when a column contains values other than
    all strings, all ints, or ints and floats with missing values (bools,
    None among strings, numpy integers), and for no rows or no columns.
    """
    if not rows:
        return None
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    if not names:
        return None
    columns: list[list[str]] = []
    for name in names:
        if not isinstance(name, str) or any(character in name for character in "\t\r\n"):
            return None
        rendered = _column_cells([row.get(name) for row in rows], float_format)
        if rendered is None:
            return None
        prefix, cells = rendered
        header = prefix + name
        width = max(len(header), *(len(cell) for cell in cells))
        columns.append([header.rjust(width), *(cell.rjust(width) for cell in cells)])
    return "\n".join(" ".join(line) for line in zip(*columns))

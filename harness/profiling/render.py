"""Render rows of figures as an aligned text table, a Markdown table or JSON."""

from __future__ import annotations

import json
import math
from typing import Any, Literal, Mapping, Sequence

Format = Literal["text", "markdown", "json"]
FORMATS: tuple[str, ...] = ("text", "markdown", "json")


def format_value(value: Any) -> str:
    """Format one cell: floats with four significant digits, None and NaN as an empty cell."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        if value == 0:
            return "0"
        if abs(value) >= 1e5 or abs(value) < 1e-3:
            return f"{value:.3e}"
        return f"{value:.4g}"
    return str(value)


def render_rows(rows: Sequence[Mapping[str, Any]], fmt: Format = "text") -> str:
    """Render rows as one table whose columns are the union of the rows' keys, in first-seen order.

    Text and Markdown tables leave out columns that are empty in every row
    (CUDA memory on a CPU run, for example); JSON keeps every key.
    """
    if fmt == "json":
        return json.dumps([dict(row) for row in rows], indent=2)
    if fmt not in FORMATS:
        raise ValueError(f"Invalid format {fmt!r}; expected one of {', '.join(FORMATS)}.")
    if not rows:
        return "(no rows)"

    columns: list[str] = []
    for row in rows:
        columns.extend(key for key in row if key not in columns)
    columns = [column for column in columns if any(format_value(row.get(column)) for row in rows)]
    cells = [[format_value(row.get(column)) for column in columns] for row in rows]

    if fmt == "markdown":
        lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
        lines.extend("| " + " | ".join(line) + " |" for line in cells)
        return "\n".join(lines)

    widths = [max(len(column), *(len(line[index]) for line in cells)) for index, column in enumerate(columns)]
    lines = ["  ".join(column.rjust(width) for column, width in zip(columns, widths))]
    lines.extend("  ".join(cell.rjust(width) for cell, width in zip(line, widths)) for line in cells)
    return "\n".join(lines)


def render_mapping(values: Mapping[str, Any], fmt: Format = "text") -> str:
    """Render one record's figures as a two-column table (figure, value), or as a JSON object."""
    if fmt == "json":
        return json.dumps(dict(values), indent=2)
    return render_rows([{"figure": key, "value": value} for key, value in values.items()], fmt)

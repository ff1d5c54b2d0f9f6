"""Render the leaderboard as one self-contained static HTML page.

The page has no external resources: inline CSS, a small inline script that
sorts a table when its header is clicked, and per task an inline SVG scatter
plot of the primary score against throughput. Every value that comes from a
results file passes through :func:`html.escape`.
"""

from __future__ import annotations

import html
import math

from harness.leaderboard.markdown import SPEED_HEADERS, examples_text, model_label, speed_texts
from harness.leaderboard.tables import Entry, Leaderboard, Section, format_interval, format_number, short_hash

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #1b1b1b; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; }
th { background: #f0f0f0; cursor: pointer; user-select: none; }
th[aria-sort="ascending"]::after { content: " \\25B2"; }
th[aria-sort="descending"]::after { content: " \\25BC"; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
.ci { color: #666; font-size: 0.85em; }
.note { background: #fff4d6; border-left: 4px solid #e0a800; padding: 0.4em 0.8em; }
.random { color: #888; font-style: italic; }
svg text { font-size: 11px; }
"""

# Sorts the clicked column; numeric cells carry their raw value in data-sort,
# empty cells sort last in both directions.
_SCRIPT = """
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("thead th").forEach(function (header, index) {
    header.addEventListener("click", function () {
      var ascending = header.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("thead th").forEach(function (other) { other.removeAttribute("aria-sort"); });
      header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      function key(row) {
        var cell = row.cells[index];
        var raw = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.trim();
        var number = parseFloat(raw);
        return { empty: raw === "", number: number, text: raw, numeric: raw !== "" && !isNaN(number) && isFinite(raw) };
      }
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        if (x.empty !== y.empty) { return x.empty ? 1 : -1; }
        var order = (x.numeric && y.numeric) ? x.number - y.number : x.text.localeCompare(y.text);
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
"""


# Point labels longer than this are cut; the full model name is in the point's tooltip.
_MAX_LABEL_CHARACTERS = 24


def escape(value: object) -> str:
    """HTML-escape any value for element content or a double-quoted attribute."""
    return html.escape(str(value), quote=True)


def _number_cell(value: float | None, text: str | None = None, extra: str = "") -> str:
    if value is None or not math.isfinite(value):
        return '<td class="number" data-sort=""></td>'
    display = escape(text if text is not None else format_number(value))
    return f'<td class="number" data-sort="{value!r}">{display}{extra}</td>'


def _score_cell(entry: Entry, section: Section, index: int) -> str:
    cell = entry.cells.get(section.columns[index])
    if cell is None:
        return '<td class="number" data-sort=""></td>'
    interval = format_interval(cell)
    extra = f' <span class="ci">{escape(interval)}</span>' if interval else ""
    return _number_cell(cell.value, extra=extra)


def _section_table(section: Section) -> str:
    headers = ["Rank", "Model", "Run", "Examples"]
    headers += [f"{column.label} {'↑' if column.higher_is_better else '↓'} [95 % CI]" for column in section.columns]
    headers += SPEED_HEADERS
    head = "".join(f'<th scope="col">{escape(header)}</th>' for header in headers)

    rows = []
    rank = 0
    for entry in section.entries:
        cells = []
        if entry.random_weights:
            cells.append('<td class="number" data-sort=""></td>')
        else:
            rank += 1
            cells.append(_number_cell(float(rank), str(rank)))
        row_class = ' class="random"' if entry.random_weights else ""
        cells.append(f"<td>{escape(model_label(entry))}</td>")
        cells.append(f"<td>{escape(entry.run)}</td>")
        cells.append(_number_cell(float(entry.num_examples), examples_text(entry)))
        cells += [_score_cell(entry, section, index) for index in range(len(section.columns))]
        speed = speed_texts(entry)
        cells.append(_number_cell(entry.samples_per_second))
        cells.append(_number_cell(entry.latency_p50_ms))
        cells.append(_number_cell(entry.peak_memory_mib))
        cells.append(f"<td>{escape(speed[3])}</td>")
        rows.append(f"<tr{row_class}>{''.join(cells)}</tr>")
    return (
        f'<table class="sortable" id="{escape(section.anchor)}-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    if high <= low:
        return [low]
    step = (high - low) / (count - 1)
    return [low + step * index for index in range(count)]


def scatter_svg(section: Section, width: int = 560, height: int = 320) -> str:
    """Return an inline SVG plot of the primary score (y) against samples/s (x), or a note when there is no data.

    The x axis is logarithmic when the throughputs span more than a factor of
    20. Points are labelled with the model name, or with the run name where two
    runs of one model share the plot.
    """
    primary = section.primary
    points = []
    for entry in section.quality_entries:
        cell = entry.cells.get(primary) if primary else None
        throughput = entry.samples_per_second
        if cell is None or not math.isfinite(cell.value) or throughput is None or not math.isfinite(throughput):
            continue
        if throughput <= 0:
            continue
        points.append((entry, throughput, cell.value))
    if not points:
        return '<p class="no-plot">No throughput figures for this task: run with <code>--profile</code> to plot quality against speed.</p>'

    left, right, top, bottom = 70, 150, 20, 45
    plot_width, plot_height = width - left - right, height - top - bottom
    xs = [throughput for _, throughput, _ in points]
    ys = [value for _, _, value in points]
    logarithmic = max(xs) / min(xs) > 20
    transform = math.log10 if logarithmic else (lambda value: value)
    x_low, x_high = transform(min(xs)), transform(max(xs))
    y_low, y_high = min(ys), max(ys)
    x_pad = (x_high - x_low) * 0.05 or max(abs(x_high) * 0.05, 0.5)
    y_pad = (y_high - y_low) * 0.05 or max(abs(y_high) * 0.05, 0.5)
    x_low, x_high, y_low, y_high = x_low - x_pad, x_high + x_pad, y_low - y_pad, y_high + y_pad

    def px(value: float) -> float:
        return left + (transform(value) - x_low) / (x_high - x_low) * plot_width

    def py(value: float) -> float:
        return top + (y_high - value) / (y_high - y_low) * plot_height

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="scatter" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(primary.label)} against samples per second">',
        f'<rect x="{left}" y="{top}" width="{plot_width}" height="{plot_height}" fill="none" stroke="#999"/>',
    ]
    for tick in _ticks(x_low, x_high):
        value = 10**tick if logarithmic else tick
        x = left + (tick - x_low) / (x_high - x_low) * plot_width
        parts.append(f'<line x1="{x:.1f}" y1="{top + plot_height}" x2="{x:.1f}" y2="{top + plot_height + 4}" stroke="#999"/>')
        parts.append(f'<text x="{x:.1f}" y="{top + plot_height + 16}" text-anchor="middle">{escape(format_number(value))}</text>')
    for tick in _ticks(y_low, y_high):
        y = py(tick)
        parts.append(f'<line x1="{left - 4}" y1="{y:.1f}" x2="{left}" y2="{y:.1f}" stroke="#999"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{escape(format_number(tick))}</text>')
    x_label = "samples/s (log scale)" if logarithmic else "samples/s"
    parts.append(f'<text x="{left + plot_width / 2:.1f}" y="{height - 8}" text-anchor="middle">{escape(x_label)}</text>')
    parts.append(
        f'<text transform="rotate(-90)" x="{-(top + plot_height / 2):.1f}" y="16" text-anchor="middle">'
        f"{escape(primary.label)}</text>"
    )
    model_counts: dict[str, int] = {}
    for entry, _, _ in points:
        model_counts[entry.model] = model_counts.get(entry.model, 0) + 1
    for entry, throughput, value in points:
        x, y = px(throughput), py(value)
        label = entry.model if model_counts[entry.model] == 1 else entry.run
        if len(label) > _MAX_LABEL_CHARACTERS:
            label = label[: _MAX_LABEL_CHARACTERS - 1] + "…"
        tooltip = f"{entry.model}: {format_number(value)} {primary.label}, {format_number(throughput)} samples/s on {entry.hardware}"
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="#1f77b4"><title>{escape(tooltip)}</title></circle>'
        )
        parts.append(f'<text x="{x + 8:.1f}" y="{y + 4:.1f}">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _section_html(section: Section) -> str:
    parts = [f'<section id="{escape(section.anchor)}">', f"<h2>{escape(section.title)}</h2>"]
    parts.append(
        f"<p>Family {escape(section.family)}, task version {escape(section.version)}, "
        f"content hash <code>{escape(short_hash(section.content_hash))}</code>.</p>"
    )
    for note in section.notes:
        parts.append(f'<p class="note">{escape(note)}</p>')
    parts.append(_section_table(section))
    parts.append(scatter_svg(section))
    parts.append("</section>")
    return "\n".join(parts)


def _overview_html(leaderboard: Leaderboard) -> str:
    overview = leaderboard.overview
    if not overview.sections:
        return "<p>No quality results.</p>"
    head = '<th scope="col">Model</th>' + "".join(
        f'<th scope="col">{escape(section.title)}: {escape(section.primary.label)} '
        f"{'↑' if section.primary.higher_is_better else '↓'}</th>"
        for section in overview.sections
    )
    rows = []
    for model in overview.models:
        cells = [f"<td>{escape(model)}</td>"]
        for index in range(len(overview.sections)):
            cell = overview.cells.get((model, index))
            cells.append(_number_cell(cell.value if cell else None))
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return f'<table class="sortable" id="overview-table"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def render_html(leaderboard: Leaderboard, command: str | None = None) -> str:
    """Return the whole ``index.html`` page."""
    contents = "".join(
        f'<li><a href="#{escape(section.anchor)}">{escape(section.title)}</a></li>' for section in leaderboard.sections
    )
    regenerate = f"<p>Regenerate with <code>{escape(command)}</code>.</p>" if command else ""
    body = "\n".join(
        [
            "<h1>Leaderboard</h1>",
            "<p>Scores with their 95 % bootstrap confidence interval (↑ higher is better, ↓ lower is better). "
            "Click a column header to sort. Speed figures hold only for the hardware named in the same row; "
            "results of different task versions or task data are never mixed in one table.</p>",
            regenerate,
            f"<ul>{contents}</ul>",
            '<section id="overview"><h2>Overview</h2><p>Primary score of each model per task.</p>',
            _overview_html(leaderboard),
            "</section>",
            *(_section_html(section) for section in leaderboard.sections),
        ]
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>Leaderboard</title>\n"
        f"<style>{_STYLE}</style>\n</head>\n<body>\n{body}\n<script>{_SCRIPT}</script>\n</body>\n</html>\n"
    )

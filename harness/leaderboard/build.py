"""Write a leaderboard folder: ``README.md``, ``leaderboard.csv`` and ``index.html``."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Iterable

from harness.errors import ResultsError
from harness.leaderboard.frame import load_runs
from harness.leaderboard.html_page import render_html
from harness.leaderboard.markdown import render_csv, render_markdown
from harness.leaderboard.tables import Leaderboard, build_leaderboard
from harness.results.io import write_atomic

logger = logging.getLogger(__name__)


def write_leaderboard(paths: Iterable[str | Path], out: str | Path, command: str | None = None) -> Leaderboard:
    """Collect the results files under ``paths`` and write the three leaderboard files into ``out``.

    ``command`` is the command line that regenerates the folder, shown on the
    page. Raises :class:`ResultsError` when no results file is found.
    """
    runs = load_runs(paths)
    if not runs:
        raise ResultsError("No results files given; pass run folders, results.json files or folders containing them.")
    leaderboard = build_leaderboard(runs)

    out = Path(out)
    write_atomic(out / "README.md", render_markdown(leaderboard, command))
    write_atomic(out / "leaderboard.csv", render_csv(leaderboard))
    write_atomic(out / "index.html", render_html(leaderboard, command))
    logger.info("Wrote %d task tables from %d results files to %s", len(leaderboard.sections), len(runs), out)
    return leaderboard

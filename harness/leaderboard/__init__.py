"""Leaderboard tables, CSV and a static HTML page built from ``results.json`` files."""

from harness.leaderboard.build import write_leaderboard
from harness.leaderboard.frame import find_results, load_results

__all__ = ["find_results", "load_results", "write_leaderboard"]

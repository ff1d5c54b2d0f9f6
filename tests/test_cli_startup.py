"""Start-up work of the ``harness`` command: only the requested subcommand is imported."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from harness.cli.main import SUBCOMMANDS, build_parser, requested_command

REPOSITORY = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["run", "--model", "lead-3"], "run"),
        (["-v", "score"], "score"),
        (["-vv", "--verbose", "leaderboard", "x"], "leaderboard"),
        (["--help"], None),
        ([], None),
        (["--", "run"], None),
        (["nosuchcommand"], "nosuchcommand"),
    ],
)
def test_requested_command(argv: list[str], expected: str | None) -> None:
    assert requested_command(argv) == expected


def test_top_level_help_lists_every_subcommand() -> None:
    full = build_parser().format_help()
    assert build_parser("run").format_help() == full
    assert build_parser("nosuchcommand").format_help() == full
    for name in SUBCOMMANDS:
        assert name in full


def test_run_arguments_parse_as_before() -> None:
    argv = ["run", "--model", "lead-3", "--tasks", "cnn_dailymail_realsumm", "--limit", "2", "--batch-size", "auto"]
    assert vars(build_parser("run").parse_args(argv)) == vars(build_parser().parse_args(argv))


def test_unknown_command_lists_choices(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        build_parser("nosuchcommand").parse_args(["nosuchcommand"])
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert "invalid choice: 'nosuchcommand'" in error
    assert "leaderboard" in error


def test_run_imports_neither_pandas_nor_leaderboard(tmp_path: Path) -> None:
    script = (
        "import json, sys\n"
        "from harness.cli.main import main\n"
        f"code = main(['run', '--model', 'lead-3', '--tasks', 'cnn_dailymail_realsumm', '--limit', '2',"
        f" '--output-dir', {str(tmp_path)!r}, '--no-progress'])\n"
        "loaded = [name for name in ('pandas', 'harness.leaderboard', 'harness.cli.profile', 'av') if name in sys.modules]\n"
        "print(json.dumps({'code': code, 'loaded': loaded}))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=REPOSITORY, timeout=300, check=True
    )
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    assert report["code"] == 0
    assert report["loaded"] == []
    assert "rouge1" in completed.stdout

"""The pandas-free result tables against ``pandas.DataFrame.to_string``, their reference."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.plain_table import render_rows
from harness.report import format_profile_table, format_table, profile_frame, results_frame
from harness.results.io import load_run

FIXTURES = Path(__file__).parent / "fixtures" / "results"
PROPERTY_SETTINGS = settings(max_examples=300, deadline=None)


def four_decimals(value: float) -> str:
    return f"{value:.4f}"


def pandas_text(rows: list[dict[str, object]]) -> str:
    return pd.DataFrame(rows).to_string(index=False, na_rep="", float_format=four_decimals)


names = st.text(st.characters(codec="utf-8", exclude_characters="\t\r\n"), min_size=1, max_size=12)
scores = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-200, max_value=200),
    st.just(0.0),
    st.just(-0.0),
)


@st.composite
def result_rows(draw: st.DrawFn) -> list[dict[str, object]]:
    """Rows shaped like the ``harness run`` table: model, task, counts, then scores that some rows lack."""
    score_names = draw(st.lists(st.sampled_from(["bleu", "chrf", "rouge1", "rougeL", "wer", "failed", "n"]), max_size=5))
    rows = []
    for _ in range(draw(st.integers(1, 5))):
        row: dict[str, object] = {"model": draw(names), "task": draw(names), "n": draw(st.integers(0, 10**6))}
        if draw(st.booleans()):
            row["failed"] = draw(st.integers(0, 1000))
        for name in score_names:
            if draw(st.booleans()):
                row[name] = draw(scores)
        rows.append(row)
    return rows


cells = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=6),
    st.sampled_from(["a\tb", "line\nbreak", "", " "]),
)


@PROPERTY_SETTINGS
@given(result_rows())
def test_result_shaped_rows_match_pandas(rows: list[dict[str, object]]) -> None:
    text = render_rows(rows, four_decimals)
    assert text is not None
    assert text == pandas_text(rows)


@PROPERTY_SETTINGS
@given(st.lists(st.dictionaries(st.sampled_from(["a", "b", "c", "model"]), cells, max_size=4), min_size=1, max_size=4))
def test_any_rows_match_pandas_or_decline(rows: list[dict[str, object]]) -> None:
    text = render_rows(rows, four_decimals)
    if text is not None:
        assert text == pandas_text(rows)


@pytest.mark.parametrize(
    "rows",
    [
        [{"model": "m", "x": True}],
        [{"model": "m"}, {"model": None}],
        [{"model": "a\nb"}],
        [{"x": 2**63}],
        [{"x": None}],
        [{}],
        [],
    ],
)
def test_unsupported_cells_decline(rows: list[dict[str, object]]) -> None:
    assert render_rows(rows, four_decimals) is None


def test_mixed_ints_and_missing_print_as_floats() -> None:
    rows: list[dict[str, object]] = [{"model": "lead-3", "failed": 3}, {"model": "bart"}]
    text = render_rows(rows, four_decimals)
    assert text == pandas_text(rows)
    assert text is not None
    assert "3.0000" in text


def fixture_runs(folder: str) -> list:
    return [load_run(path) for path in sorted((FIXTURES / folder).glob("*/results.json"))]


@pytest.mark.parametrize("folder", ["summarization", "wmt22", "wmt22_edited", "wmt22_v2", "speed"])
def test_format_table_matches_pandas(folder: str) -> None:
    runs = fixture_runs(folder)
    expected = results_frame(runs).to_string(index=False, na_rep="", float_format=four_decimals)
    assert format_table(runs) == expected


def test_format_profile_table_matches_pandas() -> None:
    runs = fixture_runs("speed")
    frame = profile_frame(runs)
    assert not frame.empty
    expected = frame.to_string(index=False, na_rep="", float_format=lambda value: f"{value:.2f}")
    assert format_profile_table(runs) == expected


def test_format_profile_table_empty_without_profiles() -> None:
    runs = fixture_runs("summarization")
    assert profile_frame(runs).empty
    assert format_profile_table(runs) == ""


def test_format_table_without_runs() -> None:
    assert format_table([]) == "(no results)"


def test_nan_score_renders_blank() -> None:
    rows: list[dict[str, object]] = [{"model": "m", "task": "t", "n": 1, "bleu": math.nan}]
    text = render_rows(rows, four_decimals)
    assert text == pandas_text(rows)
    assert text is not None
    assert text.splitlines()[1].endswith("     ")

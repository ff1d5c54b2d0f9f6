"""Leaderboard tables, CSV, markdown and the results frame, on the committed fixture results."""

from __future__ import annotations

import csv
import io
import math
import shutil
from pathlib import Path

import pytest

import harness
from harness.errors import ResultsError
from harness.leaderboard.build import write_leaderboard
from harness.leaderboard.direction import higher_is_better
from harness.leaderboard.frame import find_results, load_runs, run_labels
from harness.leaderboard.markdown import render_csv, render_markdown
from harness.leaderboard.speed import speed_figures
from harness.leaderboard.tables import build_leaderboard
from harness.results.io import load_run

FIXTURES = Path(__file__).parent / "fixtures" / "results"
WMT22 = FIXTURES / "wmt22"


def bleu_of(run: str) -> tuple[float, tuple[float, float]]:
    metric = load_run(WMT22 / run).tasks["wmt22_zh_en"].metrics["bleu"]
    return metric.scores["bleu"], metric.confidence_intervals["bleu"]


def test_find_results_searches_folders():
    paths = find_results([FIXTURES])
    names = sorted(path.parent.name for path in paths)
    assert len(paths) == 10
    assert names.count("NiuTrans") == 2
    assert all(path.name == "results.json" for path in paths)


def test_find_results_missing_path():
    with pytest.raises(ResultsError, match="not found"):
        find_results([FIXTURES / "absent"])


def test_find_results_empty_folder(tmp_path: Path):
    with pytest.raises(ResultsError, match="No results.json"):
        find_results([tmp_path])


def test_load_results_frame_rows():
    frame = harness.load_results([WMT22])
    assert len(frame) == 6
    assert set(frame["metric"]) == {"bleu", "chrf"}

    row = frame[(frame["run"] == "JDExploreAcademy") & (frame["metric"] == "bleu")].iloc[0]
    value, (low, high) = bleu_of("JDExploreAcademy")
    assert row["value"] == value
    assert (row["ci_low"], row["ci_high"]) == (low, high)
    assert row["model"] == "published:JDExploreAcademy"
    assert row["task_version"] == 1
    assert row["num_examples"] == 300
    assert row["primary"]
    assert row["higher_is_better"]
    assert math.isnan(row["samples_per_second"])


def test_load_results_single_path_and_speed():
    frame = harness.load_results(FIXTURES / "speed" / "tiny-marian-batch8")
    profile = load_run(FIXTURES / "speed" / "tiny-marian-batch8").tasks["wmt22_zh_en"].profile
    row = frame.iloc[0]
    assert row["samples_per_second"] == profile["throughput"]["samples_per_s"]
    assert row["latency_p50_ms"] == pytest.approx(profile["latency"]["p50_s"] * 1000)
    assert row["peak_memory_mib"] == profile["memory"]["cpu_peak_rss_mib"]


def test_run_labels_disambiguate_folder_names():
    runs = load_runs([FIXTURES / "wmt22", FIXTURES / "wmt22_v2"])
    labels = dict(zip((str(run.path) for run in runs), run_labels(runs)))
    assert labels[str((WMT22 / "NiuTrans" / "results.json").resolve())] == "wmt22/NiuTrans"
    assert labels[str((FIXTURES / "wmt22_v2" / "NiuTrans" / "results.json").resolve())] == "wmt22_v2/NiuTrans"
    assert labels[str((WMT22 / "Online-B" / "results.json").resolve())] == "Online-B"


def test_speed_figures_prefers_cuda_memory():
    profile = {
        "throughput": {"samples_per_s": 12.5},
        "latency": {"p50_s": 0.25, "p90_s": 0.5},
        "memory": {"cuda_max_allocated_mib": 2048.0, "cuda_max_reserved_mib": 4096.0, "cpu_peak_rss_mib": 900.0},
    }
    figures = speed_figures(profile)
    assert figures.samples_per_second == 12.5
    assert figures.latency_p50_ms == 250.0
    assert figures.peak_memory_mib == 2048.0


def test_speed_figures_missing_profile():
    assert speed_figures(None).is_empty()
    assert speed_figures({"memory": {"cuda_max_allocated_mib": None}}).is_empty()


def test_metric_directions():
    assert higher_is_better("bleu", "bleu")
    assert higher_is_better("rouge", "rougeL")
    assert not higher_is_better("wer", "wer")
    assert not higher_is_better("cer", "cer")
    assert not higher_is_better("ter", "ter")


@pytest.fixture(scope="module")
def leaderboard():
    return build_leaderboard(load_runs([FIXTURES]))


def section_titled(leaderboard, title: str):
    matches = [section for section in leaderboard.sections if section.title == title]
    assert len(matches) == 1, [section.title for section in leaderboard.sections]
    return matches[0]


def test_sections_split_task_versions(leaderboard):
    wmt = [section for section in leaderboard.sections if section.task == "wmt22_zh_en"]
    keys = {(section.version, section.limit) for section in wmt}
    assert keys == {(1, 300), (2, 300), (1, 48)}
    assert all(section.flagged for section in wmt)
    assert all("3 different task definitions" in " ".join(section.notes) for section in wmt)

    summarization = section_titled(leaderboard, "cnn_dailymail_realsumm (first 30 examples)")
    assert not summarization.flagged


def test_version_2_never_shares_a_table(leaderboard):
    version_2 = [section for section in leaderboard.sections if section.version == 2]
    assert len(version_2) == 1
    assert [entry.run for entry in version_2[0].entries] == ["wmt22_v2/NiuTrans"]
    assert "version 2" in version_2[0].title


def test_wmt22_table_order_and_intervals(leaderboard):
    section = next(s for s in leaderboard.sections if s.task == "wmt22_zh_en" and s.version == 1 and s.limit == 300)
    assert [column.label for column in section.columns] == ["bleu", "chrf"]
    assert [entry.run for entry in section.entries] == [
        "JDExploreAcademy",
        "JDExploreAcademy-edited",
        "Online-B",
        "wmt22/NiuTrans",
    ]
    top = section.entries[0].cells[section.columns[0]]
    value, (low, high) = bleu_of("JDExploreAcademy")
    assert (top.value, top.ci_low, top.ci_high) == (value, low, high)
    assert low < value < high


def test_random_weights_run_is_speed_only(leaderboard):
    section = next(s for s in leaderboard.sections if s.limit == 48)
    random_entries = [entry for entry in section.entries if entry.random_weights]
    assert len(random_entries) == 1
    assert random_entries[0].cells == {}
    assert random_entries[0].samples_per_second > 0
    assert section.entries[-1].random_weights
    assert random_entries[0] not in section.quality_entries
    assert leaderboard.overview.models.count(section.entries[0].model) == 1


def test_overview_primary_scores(leaderboard):
    overview = leaderboard.overview
    titles = [section.title for section in overview.sections]
    assert "cnn_dailymail_realsumm (first 30 examples)" in titles
    index = titles.index("cnn_dailymail_realsumm (first 30 examples)")
    lead = load_run(FIXTURES / "summarization" / "lead-3").tasks["cnn_dailymail_realsumm"].metrics["rouge"]
    assert overview.sections[index].primary.label == "rouge.rouge1"
    assert overview.cells[("lead-3", index)].value == lead.scores["rouge1"]


def test_markdown_tables(leaderboard):
    text = render_markdown(leaderboard, command="harness leaderboard tests/fixtures/results --out leaderboard")
    value, (low, high) = bleu_of("JDExploreAcademy")
    assert f"| 1 | published:JDExploreAcademy | JDExploreAcademy | 300 | {value:.2f} [{low:.2f}, {high:.2f}] |" in text
    assert "bleu ↑ [95 % CI]" in text
    assert "(version 2, content " in text
    assert "(random weights)" in text
    assert "Regenerate with `harness leaderboard tests/fixtures/results --out leaderboard`." in text


def test_csv_rows(leaderboard):
    rows = list(csv.DictReader(io.StringIO(render_csv(leaderboard))))
    jd = [row for row in rows if row["run"] == "JDExploreAcademy" and row["metric"] == "bleu"]
    assert len(jd) == 1
    value, (low, high) = bleu_of("JDExploreAcademy")
    assert float(jd[0]["value"]) == value
    assert float(jd[0]["ci_low"]) == low
    assert float(jd[0]["ci_high"]) == high
    assert jd[0]["flagged"] == "True"
    random_rows = [row for row in rows if row["random_weights"] == "True"]
    assert len(random_rows) == 1
    assert random_rows[0]["value"] == ""
    assert float(random_rows[0]["samples_per_second"]) > 0


def test_markdown_escapes_markup(tmp_path: Path):
    run = tmp_path / "markup"
    shutil.copytree(WMT22 / "NiuTrans", run)
    results = load_run(run)
    results.model.name = "<b>x</b>|y"
    (run / "results.json").write_text(results.model_dump_json(indent=2), encoding="utf-8")
    text = render_markdown(build_leaderboard(load_runs([run])))
    assert "&lt;b&gt;x&lt;/b&gt;\\|y" in text
    assert "<b>" not in text


def test_write_leaderboard_files(tmp_path: Path):
    write_leaderboard([WMT22], tmp_path / "board", command="harness leaderboard")
    assert sorted(path.name for path in (tmp_path / "board").iterdir()) == ["README.md", "index.html", "leaderboard.csv"]


def test_cli_leaderboard(tmp_path: Path, capsys):
    from harness.cli.main import main

    assert main(["leaderboard", str(FIXTURES / "summarization"), "--out", str(tmp_path)]) == 0
    assert "1 task tables, 2 runs" in capsys.readouterr().out
    assert "published:BART" in (tmp_path / "README.md").read_text(encoding="utf-8")


def test_cli_leaderboard_missing_path(tmp_path: Path, capsys):
    from harness.cli.main import main

    assert main(["leaderboard", str(tmp_path / "absent"), "--out", str(tmp_path)]) == 2
    assert "Results path not found" in capsys.readouterr().err

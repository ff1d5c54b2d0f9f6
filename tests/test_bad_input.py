"""Bad input through the real CLI: each case exits 2 with a message naming the file, row and fix, and keeps finished work."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.cli.main import main
from harness.results.io import SamplesLog, load_run
from harness.tasks import catalog

TASK = """\
name: {name}
family: translation
version: 1
target_language: en
dataset: {{format: {format}, path: {path}}}
input: {{field: src, kind: text}}
references: [ref]
metrics: [chrf]
systems:
  sysA: {{path: hyp.txt}}
"""
GOOD_ROWS = [{"src": "a b", "ref": "a b"}, {"src": "c d", "ref": "c d"}, {"src": "e f", "ref": "e f"}]
QUIET = ["--bootstrap-resamples", "0"]


def write_task(folder: Path, name: str = "bad_input", *, data: str | bytes | None = None, path: str = "data.jsonl",
               data_format: str = "jsonl", text: str | None = None) -> Path:
    """Write a task file (and its data file and a matching system output) into ``folder``; return the task file."""
    folder.mkdir(parents=True, exist_ok=True)
    task_file = folder / "task.yaml"
    task_file.write_text(text if text is not None else TASK.format(name=name, format=data_format, path=path))
    if data is None:
        data = "".join(json.dumps(row) + "\n" for row in GOOD_ROWS)
    if data != "<none>":
        (folder / path).write_bytes(data.encode() if isinstance(data, str) else data)
    (folder / "hyp.txt").write_text("a b\nc d\ne x\n")
    return task_file


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """Run the harness CLI in this process; return the exit status and stderr."""
    try:
        status = main(list(argv))
    except SystemExit as exit_:
        status = exit_.code if isinstance(exit_.code, int) else 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return status, captured.err


def score(capsys: pytest.CaptureFixture[str], task: Path, predictions: Path, output: Path, *extra: str) -> tuple[int, str]:
    return cli(capsys, "score", "--task", str(task), "--predictions", str(predictions), "--output-dir", str(output),
               "--run-name", "run", *QUIET, *extra)


@pytest.fixture(autouse=True)
def fresh_catalog():
    catalog._index.cache_clear()
    yield
    catalog._index.cache_clear()


TASK_FILE_CASES = {
    "malformed yaml": ("name: [x\nfamily: y\n", "is not valid YAML", "line 1"),
    "duplicate key": (TASK.format(name="dup", format="jsonl", path="data.jsonl") + "name: other\n", "duplicate key 'name'", "line 11"),
    "unknown key": (TASK.format(name="extra", format="jsonl", path="data.jsonl") + "colour: blue\n", "field 'colour'", "Extra inputs"),
    "wrong type": (TASK.format(name="typed", format="jsonl", path="data.jsonl").replace("version: 1", "version: one"),
                   "field 'version'", "valid integer"),
    "unknown encoding": (TASK.format(name="enc", format="jsonl", path="data.jsonl").replace(
        "dataset: {format: jsonl", "dataset: {encoding: latin-99, format: jsonl"), "dataset.encoding", "latin-99"),
    "empty file": ("", "is empty", "schema.py"),
    "list": ("- a\n", "must contain a YAML mapping", "list"),
}


@pytest.mark.parametrize("case", sorted(TASK_FILE_CASES))
def test_task_file_errors(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text, *expected = TASK_FILE_CASES[case]
    task = write_task(tmp_path / "task", text=text)
    status, error = score(capsys, task, tmp_path / "task" / "hyp.txt", tmp_path / "out")
    assert status == 2
    assert str(task) in error
    for fragment in expected:
        assert fragment in error


DATA_CASES = {
    "missing file": ("<none>", "jsonl", "data.jsonl", ["Data file not found", "data.jsonl"]),
    "non-utf8": (b'{"src": "a b", "ref": "a b"}\n{"src": "c \xff", "ref": "c d"}\n', "jsonl", "data.jsonl",
                 ["line 2", "invalid utf-8 byte", "dataset.encoding"]),
    "jsonl bad line": ('{"src": "a b", "ref": "a b"}\n{"src": "c d", "ref": \n', "jsonl", "data.jsonl", ["line 2", "invalid JSON"]),
    "csv long row": ("src,ref\na b,a b\nc d,c d,extra\n", "csv", "data.csv", ["data.csv, line 3", "3 cells", "2 columns"]),
    "csv short row": ("src,ref\na b,a b\nc d\n", "csv", "data.csv", ["data.csv, line 3", "1 cells"]),
    "tsv long row": ("src\tref\na b\ta b\tx\n", "tsv", "data.tsv", ["data.tsv, line 2", "3 cells"]),
    "csv repeated header": ("src,ref,ref\na,b,c\n", "csv", "data.csv", ["line 1", "repeats column 'ref'"]),
    "csv open quote": ('src,ref\n"a b,a b\nc d,c d\n', "csv", "data.csv", ["data.csv, line 2", "invalid CSV"]),
    "wrong column": ('{"source": "a b", "ref": "a b"}\n', "jsonl", "data.jsonl", ["row 1", "missing input column 'src'", "source"]),
    "empty reference": ('{"src": "a b", "ref": "a b"}\n{"src": "c d", "ref": " "}\n', "jsonl", "data.jsonl",
                        ["row 2", "every reference is empty"]),
    "null input": ('{"src": null, "ref": "a b"}\n', "jsonl", "data.jsonl", ["row 1", "holds a null"]),
    "no rows": ("src,ref\n", "csv", "data.csv", ["has no examples", "data.csv"]),
}


@pytest.mark.parametrize("case", sorted(DATA_CASES))
def test_data_file_errors(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, data_format, path, expected = DATA_CASES[case]
    task = write_task(tmp_path / "task", data=data, path=path, data_format=data_format)
    status, error = score(capsys, task, tmp_path / "task" / "hyp.txt", tmp_path / "out")
    assert status == 2
    for fragment in expected:
        assert fragment in error


def test_duplicate_ids_name_both_rows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    task = write_task(tmp_path / "task", data='{"id": 1, "src": "a", "ref": "a"}\n{"id": 1, "src": "b", "ref": "b"}\n')
    task.write_text(task.read_text() + "id_field: id\n")
    status, error = score(capsys, task, tmp_path / "task" / "hyp.txt", tmp_path / "out")
    assert status == 2
    assert "row 2: id '1' repeats row 1" in error


def test_byte_order_mark_and_u2028_are_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = "\ufeff" + json.dumps({"src": "a\u2028b", "ref": "a b"}, ensure_ascii=False) + "\n"
    rows += "".join(json.dumps(row) + "\n" for row in GOOD_ROWS[1:])
    task = write_task(tmp_path / "task", data=rows)
    status, _ = score(capsys, task, tmp_path / "task" / "hyp.txt", tmp_path / "out")
    assert status == 0
    samples = SamplesLog(tmp_path / "out" / "run" / "samples_bad_input.jsonl").read()
    assert samples[0]["input"] == "a\u2028b"


def test_paths_outside_task_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outside = write_task(tmp_path / "outside")
    dotdot = write_task(tmp_path / "dotdot", path="../outside/data.jsonl", data="<none>")
    linked = write_task(tmp_path / "linked", data="<none>")
    (tmp_path / "linked" / "data.jsonl").symlink_to(outside.parent / "data.jsonl")
    for task in (dotdot, linked):
        status, error = score(capsys, task, tmp_path / "outside" / "hyp.txt", tmp_path / "out")
        assert status == 2
        assert f"resolves to {outside.parent / 'data.jsonl'}" in error
        assert "outside the task folder" in error


PREDICTION_CASES = {
    "too few lines": ("hyp.txt", b"a b\nc d\n", ["has 2 lines but task bad_input has 3 examples"]),
    "extra empty line": ("hyp.txt", b"a b\nc d\ne f\n\n", ["has 4 lines", "ends with 1 empty line;"]),
    "empty file": ("hyp.txt", b"", ["has 0 lines"]),
    "lone carriage return": ("hyp.txt", b"a b\nc\rd\ne f\n", ["line 2", "carriage return"]),
    "carriage return line ends": ("hyp.txt", b"a b\rc d\re f\r", ["line 1", "carriage return"]),
    "non-utf8": ("hyp.txt", b"a b\nc \xfe d\ne f\n", ["line 2", "invalid UTF-8"]),
    "jsonl missing ids": ("hyp.jsonl", b'{"id": "0", "prediction": "a b"}\n', ["no output for 2 of 3 examples", "ids 1, 2"]),
    "jsonl bad line": ("hyp.jsonl", b'{"id": "0", "prediction": "a b"}\n{"id": "1", \n', ["line 2", "invalid JSON"]),
    "jsonl list prediction": ("hyp.jsonl", b'{"id": "0", "prediction": ["a"]}\n', ["line 1", "is a list", "expected a string"]),
    "jsonl repeated id": ("hyp.jsonl", b'{"id": "0", "prediction": "a"}\n{"id": "0", "prediction": "b"}\n', ["line 2", "appears twice"]),
    "coco null caption": ("hyp.json", json.dumps([{"image_id": i, "caption": None} for i in range(3)]).encode(),
                          ["entry 0", "is a null"]),
    "coco missing ids": ("hyp.json", json.dumps([{"image_id": 0, "caption": "a b"}]).encode(), ["no output for 2 of 3"]),
    "coco truncated": ("hyp.json", b'[{"image_id": 0, "caption": "a b"}, ', ["invalid JSON"]),
}


@pytest.mark.parametrize("case", sorted(PREDICTION_CASES))
def test_predictions_file_errors(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name, content, expected = PREDICTION_CASES[case]
    task = write_task(tmp_path / "task")
    predictions = tmp_path / name
    predictions.write_bytes(content)
    status, error = score(capsys, task, predictions, tmp_path / "out")
    assert status == 2
    assert str(predictions) in error
    for fragment in expected:
        assert fragment in error


def test_predictions_crlf_and_bom_accepted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    task = write_task(tmp_path / "task")
    predictions = tmp_path / "hyp.txt"
    predictions.write_bytes("\ufeffa b\r\nc d\r\ne f\r\n".encode())
    status, _ = score(capsys, task, predictions, tmp_path / "out")
    assert status == 0
    samples = SamplesLog(tmp_path / "out" / "run" / "samples_bad_input.jsonl").read()
    assert [sample["prediction"] for sample in samples] == ["a b", "c d", "e f"]


def test_predictions_path_is_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    task = write_task(tmp_path / "task")
    status, error = score(capsys, task, tmp_path, tmp_path / "out")
    assert status == 2
    assert "is a folder" in error


def test_score_twice_suggests_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    task = write_task(tmp_path / "task")
    assert score(capsys, task, tmp_path / "task" / "hyp.txt", tmp_path / "out")[0] == 0
    status, error = score(capsys, task, tmp_path / "task" / "hyp.txt", tmp_path / "out")
    assert status == 2
    assert "--overwrite" in error
    assert "--resume" not in error


@pytest.mark.parametrize(("option", "value"), [("--limit", "0"), ("--limit", "-1"), ("--batch-size", "0"),
                                               ("--max-new-tokens", "0"), ("--bootstrap-resamples", "-5")])
def test_invalid_numbers_rejected(option: str, value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    task = write_task(tmp_path / "task")
    status, error = cli(capsys, "run", "--model", "published:sysA", "--tasks", str(task), "--output-dir",
                        str(tmp_path / "out"), option, value)
    assert status == 2
    assert f"argument {option}" in error
    assert not (tmp_path / "out").exists()


RUN_CASES = {
    "no task": (["--tasks", ","], ["names no task"]),
    "run name escapes": (["--run-name", "../escape"], ["Invalid --run-name '../escape'"]),
    "bad device": (["--device", "tpu"], ["Invalid device 'tpu'"]),
    "model typo": (["--model", "publishd:sysA"], ["Unknown model 'publishd:sysA'", "Did you mean published:?"]),
    "missing system": (["--model", "published:sysB"], ["declares no published system 'sysB'", "available: sysA"]),
    "task typo": (["--tasks", "wmt22_zh_e"], ["Unknown task 'wmt22_zh_e'", "Did you mean wmt22_zh_en?"]),
    "task file missing": (["--tasks", "missing.yaml"], ["Task file not found: missing.yaml"]),
}


@pytest.mark.parametrize("case", sorted(RUN_CASES))
def test_run_option_errors(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    task = write_task(tmp_path / "task")
    options = {"--model": "published:sysA", "--tasks": str(task), "--output-dir": str(tmp_path / "out")}
    overrides, expected = RUN_CASES[case]
    options.update(zip(overrides[::2], overrides[1::2]))
    status, error = cli(capsys, "run", *[item for pair in options.items() for item in pair], *QUIET)
    assert status == 2
    for fragment in expected:
        assert fragment in error


def test_output_dir_is_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    task = write_task(tmp_path / "task")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    status, error = cli(capsys, "run", "--model", "published:sysA", "--tasks", str(task), "--output-dir", str(blocker))
    assert status == 2
    assert f"{blocker} is a file, not a folder" in error


def test_unknown_metric_names_task_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    task = write_task(tmp_path / "task")
    task.write_text(task.read_text().replace("metrics: [chrf]", "metrics: [chfr]"))
    status, error = score(capsys, task, tmp_path / "task" / "hyp.txt", tmp_path / "out")
    assert status == 2
    assert f"Task file {task}, metrics.0 (chfr)" in error
    assert "Did you mean chrf" in error


def test_unknown_metric_option_lists_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    task = write_task(tmp_path / "task")
    task.write_text(task.read_text().replace("metrics: [chrf]", "metrics: [{name: chrf, options: {wordorder: 2}}]"))
    status, error = score(capsys, task, tmp_path / "task" / "hyp.txt", tmp_path / "out")
    assert status == 2
    assert f"Task file {task}, metrics.0 (chrf)" in error
    assert "Unknown option 'wordorder' for metric 'chrf'" in error
    assert "word_order" in error


SUITE_CASES = {
    "unknown option": ("options: {bogus: 1}", ["runs.0.options", "unknown run options ['bogus']"]),
    "negative limit": ("options: {limit: -3}", ["runs.0", "Invalid --limit -3"]),
    "fixed option": ("options: {model: x}", ["unknown run options ['model']"]),
}


@pytest.mark.parametrize("case", sorted(SUITE_CASES))
def test_suite_file_errors(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    task = write_task(tmp_path / "task")
    line, expected = SUITE_CASES[case]
    suite = tmp_path / "suite.yaml"
    suite.write_text(f"name: s\nruns:\n  - model: published:sysA\n    tasks: [{task}]\n    {line}\n")
    status, error = cli(capsys, "run", "--suite", str(suite), "--output-dir", str(tmp_path / "out"))
    assert status == 2
    assert f"Invalid suite file {suite}" in error
    for fragment in expected:
        assert fragment in error


def test_suite_unknown_model_fails_first(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    task = write_task(tmp_path / "task")
    suite = tmp_path / "suite.yaml"
    suite.write_text(f"name: s\nruns:\n  - model: published:sysA\n    tasks: [{task}]\n  - model: lead3\n    tasks: [{task}]\n")
    status, error = cli(capsys, "run", "--suite", str(suite), "--output-dir", str(tmp_path / "out"))
    assert status == 2
    assert "Suite s, runs.1: unknown model 'lead3'. Did you mean lead-3?" in error
    assert not (tmp_path / "out").exists()


def test_suite_file_unreadable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    suite = tmp_path / "suite.yaml"
    suite.write_bytes(b"name: s\xff\n")
    status, error = cli(capsys, "run", "--suite", str(suite))
    assert status == 2
    assert f"Suite file {suite} is not valid UTF-8" in error
    status, error = cli(capsys, "run", "--suite", str(tmp_path / "missing.yaml"))
    assert status == 2
    assert "Suite file not found" in error


def test_broken_task_file_spares_others(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    write_task(tmp_path / "tasks" / "good", name="good_task")
    broken = tmp_path / "tasks" / "broken" / "broken.yaml"
    broken.parent.mkdir()
    broken.write_text("name: [x\n")
    monkeypatch.setenv("HARNESS_TASKS_PATH", str(tmp_path / "tasks"))

    status, error = score(capsys, Path("good_task"), tmp_path / "tasks" / "good" / "hyp.txt", tmp_path / "out")
    assert status == 0

    status = main(["tasks"])
    captured = capsys.readouterr()
    assert status == 2
    assert "good_task" in captured.out
    assert str(broken) in captured.err


@pytest.mark.parametrize("command", ["leaderboard", "compare", "check"])
def test_damaged_results_file(command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    task = write_task(tmp_path / "task")
    assert score(capsys, task, tmp_path / "task" / "hyp.txt", tmp_path / "good")[0] == 0
    good = tmp_path / "good" / "run"
    damaged = tmp_path / "damaged" / "run"
    damaged.mkdir(parents=True)
    text = (good / "results.json").read_bytes()
    (damaged / "results.json").write_bytes(text[: len(text) // 2])
    argv = {"leaderboard": ["leaderboard", str(damaged), "--out", str(tmp_path / "board")],
            "compare": ["compare", str(good), str(damaged)],
            "check": ["check", "--baseline", str(good), "--current", str(damaged)]}[command]
    status, error = cli(capsys, *argv)
    assert status == 2
    assert f"Results file {damaged / 'results.json'} is not valid JSON" in error
    assert "--resume" in error


def test_compare_leaves_damaged_samples(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    task = write_task(tmp_path / "task")
    assert score(capsys, task, tmp_path / "task" / "hyp.txt", tmp_path / "a")[0] == 0
    assert score(capsys, task, tmp_path / "task" / "hyp.txt", tmp_path / "b")[0] == 0
    samples = tmp_path / "b" / "run" / "samples_bad_input.jsonl"
    lines = samples.read_bytes().split(b"\n")
    damaged = b"\n".join([lines[0], b"not json", *lines[1:]])
    samples.write_bytes(damaged)
    status, error = cli(capsys, "compare", str(tmp_path / "a" / "run"), str(tmp_path / "b" / "run"), "--resamples", "10")
    assert status == 2
    assert f"Samples file {samples}, line 2" in error
    assert samples.read_bytes() == damaged


def test_samples_recover_cuts_partial_line(tmp_path: Path) -> None:
    log = SamplesLog(tmp_path / "samples.jsonl")
    log.path.write_bytes(b'{"id": "0", "prediction": "a"}\n{"id": "1", "predic')
    assert [record["id"] for record in log.read()] == ["0"]
    assert log.path.read_bytes().endswith(b'"predic')
    assert [record["id"] for record in log.recover()] == ["0"]
    log.append([{"id": "1", "prediction": "b"}])
    assert [record["id"] for record in log.read()] == ["0", "1"]


def _published_run(capsys: pytest.CaptureFixture[str], tasks: list[Path], output: Path, *extra: str) -> tuple[int, str]:
    return cli(capsys, "run", "--model", "published:sysA", "--tasks", ",".join(map(str, tasks)), "--output-dir",
               str(output), "--run-name", "run", "--no-progress", *QUIET, *extra)


def test_resume_with_other_settings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    task = write_task(tmp_path / "task")
    assert _published_run(capsys, [task], tmp_path / "out", "--limit", "2")[0] == 0
    status, error = _published_run(capsys, [task], tmp_path / "out", "--limit", "3", "--resume")
    assert status == 2
    assert "limit: 2 in the interrupted run, 3 now" in error
    (tmp_path / "out" / "run" / "run.json").write_text("{")
    status, error = _published_run(capsys, [task], tmp_path / "out", "--limit", "2", "--resume")
    assert status == 2
    assert "run.json is damaged" in error


def test_fixed_task_resumes_keeping_finished(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = write_task(tmp_path / "first", name="first")
    second = write_task(tmp_path / "second", name="second", data='{"src": "a", "ref": ""}\n')
    status, error = _published_run(capsys, [first, second], tmp_path / "out")
    assert status == 2
    assert "every reference is empty" in error
    assert "Finished work is kept in" in error
    finished = (tmp_path / "out" / "run" / "samples_first.jsonl").read_bytes()

    write_task(tmp_path / "second", name="second")
    assert _published_run(capsys, [first, second], tmp_path / "out", "--resume")[0] == 0
    assert (tmp_path / "out" / "run" / "samples_first.jsonl").read_bytes().startswith(finished[:20])
    assert sorted(load_run(tmp_path / "out" / "run").tasks) == ["first", "second"]


def test_resume_rewrites_damaged_results(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    task = write_task(tmp_path / "task")
    assert _published_run(capsys, [task], tmp_path / "out")[0] == 0
    results = tmp_path / "out" / "run" / "results.json"
    expected = load_run(results).tasks["bad_input"].metrics["chrf"].scores
    results.write_text(results.read_text()[:100])
    assert _published_run(capsys, [task], tmp_path / "out", "--resume")[0] == 0
    assert load_run(results).tasks["bad_input"].metrics["chrf"].scores == expected


def test_ctrl_c_keeps_samples_for_resume(tiny_gpt2: Path, tmp_path: Path) -> None:
    # 200 examples in batches of 2 keep the child busy for seconds after the
    # first 4 samples, so it is still running when SIGINT arrives on a loaded machine.
    command = [sys.executable, "-m", "harness", "run", "--model", f"hf:{tiny_gpt2}", "--tasks", "wmt22_zh_en",
               "--limit", "200", "--max-new-tokens", "8", "--batch-size", "2", "--device", "cpu", "--output-dir",
               str(tmp_path), "--run-name", "run", "--no-progress", *QUIET]
    environment = {**os.environ, "HF_HUB_OFFLINE": "1"}
    samples = tmp_path / "run" / "samples_wmt22_zh_en.jsonl"
    process = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if samples.exists() and len(samples.read_bytes().splitlines()) >= 4:
            break
        time.sleep(0.01)
    process.send_signal(signal.SIGINT)
    _, error = process.communicate(timeout=60)
    kept = SamplesLog(samples).read()
    assert process.returncode == 130
    assert "rerun with --resume" in error
    assert "Traceback" not in error
    assert 4 <= len(kept) < 200

    resumed = subprocess.run(command + ["--resume"], env=environment, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    final = {record["id"]: record["prediction"] for record in SamplesLog(samples).read()}
    assert len(final) == 200
    assert all(final[record["id"]] == record["prediction"] for record in kept)


def test_overwrite_with_bad_predictions_keeps_earlier(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    task = write_task(tmp_path / "task")
    assert score(capsys, task, tmp_path / "task" / "hyp.txt", tmp_path / "out")[0] == 0
    folder = tmp_path / "out" / "run"
    before = {path.name: path.read_bytes() for path in folder.iterdir()}
    short = tmp_path / "short.txt"
    short.write_text("a b\n")
    status, error = score(capsys, task, short, tmp_path / "out", "--overwrite")
    assert status == 2
    assert "earlier outputs" in error
    assert {path.name: path.read_bytes() for path in folder.iterdir()} == before


def test_two_files_one_task_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = write_task(tmp_path / "first")
    second = write_task(tmp_path / "second")
    status, error = _published_run(capsys, [first, second], tmp_path / "out")
    assert status == 2
    assert "both define task 'bad_input'" in error


def test_api_rejects_tasks_string(tmp_path: Path) -> None:
    from harness.errors import HarnessError
    from harness.runner.runner import RunConfig, run

    task = write_task(tmp_path / "task")
    with pytest.raises(HarnessError, match="expected a list of task names"):
        run(RunConfig(model="published:sysA", tasks=str(task), output_dir=str(tmp_path / "out"), show_progress=False))


def test_missing_media_listed_before_run(tmp_path: Path) -> None:
    from harness.errors import MediaError
    from harness.runner.validation import check_media_exist
    from harness.tasks.task import Task

    folder = tmp_path / "speech"
    folder.mkdir()
    (folder / "present.wav").write_bytes(b"RIFF")
    rows = [{"audio": "present.wav", "text": "a"}, {"audio": "absent.wav", "text": "b"}]
    (folder / "data.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    (folder / "task.yaml").write_text(
        "name: speech_bad\nfamily: asr\nversion: 1\ndataset: {format: jsonl, path: data.jsonl}\n"
        "input: {field: audio, kind: audio}\nreferences: [text]\nmetrics: [wer]\n"
    )
    task = Task.from_file(folder / "task.yaml")
    with pytest.raises(MediaError) as raised:
        check_media_exist(task, task.examples())
    message = str(raised.value)
    assert "1 of 2 audio files not found" in message
    assert f"row 2 (id '1'): {folder / 'absent.wav'}" in message
    assert "--on-error skip" in message


def test_samples_record_without_prediction(tmp_path: Path) -> None:
    from harness.errors import ResultsError

    log = SamplesLog(tmp_path / "samples.jsonl")
    log.path.write_text('{"id": "0", "prediction": "a"}\n{"id": "1"}\n')
    with pytest.raises(ResultsError, match="line 2: expected a JSON object with an 'id' and a string 'prediction'"):
        log.read()


def test_csv_cell_longer_than_csv_default(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    article = "word " * 40_000
    task = write_task(tmp_path / "task", data=f"src,ref\n{article},a b\nc d,c d\ne f,e f\n", path="data.csv",
                      data_format="csv")
    status, error = score(capsys, task, tmp_path / "task" / "hyp.txt", tmp_path / "out")
    assert status == 0, error


def test_unknown_attention_implementation(tiny_gpt2: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, error = cli(capsys, "run", "--model", f"hf:{tiny_gpt2}", "--tasks", "wmt22_zh_en", "--limit", "2",
                        "--device", "cpu", "--output-dir", str(tmp_path), "--attn-implementation", "bogus", *QUIET)
    assert status == 2
    assert "Invalid --attn-implementation 'bogus'" in error

"""Task files: validation errors, path rules, data readers and the catalog."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.errors import TaskError
from harness.tasks import Task, get_task, task_names

VALID = """\
name: tiny_translation
family: translation
version: 1
source_language: de
target_language: en
dataset: {format: jsonl, path: data.jsonl}
input: {field: src}
references: [ref]
metrics: [bleu]
"""


def write_task(folder: Path, text: str = VALID, rows: list[dict] | None = None) -> Path:
    rows = rows if rows is not None else [{"src": "Hallo Welt", "ref": "Hello world"}, {"src": "Danke", "ref": ["Thanks", "Thank you"]}]
    (folder / "data.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    path = folder / "task.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_task_loads_examples(tmp_path: Path) -> None:
    task = Task.from_file(write_task(tmp_path))
    examples = task.examples()
    assert [example.id for example in examples] == ["0", "1"]
    assert examples[0].references == ("Hello world",)
    assert examples[1].references == ("Thanks", "Thank you")
    assert task.content_hash.startswith("sha256:")


def test_invalid_field_names_file_field_and_value(tmp_path: Path) -> None:
    path = write_task(tmp_path, VALID.replace("family: translation", "family: poetry"))
    with pytest.raises(TaskError) as raised:
        Task.from_file(path)
    message = str(raised.value)
    assert str(path) in message
    assert "'family'" in message
    assert "'poetry'" in message


def test_unknown_key_is_rejected(tmp_path: Path) -> None:
    path = write_task(tmp_path, VALID + "metricz: [bleu]\n")
    with pytest.raises(TaskError, match="metricz"):
        Task.from_file(path)


def test_path_outside_task_folder_is_rejected(tmp_path: Path) -> None:
    folder = tmp_path / "task"
    folder.mkdir()
    path = write_task(folder, VALID.replace("path: data.jsonl", "path: ../secret.jsonl"))
    with pytest.raises(TaskError, match="outside the task folder"):
        Task.from_file(path)


def test_absolute_path_needs_permission(tmp_path: Path) -> None:
    folder = tmp_path / "task"
    folder.mkdir()
    data = tmp_path / "elsewhere.jsonl"
    data.write_text(json.dumps({"src": "a", "ref": "b"}) + "\n", encoding="utf-8")
    path = write_task(folder, VALID.replace("path: data.jsonl", f"path: {data}"))
    with pytest.raises(TaskError, match="absolute path"):
        Task.from_file(path)
    path.write_text(VALID.replace("path: data.jsonl", f"path: {data}") + "allow_absolute_paths: true\n", encoding="utf-8")
    assert len(Task.from_file(path).examples()) == 1


def test_missing_column_names_row_and_column(tmp_path: Path) -> None:
    path = write_task(tmp_path, rows=[{"src": "a", "ref": "b"}, {"source": "c", "ref": "d"}])
    with pytest.raises(TaskError) as raised:
        Task.from_file(path).examples()
    assert "row 2" in str(raised.value)
    assert "'src'" in str(raised.value)


def test_empty_reference_is_an_error(tmp_path: Path) -> None:
    path = write_task(tmp_path, rows=[{"src": "a", "ref": "  "}])
    with pytest.raises(TaskError, match="row 1: every reference is empty"):
        Task.from_file(path).examples()


def test_non_utf8_data_names_line(tmp_path: Path) -> None:
    path = write_task(tmp_path)
    (tmp_path / "data.jsonl").write_bytes(b'{"src": "a", "ref": "b"}\n{"src": "\xff", "ref": "c"}\n')
    with pytest.raises(TaskError, match="line 2: invalid utf-8"):
        Task.from_file(path).examples()


def test_malformed_yaml_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("name: [unclosed\n", encoding="utf-8")
    with pytest.raises(TaskError, match="not valid YAML"):
        Task.from_file(path)


def test_duplicate_ids_are_rejected(tmp_path: Path) -> None:
    text = VALID + "id_field: key\n"
    path = write_task(tmp_path, text, rows=[{"key": 1, "src": "a", "ref": "b"}, {"key": 1, "src": "c", "ref": "d"}])
    with pytest.raises(TaskError, match="repeats row 1"):
        Task.from_file(path).examples()


def test_line_files_of_different_lengths_are_rejected(tmp_path: Path) -> None:
    (tmp_path / "src.txt").write_text("a\nb\n", encoding="utf-8")
    (tmp_path / "ref.txt").write_text("a\n", encoding="utf-8")
    text = VALID.replace("dataset: {format: jsonl, path: data.jsonl}", "dataset: {format: lines, files: {src: src.txt, ref: ref.txt}}")
    path = tmp_path / "task.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TaskError, match="different line counts"):
        Task.from_file(path).examples()


def test_content_hash_follows_data(tmp_path: Path) -> None:
    path = write_task(tmp_path)
    before = Task.from_file(path).content_hash
    write_task(tmp_path, rows=[{"src": "Hallo", "ref": "Hi"}])
    assert Task.from_file(path).content_hash != before


def test_unknown_task_suggests_close_names() -> None:
    with pytest.raises(TaskError, match="Did you mean wmt22_zh_en"):
        get_task("wmt22_zh_eng")


def test_catalog_lists_shipped_tasks() -> None:
    assert {"wmt22_zh_en", "cnn_dailymail_realsumm", "speech_en", "coco_fakecap"} <= set(task_names())


def test_tasks_command_lists_family_and_count() -> None:
    output = subprocess.run(
        [sys.executable, "-m", "harness", "tasks"], capture_output=True, text=True, check=True
    ).stdout
    line = next(line for line in output.splitlines() if line.startswith("wmt22_zh_en"))
    assert "translation" in line
    assert "1875" in line
    assert "zh-en" in line


def test_entry_point_plugin_adds_task_folder(tmp_path: Path) -> None:
    folder = tmp_path / "harness_task_plugin" / "tasks"
    folder.mkdir(parents=True)
    write_task(folder, VALID.replace("name: tiny_translation", "name: plugin_translation"))
    (tmp_path / "harness_task_plugin" / "__init__.py").write_text(
        "from pathlib import Path\nTASKS = Path(__file__).parent / 'tasks'\n", encoding="utf-8"
    )
    dist_info = tmp_path / "harness_task_plugin-0.1.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: harness-task-plugin\nVersion: 0.1\n", encoding="utf-8")
    (dist_info / "entry_points.txt").write_text("[harness.tasks]\nplugin = harness_task_plugin:TASKS\n", encoding="utf-8")
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(Path(__file__).resolve().parents[1])])}
    script = "from harness.tasks import get_task; print(len(get_task('plugin_translation').examples()))"
    output = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=environment, check=True)
    assert output.stdout.strip() == "2"

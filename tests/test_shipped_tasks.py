"""Shipped tasks: every task file loads, its data and media are complete, and its system outputs align."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import av
import pytest
import sacrebleu
import soundfile
import yaml
from PIL import Image

from harness.tasks.catalog import shipped_tasks_folder
from harness.tasks.task import Example, Task

EXPECTED_EXAMPLES = {
    "coco_fakecap": 1000,
    "coco_images": 92,
    "coco_images_clipcap": 6,
    "speech_en": 93,
    "speech_zh": 3,
    "msrvtt_msvd_clips": 12,
    "cnn_dailymail_realsumm": 100,
    "wmt22_zh_en": 1875,
}

# Minimum references per example: COCO has 5 captions per image, MSR-VTT 20 per clip
# (MSVD more), and WMT22 zh-en has two reference translations.
MIN_REFERENCES = {
    "coco_fakecap": 5,
    "coco_images": 5,
    "coco_images_clipcap": 5,
    "speech_en": 1,
    "speech_zh": 1,
    "msrvtt_msvd_clips": 20,
    "cnn_dailymail_realsumm": 1,
    "wmt22_zh_en": 2,
}

TASKS_FOLDER = shipped_tasks_folder()
TASK_FILES = sorted(path for path in TASKS_FOLDER.rglob("*.yaml") if path.parent.name != "suites")


def _load(name: str) -> Task:
    matches = [path for path in TASK_FILES if Task.from_file(path).name == name]
    assert len(matches) == 1, f"expected one task file named {name}, found {matches}"
    return Task.from_file(matches[0])


@pytest.fixture(scope="module")
def examples_by_task() -> dict[str, list[Example]]:
    return {name: _load(name).examples() for name in EXPECTED_EXAMPLES}


def test_shipped_task_names() -> None:
    names = sorted(Task.from_file(path).name for path in TASK_FILES)
    assert names == sorted(EXPECTED_EXAMPLES)


@pytest.mark.parametrize("name", sorted(EXPECTED_EXAMPLES))
def test_example_count(name: str, examples_by_task: dict[str, list[Example]]) -> None:
    assert len(examples_by_task[name]) == EXPECTED_EXAMPLES[name]


@pytest.mark.parametrize("name", sorted(EXPECTED_EXAMPLES))
def test_references_non_empty(name: str, examples_by_task: dict[str, list[Example]]) -> None:
    for example in examples_by_task[name]:
        assert len(example.references) >= MIN_REFERENCES[name], example.id
        assert all(reference.strip() for reference in example.references), example.id


@pytest.mark.parametrize("name", sorted(EXPECTED_EXAMPLES))
def test_sources_file_beside_task(name: str) -> None:
    sources = _load(name).folder / "SOURCES.md"
    assert sources.is_file()
    assert "licence" in sources.read_text(encoding="utf-8").lower()


@pytest.mark.parametrize("name", ["coco_images", "coco_images_clipcap"])
def test_images_decode(name: str, examples_by_task: dict[str, list[Example]]) -> None:
    for example in examples_by_task[name]:
        path = Path(example.input)
        assert path.is_file(), path
        with Image.open(path) as image:
            assert image.format == "JPEG", path
            image.verify()


@pytest.mark.parametrize(("name", "language"), [("speech_en", "en"), ("speech_zh", "zh")])
def test_audio_matches_manifest(name: str, language: str, examples_by_task: dict[str, list[Example]]) -> None:
    for example in examples_by_task[name]:
        path = Path(example.input)
        assert path.is_file(), path
        info = soundfile.info(str(path))
        assert info.samplerate == example.extra["sample_rate"], path
        assert info.frames / info.samplerate == pytest.approx(example.extra["duration_s"], abs=0.01), path
        assert example.extra["language"] == language, path


def test_asr_tasks_cover_all_recordings(examples_by_task: dict[str, list[Example]]) -> None:
    english = {Path(example.input).name for example in examples_by_task["speech_en"]}
    mandarin = {Path(example.input).name for example in examples_by_task["speech_zh"]}
    assert len(english | mandarin) == 96
    assert "jfk.flac" in english
    assert all(name.startswith("zh_aishell1_") for name in mandarin)


def test_videos_decode(examples_by_task: dict[str, list[Example]]) -> None:
    for example in examples_by_task["msrvtt_msvd_clips"]:
        path = Path(example.input)
        assert path.is_file(), path
        with av.open(str(path)) as container:
            assert container.streams.video, path


def test_video_task_marked_research_only() -> None:
    task = _load("msrvtt_msvd_clips")
    assert "research-only" in task.config.description.lower()
    assert "research-only" in (task.folder / "SOURCES.md").read_text(encoding="utf-8").lower()


def _system_ids(task: Task, system: str) -> list[str]:
    output = task.config.systems[system]
    path = task.resolve(output.path, f"systems.{system}.path")
    text = path.read_text(encoding="utf-8")
    if output.format == "coco":
        return [str(row["image_id"]) for row in json.loads(text)]
    if output.format == "jsonl":
        return [str(json.loads(line)["id"]) for line in text.splitlines() if line.strip()]
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [str(index) for index in range(len(lines))]


@pytest.mark.parametrize(
    ("name", "systems"),
    [
        ("coco_fakecap", {"fakecap"}),
        ("coco_images_clipcap", {"ClipCap"}),
        ("cnn_dailymail_realsumm", {"BART", "T5-base", "T5-small", "PreSumm", "Pointer-Generator"}),
        ("wmt22_zh_en", {"JDExploreAcademy", "NiuTrans", "Online-B"}),
    ],
)
def test_system_outputs_align(name: str, systems: set[str], examples_by_task: dict[str, list[Example]]) -> None:
    task = _load(name)
    assert set(task.config.systems) == systems
    example_ids = [example.id for example in examples_by_task[name]]
    for system in systems:
        system_ids = _system_ids(task, system)
        assert len(system_ids) == len(example_ids), system
        assert sorted(system_ids) == sorted(example_ids), system


def test_wmt22_bleu_matches_published() -> None:
    """BLEU of the shipped files against reference A equals the official WMT22 score table."""
    task = _load("wmt22_zh_en")
    data = task.folder / "data"
    with open(data / "automatic-scores.tsv", encoding="utf-8", newline="") as handle:
        published = {
            row["system"]: float(row["score"])
            for row in csv.DictReader(handle, delimiter="\t")
            if row["pair"] == "zh-en" and row["metric"] == "bleu-A"
        }
    reference = (data / "generaltest2022.zh-en.ref.A.en").read_text(encoding="utf-8").splitlines()
    for system in ("JDExploreAcademy", "NiuTrans"):
        hypotheses = (data / f"generaltest2022.zh-en.hyp.{system}.en").read_text(encoding="utf-8").splitlines()
        score = sacrebleu.corpus_bleu(hypotheses, [reference]).score
        assert score == pytest.approx(published[system], abs=1e-4), system


def test_demo_suite_names_shipped_systems() -> None:
    suite = yaml.safe_load((TASKS_FOLDER / "suites" / "demo.yaml").read_text(encoding="utf-8"))
    assert suite["name"] == "demo"
    tasks = {name: _load(name) for name in EXPECTED_EXAMPLES}
    published_runs = set()
    for run in suite["runs"]:
        for name in run["tasks"]:
            assert name in tasks, name
            if run["model"].startswith("published:"):
                system = run["model"].removeprefix("published:")
                assert system in tasks[name].config.systems, (system, name)
                published_runs.add((system, name))
    every_system = {(system, name) for name, task in tasks.items() for system in task.config.systems}
    assert published_runs == every_system

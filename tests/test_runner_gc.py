"""The runner excludes long-lived objects from the cyclic garbage collector only while a task runs."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Sequence

from harness.models.base import LoadOptions, Model, ModelInfo
from harness.models.registry import register_adapter
from harness.runner.runner import RunConfig, Runner


@register_adapter("test-freeze-probe")
class FreezeProbe(Model):
    """Copies the input and records the garbage collector's freeze count at each batch."""

    families = ("translation",)

    def __init__(self, *, name: str, options: LoadOptions) -> None:
        self.info = ModelInfo(name=name, adapter="test-freeze-probe")
        self.freeze_counts: list[int] = []

    def predict(self, examples: Sequence, task, generation) -> list[str]:
        self.freeze_counts.append(gc.get_freeze_count())
        return [example.input for example in examples]


def run_probe(tmp_path: Path) -> list[int]:
    config = RunConfig(model="test-freeze-probe", tasks=["wmt22_zh_en"], limit=6, batch_size=2,
                       output_dir=tmp_path, show_progress=False, metric_options={"bootstrap_resamples": 0})
    runner = Runner(config)
    runner.run()
    return runner.model.freeze_counts


def test_objects_frozen_during_task_only(tmp_path: Path) -> None:
    assert gc.get_freeze_count() == 0

    counts = run_probe(tmp_path)

    assert len(counts) == 3
    assert all(count > 0 for count in counts)
    assert gc.get_freeze_count() == 0


def test_callers_freeze_left_alone(tmp_path: Path) -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        counts = run_probe(tmp_path)
        # Frozen objects that reference counting frees leave the count, and
        # a freeze by the runner would add the objects created since.
        assert len(counts) == 3
        assert all(0 < count <= frozen for count in counts)
        assert 0 < gc.get_freeze_count() <= frozen
    finally:
        gc.unfreeze()

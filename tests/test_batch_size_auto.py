"""``--batch-size auto`` halves the batch on out-of-memory errors and keeps every output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import pytest
import torch

from harness.errors import HarnessError
from harness.models.base import LoadOptions, Model, ModelInfo
from harness.models.registry import register_adapter
from harness.runner.batching import is_out_of_memory
from harness.runner.runner import RunConfig, run


@register_adapter("test-memory-bound")
class MemoryBound(Model):
    """Copies the input, and raises torch's out-of-memory error on batches larger than 4."""

    families = ("translation",)

    def __init__(self, *, name: str, options: LoadOptions) -> None:
        self.info = ModelInfo(name=name, adapter="test-memory-bound")
        self.batch_sizes: list[int] = []

    def predict(self, examples: Sequence, task, generation) -> list[str]:
        self.batch_sizes.append(len(examples))
        if len(examples) > 4:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return [example.input for example in examples]


def test_out_of_memory_errors_are_recognised() -> None:
    assert is_out_of_memory(torch.cuda.OutOfMemoryError("CUDA out of memory"))
    assert is_out_of_memory(RuntimeError("CUDA error: out of memory"))
    assert not is_out_of_memory(RuntimeError("shape mismatch"))


def test_auto_batch_size_halves_until_it_fits(tmp_path: Path) -> None:
    results = run(RunConfig(model="test-memory-bound", tasks=["wmt22_zh_en"], limit=20, batch_size="auto",
                            device="cpu", show_progress=False, output_dir=tmp_path,
                            metric_options={"bootstrap_resamples": 0}))
    record = results.tasks["wmt22_zh_en"]
    assert record.batch_size == 4
    samples = [json.loads(line) for line in (tmp_path / "test-memory-bound" / "samples_wmt22_zh_en.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(samples) == 20
    assert [sample["id"] for sample in samples] == [str(index) for index in range(20)]
    assert all(sample["prediction"] == sample["input"] for sample in samples)


def test_fixed_batch_size_reports_out_of_memory(tmp_path: Path) -> None:
    with pytest.raises(HarnessError, match="Out of memory on task wmt22_zh_en at batch size 8.*--batch-size auto"):
        run(RunConfig(model="test-memory-bound", tasks=["wmt22_zh_en"], limit=8, batch_size=8, device="cpu",
                      show_progress=False, output_dir=tmp_path))

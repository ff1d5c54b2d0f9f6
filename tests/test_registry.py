"""Model registry: dispatch on config architectures, unknown names and entry-point plugins."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from harness.errors import ModelError
from harness.models.base import LoadOptions
from harness.models.registry import load_model, resolve_hf_adapter


def test_gpt2_checkpoint_uses_causal_lm(tiny_gpt2: Path) -> None:
    assert resolve_hf_adapter(str(tiny_gpt2), LoadOptions()).name == "causal-lm"


def test_t5_and_marian_use_seq2seq(tiny_t5: Path, tiny_marian: Path) -> None:
    assert resolve_hf_adapter(str(tiny_t5), LoadOptions()).name == "seq2seq"
    assert resolve_hf_adapter(str(tiny_marian), LoadOptions()).name == "seq2seq"


def test_dispatch_ignores_folder_name(tiny_gpt2: Path, tmp_path: Path) -> None:
    misleading = tmp_path / "t5-whisper-bart"
    misleading.symlink_to(tiny_gpt2, target_is_directory=True)
    assert resolve_hf_adapter(str(misleading), LoadOptions()).name == "causal-lm"


def test_unknown_architecture_is_reported(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"architectures": ["NoSuchModelForMagic"]}), encoding="utf-8")
    with pytest.raises(ModelError, match="No adapter runs architectures"):
        resolve_hf_adapter(str(tmp_path), LoadOptions())


def test_unknown_name_suggests_close_matches() -> None:
    with pytest.raises(ModelError, match="Did you mean lead-3"):
        load_model("lead3")


def test_loaded_model_records_weights_hash(tiny_gpt2: Path) -> None:
    model = load_model(f"hf:{tiny_gpt2}")
    assert model.info.adapter == "causal-lm"
    assert model.info.weights_sha256 is not None
    assert len(model.info.weights_sha256) == 64
    assert model.info.dtype == "float32"


def test_random_weights_follow_seed(tiny_gpt2: Path) -> None:
    first = load_model(f"hf:{tiny_gpt2}", LoadOptions(random_weights=True, seed=7))
    second = load_model(f"hf:{tiny_gpt2}", LoadOptions(random_weights=True, seed=7))
    first_weight = next(first.model.parameters())
    assert first_weight.equal(next(second.model.parameters()))
    assert first.info.random_weights


def test_entry_point_plugin_registers_model(tmp_path: Path) -> None:
    package = tmp_path / "harness_echo_plugin"
    package.mkdir()
    (package / "__init__.py").write_text(
        textwrap.dedent(
            """
            from harness.models.base import Model, ModelInfo

            class Echo(Model):
                families = ("translation",)

                def __init__(self, *, name, options, argument=None):
                    self.info = ModelInfo(name=name, adapter="echo")

                def predict(self, examples, task, generation):
                    return [example.input for example in examples]
            """
        ),
        encoding="utf-8",
    )
    dist_info = tmp_path / "harness_echo_plugin-0.1.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: harness-echo-plugin\nVersion: 0.1\n", encoding="utf-8")
    (dist_info / "entry_points.txt").write_text("[harness.models]\necho = harness_echo_plugin:Echo\n", encoding="utf-8")
    script = (
        "from harness.models.registry import adapters; from harness.models.registry import load_model;"
        "print(sorted(adapters())); print(load_model('echo:x').info.adapter)"
    )
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(Path(__file__).resolve().parents[1])])}
    output = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=environment, check=True)
    assert "'echo'" in output.stdout
    assert output.stdout.strip().endswith("echo")

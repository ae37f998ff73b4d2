"""Build configuration that pyproject.toml cannot express: the top-level ``scenarios/`` folder
(shipped scenarios, ``scenarios/lessons/``, ``scenarios/history/`` and the forecast's variants in
``scenarios/forecast/``) is installed as package data under ``sim/scenarios``, so a non-editable
install (``pip install .``) finds the lessons without a source tree; class
mode's pages (``sim/classroom/classmode_web/``) are package data too.
Everything else is in pyproject.toml."""

from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["sim", "sim.*"]) + ["sim.scenarios", "sim.scenarios.lessons",
                                                        "sim.scenarios.history", "sim.scenarios.reference",
                                                        "sim.scenarios.forecast"],
    package_dir={"sim.scenarios": "scenarios"},
    package_data={"sim.classroom": ["classmode_web/*"], "sim.scenarios": ["*.yaml"],
                  "sim.scenarios.lessons": ["*.yaml"], "sim.scenarios.history": ["*.yaml"],
                  "sim.scenarios.forecast": ["*.yaml"],
                  "sim.scenarios.reference": ["*.csv"]},
)

"""`sim --help` and `sim validate` start fast: they import neither Mesa, matplotlib, SciPy, pandas nor numpy.

Checked in a fresh interpreter (this test process has imported them all already) through
``sys.modules`` after the command ran. The CPU-time ratio to ``python -c pass`` is measured by
``benchmarks/bench_cli.py`` (a benchmark, not a test: timing is not a pass/fail criterion here).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("mesa", "matplotlib", "scipy", "pandas", "dask", "SALib", "solara", "numpy")

PROBE = """
import contextlib, io, json, sys
from sim.cli import main
out = io.StringIO()
try:
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "modules": sorted({m.split('.')[0] for m in sys.modules})}))
"""


def imported(*argv: str) -> tuple[int, set[str]]:
    proc = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, check=True,
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    return data["code"], set(data["modules"])


@pytest.mark.parametrize("argv", [
    ("--help",),
    ("validate", "scenarios/baseline.yaml"),
    ("validate", "scenarios/linked.yaml", "scenarios/lessons/01_tit_for_tat.yaml", "--set", "runs=10"),
    ("run", "--help"),
], ids=lambda a: " ".join(a)[:30])
def test_start_up_imports_nothing_heavy(argv):
    code, modules = imported(*argv)
    assert code == 0
    assert modules.isdisjoint(HEAVY), sorted(modules & set(HEAVY))
    assert "sim" in modules and ("yaml" in modules or "--help" in argv)  # the command did run


def test_the_probe_sees_heavy_imports():
    """The same probe on a command that simulates does see Mesa: the check above can fail."""
    code, modules = imported("trace", "scenarios/lessons/01_tit_for_tat.yaml", "--steps", "2", "--no-color")
    assert code == 0 and "mesa" in modules and "numpy" in modules


def test_numpy_arrives_on_first_use():
    """The lazy stand-in (sim/lazy.py) imports numpy on first use and then is numpy itself."""
    code = ("import sys, sim.strategies as s; assert 'numpy' not in sys.modules; "
            "import sim.ranges as r; x = r.UNIT.clip(s.np.asarray([2.0])); "
            "import numpy; assert s.np is numpy and r.np is numpy and x[0] == 1.0; print('ok')")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.stdout.strip() == "ok", proc.stderr

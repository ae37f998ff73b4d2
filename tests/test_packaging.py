"""A non-editable install carries the lessons and the shipped scenarios as package data.

The project is copied to a temporary folder and installed with ``pip install .`` (not editable)
into a fresh virtual environment; the installed ``sim`` is then run from a folder that has no
``scenarios/``, with no PYTHONPATH, so it can only find what the install put in site-packages.

To stay fast and offline the fresh venv is made ``--without-pip`` and the test's own pip installs
into it (``pip --python``) with ``--no-deps --no-build-isolation --no-index``: the dependencies
(and setuptools, the build backend) are not installed again but reached through a ``.pth`` file
that appends the test interpreter's site-packages to the new venv's path. A ``.pth`` line only
adds a folder: the ``.pth`` files inside it (such as an editable install of this project) are not
run, so ``import sim`` in the new venv can only find the copy just installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "scenarios" / "lessons").glob("*.yaml"))
SHIPPED = sorted((ROOT / "scenarios").glob("*.yaml"))


def sh(*cmd, cwd, env=None) -> subprocess.CompletedProcess:
    res = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, f"{' '.join(map(str, cmd))} exited {res.returncode}:\n{res.stdout}\n{res.stderr}"
    return res


def test_non_editable_install_ships_lessons_and_scenarios(tmp_path):
    src = tmp_path / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("sim", "scenarios"):
        shutil.copytree(ROOT / name, src / name, ignore=ignore)
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy2(ROOT / name, src / name)

    venv = tmp_path / "venv"
    sh(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    py = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    site = Path(sh(py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=tmp_path).stdout.strip())
    host = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "host-dependencies.pth").write_text("\n".join(sorted(host)) + "\n")
    sh(sys.executable, "-m", "pip", "--python", py, "install", "-q", "--no-deps", "--no-build-isolation",
       "--no-index", ".", cwd=src)

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SIM_LESSONS")}
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = sh(py, "-c", "import sim; print(sim.__file__)", cwd=elsewhere, env=env).stdout.strip()
    assert Path(where).is_relative_to(site), f"imported {where}, not the installed copy"
    installed = Path(where).parent / "scenarios"
    assert sorted(p.name for p in installed.glob("*.yaml")) == [p.name for p in SHIPPED]
    assert sorted(p.name for p in (installed / "lessons").glob("*.yaml")) == [p.name for p in LESSONS]

    sim = venv / ("Scripts/sim.exe" if os.name == "nt" else "bin/sim")
    listed = sh(sim, "lessons", cwd=elsewhere, env=env).stdout
    for path in LESSONS:
        assert path.stem.split("_", 1)[1] in listed and str(installed / "lessons" / path.name) in listed
    trace = sh(sim, "trace", "tit_for_tat", cwd=elsewhere, env=env).stdout
    assert "Tit-for-tat meets always-defect" in trace and "cooperate" in trace
    sh(sim, "trace", SHIPPED[0].stem, "--steps", "2", cwd=elsewhere, env=env)
    # class mode's pages (the files its server reads at start) are installed
    web = Path(where).parent / "classroom" / "classmode_web"
    assert sorted(p.name for p in web.iterdir()) == sorted(p.name for p in (ROOT / "sim/classroom/classmode_web").iterdir())

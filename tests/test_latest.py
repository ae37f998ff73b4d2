"""``results/<scenario>/latest``: the newest complete folder, updated atomically, accepted by every
command that takes a folder (a symlink, or a pointer file where symlinks are not allowed)."""

from __future__ import annotations

import os

import pytest
from analyst_helpers import write_small

from sim.cli import main
from sim.results import folders


@pytest.fixture
def latest_on(monkeypatch):
    monkeypatch.setenv("SIM_LATEST", "1")


def _run(scenario, out, *extra):
    assert main(["run", str(scenario), "--runs", "20", "--out", str(out), "--quiet", *extra]) == 0


def test_latest_follows_the_newest_folder_and_every_command_accepts_it(tmp_path, latest_on, capsys):
    scenario = write_small(tmp_path)
    out = tmp_path / "res"
    _run(scenario, out)
    latest = out / "small" / "latest"
    first = next(p for p in (out / "small").iterdir() if p.name != "latest")
    assert latest.is_symlink() and os.readlink(latest) == first.name   # relative: the root can move
    _run(scenario, out, "--seed", "5")
    second = next(p for p in (out / "small").iterdir() if p.name not in ("latest", first.name))
    assert latest.resolve() == second.resolve()
    assert not [p for p in (out / "small").iterdir() if p.name.startswith(folders.PARTIAL_PREFIX)]
    # every command that takes a folder
    assert main(["verify", str(latest)]) == 0
    assert main(["replay", str(latest), "--run", "3", "--no-color"]) == 0
    assert main(["compare", str(first), str(latest), "--out", str(out)]) == 0
    assert (out / "compare" / "latest").is_symlink()
    import json

    manifest = json.loads((out / "compare" / "latest" / "manifest.json").read_text())
    assert manifest["compared"][1] == str(second.resolve())       # the real folder, not the alias
    assert main(["brief", str(out / "compare" / "latest"), "--no-slides"]) == 0
    assert main(["export", str(latest), "--format", "csv"]) == 0
    assert (out / "small" / f"{second.name}-csv").is_dir()
    # a sweep's points never become latest; the sweep does
    assert main(["sweep", str(scenario), "--vary", "actors.US.trust=0.2,0.8", "--runs", "10", "--out", str(out),
                 "--quiet", "--workers", "1"]) == 0
    (sweep,) = (out / "small").glob("sweep-*")
    assert latest.resolve() == sweep.resolve() and not (sweep / "latest").exists()
    assert main(["verify", str(sweep)]) == 0


def test_pointer_file_where_symlinks_fail(tmp_path, latest_on, monkeypatch, capsys):
    def no_symlink(*args, **kwargs):
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(folders.os, "symlink", no_symlink)
    scenario = write_small(tmp_path)
    out = tmp_path / "res"
    _run(scenario, out)
    latest = out / "small" / "latest"
    assert latest.is_file() and not latest.is_symlink()
    (folder,) = [p for p in (out / "small").iterdir() if p.name != "latest"]
    assert latest.read_text().strip() == folder.name
    assert folders.resolve_folder(latest) == folder
    assert main(["verify", str(latest)]) == 0
    latest.write_text("../../etc\n")
    capsys.readouterr()
    assert main(["verify", str(latest)]) == 2
    assert "names no results folder" in capsys.readouterr().err


def test_sim_latest_0_turns_it_off(tmp_path, monkeypatch):
    monkeypatch.setenv("SIM_LATEST", "0")
    _run(write_small(tmp_path), tmp_path / "res")
    assert [p.name for p in (tmp_path / "res" / "small").iterdir() if p.name == "latest"] == []

"""Parquet copies next to the CSV tables, and `sim export` (with a sweep's runs in one table)."""

from __future__ import annotations

import pandas as pd
from analyst_helpers import write_small

from sim.cli import main


def _read(path):
    return pd.read_csv(path, keep_default_na=False, na_values=[""])


def test_run_folder_has_parquet_twins(tmp_path):
    scenario = write_small(tmp_path)
    assert main(["run", str(scenario), "--runs", "60", "--out", str(tmp_path / "res"), "--quiet"]) == 0
    (folder,) = (tmp_path / "res" / "small").iterdir()
    for name in ("runs", "bands", "trajectories_sample"):
        csv, parquet = _read(folder / f"{name}.csv"), pd.read_parquet(folder / f"{name}.parquet")
        assert parquet.equals(csv), name
    assert _read(folder / "runs.csv")["break_step"].isna().any()   # "never" survives as a null
    assert main(["verify", str(folder)]) == 0                        # the copies are in the manifest


def test_parquet_can_be_switched_off(tmp_path, monkeypatch):
    monkeypatch.setenv("SIM_PARQUET", "0")
    scenario = write_small(tmp_path)
    assert main(["run", str(scenario), "--runs", "20", "--out", str(tmp_path / "res"), "--quiet"]) == 0
    (folder,) = (tmp_path / "res" / "small").iterdir()
    assert not list(folder.glob("*.parquet"))


def test_export_sweep_with_varied_values(tmp_path, capsys):
    scenario = write_small(tmp_path)
    assert main(["sweep", str(scenario), "--vary", "actors.China.noise=0,0.2", "--runs", "25",
                 "--out", str(tmp_path / "res"), "--quiet", "--workers", "1"]) == 0
    (folder,) = (tmp_path / "res" / "small").iterdir()
    capsys.readouterr()
    assert main(["export", str(folder), "--format", "parquet"]) == 0
    out = folder.with_name(folder.name + "-parquet")
    assert str(out) in capsys.readouterr().out
    runs = pd.read_parquet(out / "sweep_runs.parquet")
    assert len(runs) == 50 and list(runs.columns[:2]) == ["point", "vary.actors.China.noise"]
    for point, noise in (("point-001", 0.0), ("point-002", 0.2)):
        mine = runs[runs["point"] == point].drop(columns=["point", "vary.actors.China.noise"])
        assert (runs.loc[runs["point"] == point, "vary.actors.China.noise"] == noise).all()
        assert mine.reset_index(drop=True).equals(_read(folder / point / "runs.csv"))
    assert pd.read_parquet(out / "sweep.parquet").equals(_read(folder / "sweep.csv"))
    assert main(["export", str(folder), "--format", "csv", "--out", str(tmp_path / "as_csv")]) == 0
    assert _read(tmp_path / "as_csv" / "sweep_runs.csv").equals(runs)
    # exporting again to the same place is refused, in one line
    assert main(["export", str(folder), "--format", "parquet"]) == 2
    assert "already exists" in capsys.readouterr().err


def test_export_needs_a_results_folder_and_pyarrow(tmp_path, capsys, monkeypatch):
    assert main(["export", str(tmp_path)]) == 2
    assert "not a results folder" in capsys.readouterr().err
    (tmp_path / "manifest.json").write_text("{}")
    import sim.results.export as export

    monkeypatch.setattr(export, "have_pyarrow", lambda: False)
    assert main(["export", str(tmp_path)]) == 2
    assert "pip install 'pyarrow>=14'" in capsys.readouterr().err

"""Calibration: pattern statistics, their validation, rejection ABC, posterior draws, the folder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import Recorder, game_scenario
from sim import NegotiationModel
from sim.calibrate.abc import accept, distance, reference_table, within
from sim.calibrate.observer import pattern_statistics
from sim.cli import main
from sim.scenario.load import load_scenario, scenario_from_dict

A_SCRIPT = "DCCDCCCD"
B_SCRIPT = "CDCCCCDC"


def scripted(patterns, runs=1):
    """A one-track game with both actors' moves scripted (forced moves are never flipped by noise)."""
    events = [{"name": f"A {t}", "at": t, "effects": [{"force": m, "actor": "A", "track": "game"}]}
              for t, m in enumerate(A_SCRIPT)]
    events.append({"name": "ping", "at": [1, 3, 5], "effects": [{"target": "actors.A.trust", "add": 0}]})
    return game_scenario("tit_for_tat", "tit_for_tat", horizon=len(A_SCRIPT), script=B_SCRIPT, runs=runs,
                         a_params={"noise": 0.3}, b_params={"noise": 0.3}, events=events, patterns=patterns,
                         outcomes={"channel": {"window": 1, "threshold": 1.0}})


def pat(name, **stat):
    return {"name": name, "observed": 0, "tolerance": 1, **stat}


def stats_of(patterns, runs=1):
    s = scripted(patterns, runs)
    return s, pattern_statistics(NegotiationModel(s, runs=runs), s.patterns)


def test_statistics_of_a_scripted_run_match_hand_computed_values():
    # moves      t: 0 1 2 3 4 5 6 7
    #   A           D C C D C C C D
    #   B           C D C C C C D C
    # level (up 1 per D, down 1 after mutual C): 1 2 1 2 1 0 1 2; running peak 1 2 2 2 2 2 2 2
    # channel open (window 1, threshold 1 = both C): 0 0 1 0 1 1 0 0
    pats = [pat("A rounds", count={"actor": "A", "track": "game"}),
            pat("B rounds", count={"actor": "B", "track": "game"}),
            pat("A restraint", count={"actor": "A", "track": "game", "played": "C"}),
            pat("B answers in 2", response_share={"to": {"actor": "A", "track": "game"},
                                                  "by": {"actor": "B", "track": "game"}, "within": 2}),
            pat("B answers in 3", response_share={"to": {"actor": "A", "track": "game"},
                                                  "by": {"actor": "B", "track": "game"}, "within": 3}),
            pat("A answers in 1", response_share={"to": {"actor": "B", "track": "game"},
                                                  "by": {"actor": "A", "track": "game"}, "within": 1}),
            pat("drop", largest_drop={"track": "game"}),
            pat("level 4", level_at={"track": "game", "step": 4}),
            pat("level 7", level_at={"track": "game", "step": 7}),
            pat("open 2-5", channel_open_share={"from": 2, "to": 5}),
            pat("open all", channel_open_share={"from": 0, "to": 7}),
            pat("pings", fired={"event": "ping"})]
    s, st = stats_of(pats, runs=3)
    expected = {
        "stat.a_rounds": 3, "stat.b_rounds": 2, "stat.a_restraint": 5,
        # a `to` move in the last `within` steps (7 for within 1; 6, 7 for 2; 5, 6, 7 for 3) cannot be
        # answered inside the run: left out, not counted as unanswered
        "stat.b_answers_in_2": 1 / 2,   # A's D at 0 answered at 1; at 3 not by 5; at 7 left out
        "stat.b_answers_in_3": 1,       # A's D at 0 answered at 1, at 3 answered at 6; at 7 left out
        "stat.a_answers_in_1": 1 / 2,   # B's D at 1 not answered at 2; at 6 answered at 7
        "stat.drop": 2,                 # peak 2, level 0 at step 5
        "stat.level_4": 1, "stat.level_7": 2,
        "stat.open_2_5": 3 / 4, "stat.open_all": 3 / 8, "stat.pings": 3,
    }
    assert set(st) == set(expected)
    for col, value in expected.items():
        np.testing.assert_allclose(st[col], [value] * 3, err_msg=col)


def test_response_share_without_any_move_to_answer_is_undefined_and_never_accepted():
    data = scripted([]).data
    data = {**data, "events": [e for e in data["events"] if not e["name"].startswith("A ")]}
    data["actors"]["A"] = {"strategies": {"game": "always_cooperate"}}  # A never plays D
    data["patterns"] = [{"name": "answers", "observed": 0.5, "tolerance": 10,
                         "response_share": {"to": {"actor": "A", "track": "game"},
                                            "by": {"actor": "B", "track": "game"}}}]
    s = scenario_from_dict(data)
    st = pattern_statistics(NegotiationModel(s, runs=4), s.patterns)
    table = {"run": np.arange(4), **st}
    assert np.isnan(st["stat.answers"]).all()
    assert not within(table, s.patterns).any()
    assert np.isinf(distance(table, s.patterns)).all()
    assert len(accept(table, s.patterns, k=3)[0]) == 0


def _brute_force(rec: Recorder, open_steps: list, length: int, run: int) -> dict:
    """The statistics of one run recomputed from its whole recorded trajectory, by their definitions."""
    a = [bool(r[0, run, 0]) for r in rec.realised][:length]
    b = [bool(r[1, run, 0]) for r in rec.realised][:length]
    levels = [int(x[run, 0]) for x in rec.levels][:length]
    rounds = [t for t in range(length) if not a[t]]
    to = [t for t in rounds if t < length - 2]  # within 2: moves in the last 2 steps are left out
    answered = [t for t in to if any(not b[u] for u in range(t + 1, t + 3))]
    peak, drop = 0, 0
    for lv in levels:
        peak = max(peak, lv)
        drop = max(drop, peak - lv)
    window = [open_steps[t][run] for t in range(3, min(10, length - 1) + 1)]
    return {"stat.d": float(len(rounds)), "stat.r": len(answered) / len(to) if to else np.nan,
            "stat.drop": float(drop), "stat.lvl": float(levels[5]) if length > 5 else np.nan,
            "stat.open": float(np.mean(window)) if window else np.nan}


def test_response_share_leaves_out_moves_too_late_to_be_answered():
    """The old rule counted A's D at 7 (the last step) as unanswered: B answers in 1 was 0/1 = 0
    (acceptable with observed 0); now that move is left out, no `to` move remains, and the share is
    undefined, so the run is never accepted. A's D at 6 with within 1 still counts (7 is in the run)."""
    data = scripted([]).data
    data = {**data, "events": [e for e in data["events"] if e["name"] not in ("A 0", "A 3")]}
    data["events"] = [{**e, "effects": [{**e["effects"][0], "force": "C"}]} if e["name"].startswith("A ") else e
                      for e in data["events"]]
    data["events"].append({"name": "A late", "at": 7, "effects": [{"force": "D", "actor": "A", "track": "game"}]})
    data["actors"]["A"] = {"strategies": {"game": "always_cooperate"}}
    resp = {"to": {"actor": "A", "track": "game"}, "by": {"actor": "B", "track": "game"}}
    data["patterns"] = [{"name": "answers", "observed": 0, "tolerance": 0, "response_share": {**resp, "within": 1}},
                        {"name": "A rounds", "observed": 1, "tolerance": 0, "count": {"actor": "A", "track": "game"}}]
    s = scenario_from_dict(data)
    st = pattern_statistics(NegotiationModel(s, runs=2), s.patterns)
    assert (st["stat.a_rounds"] == 1).all()          # A played D only at the last step, 7
    assert np.isnan(st["stat.answers"]).all()        # old rule: 0.0, within tolerance
    table = {"run": np.arange(2), **st}
    assert not within(table, s.patterns).any()


def test_a_statistic_judged_past_the_end_of_a_shortened_run_is_undefined_and_never_accepted():
    """MODEL 13.9: `continuation` ends some runs before the horizon; a `level_at` at a step such a
    run did not reach, or a `channel_open_share` whose `from` it did not reach, is undefined (NaN),
    and the run is not accepted however wide the tolerance."""
    data = {"name": "t", "seed": 5, "runs": 1, "horizon": 20, "continuation": 0.8,
            "actors": {"A": {"strategies": {"game": "tit_for_tat"}}, "B": {"strategies": {"game": "tit_for_tat"}}},
            "tracks": {"game": {"ladder": {"rungs": ["0", "1", "2"]}}},
            "patterns": [{"name": "lvl", "observed": 0, "tolerance": 100, "level_at": {"track": "game", "step": 10}},
                         {"name": "open", "observed": 0.5, "tolerance": 100,
                          "channel_open_share": {"from": 12, "to": 15}}]}
    s = scenario_from_dict(data)
    model = NegotiationModel(s, runs=200)
    st = pattern_statistics(model, s.patterns)
    short = model.length <= 10
    assert short.any() and (~short).any()
    assert np.isnan(st["stat.lvl"][short]).all() and not np.isnan(st["stat.lvl"][~short]).any()
    assert np.isnan(st["stat.open"][model.length <= 12]).all()
    table = {"run": np.arange(200), **st}
    ok = within(table, s.patterns)
    assert not ok[short].any() and ok[model.length > 12].all()


def test_vectorised_statistics_equal_a_brute_force_recomputation_per_run():
    data = {"name": "t", "seed": 3, "runs": 1, "horizon": 16, "continuation": 0.95,
            "actors": {"A": {"noise": 0.2, "strategies": {"game": {"name": "random", "p": {"uniform": [0.3, 0.9]}}}},
                       "B": {"noise": 0.1, "strategies": {"game": "tit_for_tat"}}},
            "tracks": {"game": {"ladder": {"rungs": ["0", "1", "2", "3"]}}},
            "patterns": [pat("d", count={"actor": "A", "track": "game"}),
                         pat("r", response_share={"to": {"actor": "A", "track": "game"},
                                                  "by": {"actor": "B", "track": "game"}, "within": 2}),
                         pat("drop", largest_drop={"track": "game"}),
                         pat("lvl", level_at={"track": "game", "step": 5}),
                         pat("open", channel_open_share={"from": 3, "to": 10})]}
    s = scenario_from_dict(data)
    model = NegotiationModel(s, runs=300)
    from sim.calibrate.observer import PatternObserver

    rec, obs, opened = Recorder(), PatternObserver(model, s.patterns), []

    def both(m):
        rec(m)
        obs(m)
        opened.append(m.outcome.open.copy())

    model.run(observer=both)
    got = obs.values(model)
    assert (model.length < 16).any() and (model.length > 10).any()
    for run in range(300):
        want = _brute_force(rec, opened, int(model.length[run]), run)
        for col, value in want.items():
            np.testing.assert_equal(got[col][run], value, err_msg=f"{col} run {run}")


# --- validation -------------------------------------------------------------------------------

BAD = [
    # (old text, new text, needle on the reported line, key path, words of the message)
    ("count: {actor: US, track: export_controls}", "count: {actor: USA, track: export_controls}", "actor: USA",
     "patterns.0.count.actor", "unknown actor 'USA'"),
    ("count: {actor: US, track: export_controls}", "count: {actor: US, track: chips}", "track: chips",
     "patterns.0.count.track", "unknown track 'chips'"),
    ("fired: {event: New chip export rule}", "fired: {event: New chip rule}", "New chip rule",
     "patterns.1.fired.event", "unknown event 'New chip rule' (did you mean 'New chip export rule'?)"),
    ("level_at: {track: rare_earths, step: 5}", "level_at: {track: rare_earths, step: 99}", "step: 99",
     "patterns.2.level_at.step", "step 99 is past the horizon"),
    ("level_at: {track: rare_earths, step: 5}", "level_at: {track: rare_earths, stepp: 5}", "stepp",
     "patterns.2.level_at.stepp", "unknown key 'stepp' (did you mean 'step'?)"),
    ("    observed: 6\n", "    observed: 6\n    largest_drop: {track: rare_earths}\n", "- name: US rounds",
     "patterns.0", "exactly one statistic"),
]

PATTERNS = """
patterns:
  - name: US rounds
    count: {actor: US, track: export_controls}
    observed: 6
    tolerance: 2
  - name: chip rules
    fired: {event: New chip export rule}
    observed: 1
    tolerance: 1
  - name: minerals level
    level_at: {track: rare_earths, step: 5}
    observed: 1
    tolerance: 1
"""


BASE = """\
name: small
seed: 4
horizon: 24
actors:
  US:
    noise: {uniform: [0.0, 0.1]}
    trust: {uniform: [0.2, 0.8]}
    discount: {uniform: [0.3, 0.95]}
    strategies:
      frontier_safety: {name: forward_looking, rationality: 3}
      export_controls: {name: forward_looking, rationality: {uniform: [0.2, 3]}}
      rare_earths: always_cooperate
  China:
    noise: {uniform: [0.0, 0.1]}
    trust: {uniform: [0.2, 0.8]}
    discount: {uniform: [0.3, 0.95]}
    strategies:
      frontier_safety: generous_tit_for_tat
      export_controls: always_cooperate
      rare_earths: {name: tit_for_tat, linkage: {export_controls: {uniform: [0, 1]}}}
tracks:
  frontier_safety: {role: channel}
  export_controls: {ladder: {rungs: [a, b, c, d, e, f, g, h]}}
  rare_earths: {ladder: {rungs: [a, b, c, d, e, f, g, h]}}
events:
  - name: New chip export rule
    probability: 0.05
    effects:
      - {target: tracks.export_controls.level, add: 1}
"""


def base_text() -> str:
    return BASE + PATTERNS


@pytest.mark.parametrize("old,new,needle,key,words", BAD)
def test_a_bad_pattern_is_one_line_naming_file_line_and_key(tmp_path, capsys, old, new, needle, key, words):
    text = base_text()
    assert old in text
    bad = text.replace(old, new, 1)
    path = tmp_path / "bad.yaml"
    path.write_text(bad)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    line = next(i for i, ln in enumerate(bad.splitlines(), 1) if needle in ln)
    assert err.startswith(f"error: {path}:{line}: {key}: "), err
    assert words in err, err


def test_the_patterns_of_a_good_scenario_validate(tmp_path, capsys):
    path = tmp_path / "good.yaml"
    path.write_text(base_text())
    assert main(["validate", str(path)]) == 0
    assert [p.kind for p in load_scenario(path).patterns] == ["count", "fired", "level_at"]


# --- parameters: {from: posterior.csv} --------------------------------------------------------

def posterior_scenario(tmp_path: Path, columns: dict, extra: str = "") -> Path:
    (tmp_path / "sub").mkdir(exist_ok=True)
    header = ",".join(["run", *columns, "stat.x"])
    rows = [",".join([str(i), *(repr(v[i]) for v in columns.values()), "1"]) for i in range(len(next(iter(columns.values()))))]
    (tmp_path / "sub" / "post.csv").write_text(header + "\n" + "\n".join(rows) + "\n")
    text = base_text() + "parameters: {from: post.csv}\n" + extra
    path = tmp_path / "sub" / "cal.yaml"
    path.write_text(text)
    return path


def test_each_run_takes_one_whole_posterior_row_chosen_by_its_own_stream(tmp_path, monkeypatch):
    noise = [0.01, 0.02, 0.03, 0.04, 0.05]
    trust = [0.9, 0.7, 0.5, 0.3, 0.1]          # perfectly anti-correlated with noise
    path = posterior_scenario(tmp_path, {"param.actors.US.noise": noise, "param.actors.China.trust": trust})
    monkeypatch.chdir(tmp_path)                 # the table is found next to the scenario, not the cwd
    s = load_scenario(path)
    m = NegotiationModel(s, runs=400)
    pairs = set(zip(m.values["actors.US.noise"].tolist(), m.values["actors.China.trust"].tolist()))
    assert pairs == set(zip(noise, trust))     # every run took a whole row; every row was taken
    alone = NegotiationModel(s, runs=[7, 399])
    for path_ in ("actors.US.noise", "actors.China.trust"):
        assert alone.values[path_].tolist() == [m.values[path_][7], m.values[path_][399]]
    # the other parameters still come from their own streams, untouched by the posterior's
    plain = NegotiationModel(scenario_from_dict({k: v for k, v in s.data.items() if k != "parameters"}), runs=400)
    np.testing.assert_array_equal(plain.values["actors.US.trust"], m.values["actors.US.trust"])
    assert not np.array_equal(plain.values["actors.US.noise"], m.values["actors.US.noise"])


def test_a_posterior_column_naming_no_parameter_is_a_file_line_error(tmp_path, capsys):
    path = posterior_scenario(tmp_path, {"param.actors.US.nois": [0.01, 0.02]})
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    line = next(i for i, ln in enumerate(path.read_text().splitlines(), 1) if ln.startswith("parameters:"))
    assert err.startswith(f"error: {path}:{line}: parameters.from: column 'param.actors.US.nois'"), err
    assert "did you mean 'actors.US.noise'" in err


def test_a_missing_or_out_of_range_posterior_is_a_file_line_error(tmp_path, capsys):
    path = posterior_scenario(tmp_path, {"param.actors.US.noise": [0.01, 1.5]})
    assert main(["validate", str(path)]) == 2
    assert "1.5 is not a number in [0, 1]" in capsys.readouterr().err
    path.write_text(path.read_text().replace("post.csv", "nothere.csv"))
    assert main(["validate", str(path)]) == 2
    assert "parameters.from: no such posterior table" in capsys.readouterr().err


# --- rejection ABC ----------------------------------------------------------------------------

def test_accept_within_tolerance_or_the_k_nearest():
    from sim.scenario.patterns import PatternDef

    pats = (PatternDef("x", "count", 5.0, 1.0, ()), PatternDef("y", "count", 0.5, 0.2, ()))
    table = {"run": np.arange(6), "stat.x": np.array([5, 6, 3, 5, 9, 4.0]),
             "stat.y": np.array([0.5, 0.7, 0.5, 0.9, 0.5, np.nan])}
    np.testing.assert_array_equal(within(table, pats), [True, True, False, False, False, False])
    np.testing.assert_allclose(distance(table, pats), [0, 1 + 1, 2, 2, 4, np.inf])
    assert accept(table, pats, k=2)[0].tolist() == [0, 1]
    rows, how = accept(table, pats, k=4)
    assert how == "nearest" and rows.tolist() == [0, 1, 2, 3]    # ties (distance 2) by run index
    assert accept(table, pats, k=10)[0].tolist() == [0, 1, 2, 3, 4]  # never the undefined run


def small_calibration(tmp_path: Path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(base_text())
    return path


def test_calibrate_folder_is_complete_and_identical_for_the_same_seed_and_any_executor(tmp_path, capsys):
    path = small_calibration(tmp_path)
    args = [str(path), "--draws", "3000", "--accept", "50", "--predictive", "300", "--seed", "5", "--quiet",
            "--adjust", "--check-conflict", "30"]
    assert main(["calibrate", *args, "--out", str(tmp_path / "a"), "--workers", "1", "--figures"]) == 0
    out = capsys.readouterr().out
    assert "acceptance rate" in out and "90% interval" in out and "posterior predictive" in out
    assert main(["calibrate", *args, "--out", str(tmp_path / "b"), "--workers", "1"]) == 0
    assert main(["calibrate", *args, "--out", str(tmp_path / "c"), "--workers", "2", "--chunk-size", "700"]) == 0
    assert main(["calibrate", *args, "--out", str(tmp_path / "d"), "--dask-local", "2", "--chunk-size", "1100"]) == 0
    folders = [next((tmp_path / x / "small").iterdir()) for x in "abcd"]
    files = {p.name for p in folders[0].iterdir()}
    assert {"posterior.csv", "predictive.csv", "summary.json", "report.html", "manifest.json",
            "calibrated.yaml", "scenario.yaml", "figures"} <= files
    post = [(f / "posterior.csv").read_bytes() for f in folders]
    assert post[0] == post[1] == post[2] == post[3]
    for f in folders[2:]:
        assert (folders[0] / "predictive.csv").read_bytes() == (f / "predictive.csv").read_bytes()
    summaries = [json.loads((f / "summary.json").read_text()) for f in folders]
    assert all(sm["conflict"] == summaries[0]["conflict"] for sm in summaries)   # the conflict check too
    assert "adjusted.actors.US.noise" in post[0].decode().splitlines()[0]       # and the adjusted parameters
    summary = json.loads((folders[0] / "summary.json").read_text())
    assert summary["accepted"] >= 50 and summary["draws"] == 3000
    n_params = len(summary["parameters"])
    figs = sorted(p.name for p in (folders[0] / "figures").iterdir())
    assert len(figs) == n_params + 3
    assert not (folders[1] / "figures").exists()    # drawn only when asked (--figures, or sim figures)
    assert (folders[0] / "histograms.json").read_bytes() == (folders[3] / "histograms.json").read_bytes()
    # the calibrated scenario loads, and its runs take rows of the posterior
    cal = load_scenario(folders[0] / "calibrated.yaml")
    table = np.genfromtxt(folders[0] / "posterior.csv", delimiter=",", names=True)
    m = NegotiationModel(cal, runs=50)
    rows = set(zip(table["paramactorsUSnoise"].tolist(), table["paramactorsUStrust"].tolist()))
    assert set(zip(m.values["actors.US.noise"].tolist(), m.values["actors.US.trust"].tolist())) <= rows


def test_calibration_figures_drawn_later_are_those_drawn_with_it(tmp_path, capsys):
    """Without --figures a calibration draws none: its report says so in one line, the run prints
    the command, and `sim figures` draws them once from histograms.json (the PNGs --figures draws,
    byte for byte), embeds them in report.html and keeps the folder verified; a second call draws
    nothing, and a folder changed since it was written is refused."""
    import shutil

    from sim.calibrate.folder import FIGURES_NOT_DRAWN

    path = small_calibration(tmp_path)
    args = [str(path), "--draws", "800", "--accept", "30", "--predictive", "40", "--seed", "3", "--quiet",
            "--workers", "1"]
    assert main(["calibrate", *args, "--out", str(tmp_path / "now"), "--figures"]) == 0
    assert main(["calibrate", *args, "--out", str(tmp_path / "later")]) == 0
    out = capsys.readouterr().out
    now, later = (next((tmp_path / x / "small").iterdir()) for x in ("now", "later"))
    assert f"sim figures {later}" in out
    assert not (later / "figures").exists()
    report = (later / "report.html").read_text()
    assert FIGURES_NOT_DRAWN in report and "<img" not in report
    spare = tmp_path / "spare"
    shutil.copytree(later, spare)
    assert main(["figures", str(later)]) == 0
    drawn = sorted(p.name for p in (later / "figures").iterdir())
    assert drawn == sorted(p.name for p in (now / "figures").iterdir()) and drawn
    for name in drawn:
        assert (later / "figures" / name).read_bytes() == (now / "figures" / name).read_bytes(), name
    report = (later / "report.html").read_text()
    assert FIGURES_NOT_DRAWN not in report and report.count("<img") == len(drawn)
    def figures_section(html: str) -> str:
        return html.split("<h2>Figures</h2>")[1].split("<h2>")[0]

    assert figures_section(report) == figures_section((now / "report.html").read_text())
    assert main(["verify", str(later)]) == 0
    capsys.readouterr()
    assert main(["figures", str(later)]) == 0
    assert "already drawn" in capsys.readouterr().out
    (spare / "summary.json").write_text("{}")
    assert main(["figures", str(spare)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "changed since it was written (summary.json" in err
    assert not (spare / "figures").exists()


def test_an_interrupted_calibration_leaves_no_complete_looking_folder(tmp_path, monkeypatch, capsys):
    import sim.calibrate.folder as folder

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(folder, "write_report", boom)
    path = small_calibration(tmp_path)
    assert main(["calibrate", str(path), "--draws", "500", "--accept", "100", "--workers", "1", "--quiet",
                 "--out", str(tmp_path / "r")]) == 130
    assert list((tmp_path / "r" / "small").iterdir()) == []


def test_calibrate_without_patterns_is_a_one_line_error(tmp_path, capsys):
    path = tmp_path / "plain.yaml"
    path.write_text(BASE)
    assert main(["calibrate", str(path), "--draws", "10", "--out", str(tmp_path)]) == 2
    assert "no `patterns:`" in capsys.readouterr().err


@pytest.mark.parametrize("k", [1, 440, 441, 1000, 5000])  # 440 of the 3000 runs are within tolerance
def test_streaming_acceptance_equals_acceptance_on_the_whole_table_in_bounded_memory(k):
    from sim.calibrate.abc import Acceptor, reference_chunks

    s = load_scenario_text(BASE + PATTERNS)
    whole = reference_table(s, 3000, seed=9)
    rows, how = accept(whole, s.patterns, k)
    for size in (250, 1000, 3000):
        acc = Acceptor(s.patterns, k, sample=700)
        for part in reference_chunks(s, 3000, 9, chunk_size=size):
            acc.add(part)
            assert acc.nearest is None or len(acc.nearest["run"]) <= k
        got, mode = acc.result()
        assert mode == how
        for col in whole:
            np.testing.assert_array_equal(got[col], whole[col][rows], err_msg=f"{col} chunk {size}")
        prior = acc.prior_sample()
        assert len(prior["run"]) == 700
        np.testing.assert_array_equal(prior["run"], np.arange(700))
        assert acc.n_inside == int(within(whole, s.patterns).sum())


def load_scenario_text(text: str):
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "s.yaml"
        path.write_text(text)
        return load_scenario(path)


def test_pattern_steps_may_be_dates_counted_from_the_start(tmp_path, capsys):
    dated = BASE + "start: 2023-01-01\n" + """
patterns:
  - name: open
    channel_open_share: {from: 2023-03-15, to: 2023-12-31}
    observed: 1
    tolerance: 0.5
  - name: level
    level_at: {track: rare_earths, step: 2024-01-01}
    observed: 1
    tolerance: 1
"""
    s = load_scenario_text(dated)
    assert [p.args for p in s.patterns] == [(2, 11), (2, 12)]
    bad = tmp_path / "bad.yaml"
    bad.write_text(dated.replace("to: 2023-12-31", "to: 2023-02-01"))
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "patterns.0.channel_open_share.to: `to` (step 1) is before `from` (step 2)" in err
    bad.write_text(dated.replace("step: 2024-01-01", "step: 2026-01-01"))
    assert main(["validate", str(bad)]) == 2
    assert "patterns.1.level_at.step: 2026-01-01 is step 36, past the horizon" in capsys.readouterr().err


def test_the_calibration_report_says_when_shortened_runs_are_not_accepted(tmp_path):
    """MODEL 13.9: with `continuation`, the report says that a statistic judged past the end of a
    run is undefined and the run not accepted; without it, the report does not mention it."""
    from sim.calibrate.folder import run_calibration, write_report

    base = {"name": "t", "seed": 5, "runs": 1, "horizon": 12,
            "actors": {"A": {"strategies": {"game": {"name": "random", "p": {"uniform": [0.2, 0.8]}}}},
                       "B": {"strategies": {"game": "tit_for_tat"}}},
            "tracks": {"game": {}},
            "patterns": [{"name": "lvl", "observed": 0, "tolerance": 5, "count": {"actor": "A", "track": "game"}}]}
    for cont, said in ((0.9, True), (None, False)):
        s = scenario_from_dict({**base, **({"continuation": cont} if cont else {})})
        result = run_calibration(s, draws=50, k=5, seed=1, predictive=10)
        (tmp_path / "figures").mkdir(exist_ok=True)
        write_report(tmp_path, s, result["summary"], {"command": ["sim", "calibrate"]})
        html = (tmp_path / "report.html").read_text()
        assert ("judged past the end" in html and "is not accepted" in html) == said


def test_predictive_intervals_of_whole_valued_statistics_are_whole_values():
    """A count's 90% predictive interval is reported as values the count takes, rounded outward
    (the old interpolated quantiles gave [0, 1.05] here); a share keeps interpolated quantiles."""
    from sim.calibrate.abc import quantiles
    from sim.calibrate.folder import summarise, text_summary

    x = np.array([0.0] * 18 + [1.0, 2.0])            # 20 values: linear q95 at index 18.05 -> 1.05
    assert quantiles(x)[2] == pytest.approx(1.05)
    assert quantiles(x, integer=True) == [0.0, 0.0, 2.0]
    s, _ = stats_of([pat("A rounds", count={"actor": "A", "track": "game"}),
                     pat("answers", response_share={"to": {"actor": "A", "track": "game"},
                                                    "by": {"actor": "B", "track": "game"}})])
    share = np.linspace(0, 1, 20)
    pred = {"run": np.arange(20), "stat.a_rounds": x, "stat.answers": share}
    post = {"run": np.arange(3), "param.x": np.array([0.1, 0.2, 0.3]), "stat.a_rounds": np.zeros(3),
            "stat.answers": np.zeros(3)}
    sm = summarise(s, post, post, pred, "tolerance", 3, 1, 3)
    count, answers = sm["patterns"]
    assert (count["predictive_q05"], count["predictive_q95"]) == (0.0, 2.0)
    assert answers["predictive_q95"] == pytest.approx(np.quantile(share, 0.95))   # a share: interpolated
    sm.update({"acceptance_rate": 1.0, "simulation_seconds": 0.0,
               "parameters": {"p": {"median": 0.2, "q05": 0.1, "q95": 0.3, "prior_q05": 0.0, "prior_q95": 1.0,
                                    "width_ratio": 0.2}}})
    assert "A rounds  observed 0, 90% predictive [0, 2]" in text_summary(sm)


def test_abc_model_choice_reports_each_rule_and_favours_the_one_that_fits(tmp_path, capsys):
    """Section 13.4: a rule drawn per run is calibrated like any parameter, and the calibration reports
    each rule's posterior share against its prior share. The record here (the actor cooperates in every
    one of 12 steps, tolerance 0) can only come from always_cooperate, never from always_defect."""
    from sim.calibrate.folder import rule_frequencies

    data = {
        "name": "rule_choice", "horizon": 12, "seed": 3,
        "actors": {"A": {"strategies": {"game": {"choice": ["always_cooperate", "always_defect", "random"],
                                                 "weights": [1, 1, 2]}}},
                   "B": {"strategies": {"game": "tit_for_tat"}}},
        "tracks": {"game": {}},
        "patterns": [{"name": "A cooperates every month", "count": {"played": "C", "actor": "A", "track": "game"},
                      "observed": 12, "tolerance": 0}],
    }
    path = tmp_path / "rule_choice.yaml"
    import yaml
    path.write_text(yaml.safe_dump(data))
    assert main(["calibrate", str(path), "--draws", "4000", "--accept", "50", "--predictive", "0",
                 "--out", str(tmp_path / "out"), "--quiet"]) == 0
    (folder,) = (tmp_path / "out" / "rule_choice").iterdir()
    summary = json.loads((folder / "summary.json").read_text())
    rules = summary["rules"]["actors.A.strategies.game.rule"]
    # prior shares follow the weights (4.5 binomial standard errors over the prior sample)
    n_prior = summary["prior_sample"]
    for label, w in (("always_cooperate", 0.25), ("always_defect", 0.25), ("random", 0.5)):
        assert abs(rules[label]["prior"] - w) < 4.5 * (w * (1 - w) / n_prior) ** 0.5
    # only always_cooperate (or random playing C twelve times: 0.5**12 of its runs) fits the record
    assert rules["always_defect"]["accepted"] == 0 and rules["always_defect"]["bayes_factor"] == 0
    assert rules["always_cooperate"]["posterior"] > 0.9 and rules["always_cooperate"]["bayes_factor"] > 10
    assert "actors.A.strategies.game.rule" not in summary["parameters"]   # a rule is not a number
    assert "ABC model choice" in (folder / "report.html").read_text()
    # the Bayes factor is the ratio of posterior to prior odds
    r = rule_frequencies(("x", "y"), np.array([0, 0, 1, 1]), np.array([0, 0, 0, 1]))
    assert r["x"]["bayes_factor"] == pytest.approx((0.75 / 0.25) / (0.5 / 0.5))

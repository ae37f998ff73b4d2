"""``sim forecast``: the forecast as the continuation of the calibrated record (docs/forecast.md).

The scenario key ``forecast: {from, horizon}`` and its one-line errors come first; the engine's
whole-state branching and the command follow.
"""

from __future__ import annotations

import pytest

from sim import scenario_from_dict
from sim.cli import main
from test_scenario_errors import write
from test_scenario_errors_v2 import check_case

KEY_BASE = """name: fc
start: 2024-01-01
forecast: {from: 2024-07-01, horizon: 12}
actors:
  US: {strategies: {ai: tit_for_tat}}
  China: {strategies: {ai: tit_for_tat}}
tracks:
  ai: {role: channel}
events:
  - name: Summit
    date: 2024-09-01
    effects: [{thaw: ai}]
"""

KEY_CASES = [
    # (description, old text, new text, needle for the line, expected key path, expected words)
    ("horizon disagrees with the seam", "start: 2024-01-01", "horizon: 5\nstart: 2024-01-01", "horizon: 5",
     "horizon", "5 does not agree with forecast.from: 2024-07-01 is step 6 from start (2024-01-01)"),
    ("from before start", "from: 2024-07-01", "from: 2023-07-01", "from: 2023", "forecast.from",
     "2023-07-01 is not after the scenario's start (2024-01-01)"),
    ("from less than a step after start", "from: 2024-07-01", "from: 2024-01-20", "from: 2024-01-20",
     "forecast.from", "less than one month after the scenario's start"),
    ("from not a date", "from: 2024-07-01", "from: July 2024", "from: July", "forecast.from",
     "expected a date YYYY-MM-DD, got 'July 2024'"),
    ("from an impossible date", "from: 2024-07-01", "from: '2024-02-30'", "2024-02-30", "forecast.from",
     "expected a date YYYY-MM-DD"),
    ("horizon zero", "horizon: 12}", "horizon: 0}", "horizon: 0", "forecast.horizon", "0 is out of range"),
    ("horizon fractional", "horizon: 12}", "horizon: 1.5}", "horizon: 1.5", "forecast.horizon",
     "expected a whole number"),
    ("horizon missing", "{from: 2024-07-01, horizon: 12}", "{from: 2024-07-01}", "forecast:", "forecast",
     "missing required key 'horizon'"),
    ("unknown key", "horizon: 12}", "horizon: 12, horizn: 3}", "horizn", "forecast.horizn",
     "unknown key 'horizn' (did you mean 'horizon'?)"),
    ("no start", "start: 2024-01-01\n", "", "forecast:", "forecast.from", "needs the scenario's `start:` date"),
    ("with continuation", "start: 2024-01-01", "continuation: 0.9\nstart: 2024-01-01", "continuation",
     "continuation", "continuation does not go with forecast:"),
    ("event past the forecast's end", "date: 2024-09-01", "date: 2025-07-01", "date: 2025-07-01", "events.0.date",
     "2025-07-01 is step 18, past the forecast's end (6 + 12 steps)"),
]


def test_forecast_key_is_valid(tmp_path):
    assert main(["validate", str(write(tmp_path, KEY_BASE))]) == 0


@pytest.mark.parametrize("case", KEY_CASES, ids=[c[0] for c in KEY_CASES])
def test_forecast_key_error_names_file_line_key(case, tmp_path, capsys):
    check_case(KEY_BASE, case, tmp_path, capsys)


def _key_scenario(**changes):
    import yaml

    data = yaml.safe_load(KEY_BASE)
    data.update(changes)
    return scenario_from_dict(data)


def test_seam_fixes_the_horizon_and_events_after_it_are_the_forecasts():
    """The horizon is the number of months from start to the seam (Jan -> Jul: 6); an event dated
    in September is step 8, after the seam (the record's runs never reach it)."""
    s = _key_scenario()
    assert s.horizon == 6 and s.forecast.seam == 6 and s.forecast.horizon == 12 and s.forecast.total == 18
    assert s.events[0].at == frozenset({8})
    assert _key_scenario(horizon=6).horizon == 6           # given, it must agree
    weekly = _key_scenario(step="week")
    assert weekly.horizon == (182 // 7)                    # 2024-01-01 .. 2024-07-01 is 182 days


def test_a_pattern_after_the_seam_is_refused(tmp_path, capsys):
    """Patterns are judged on the record: a date after the seam is an error naming the seam."""
    text = KEY_BASE + """patterns:
  - name: open in autumn
    channel_open_share: {from: 2024-08-01, to: 2024-10-01}
    observed: 1
    tolerance: 0
"""
    path = write(tmp_path, text)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "patterns.0.channel_open_share.from" in err
    assert "past the seam" in err


# -- the engine: whole-state branching at the seam ---------------------------------------------------

import numpy as np  # noqa: E402

from sim.ensemble.runner import run_table, twins_for  # noqa: E402
from sim.model.branch import (FRESH, Branching, branch_draws, branch_model, carried, full_scenario,  # noqa: E402
                              lane_axes, replay_record, state_arrays)
from sim.model.model import NegotiationModel  # noqa: E402

#: every kind of state the engine has: choices of rules, level linkage, delayed conditional events,
#: freezes and thaws, a nonstate population, payoffs moved by events, twins that force, skip and set
RICH = """name: rich
seed: 4
start: 2024-01-01
forecast: {from: 2025-01-01, horizon: 10}
actors:
  US:
    noise: {uniform: [0, 0.1]}
    hawk_sensitivity: 0.05
    hawk_decay: 0.1
    risk_decay: 0.05
    strategies:
      ai: {name: tit_for_tat, level_linkage: {uniform: [0, 0.5]}}
      chips: {name: random, p: {uniform: [0.2, 0.8]}}
  China:
    noise: 0.05
    strategies:
      ai:
        choice:
          - {name: forward_looking, rationality: 2}
          - {name: generous_tit_for_tat, generosity: 0.2}
      chips: {name: tit_for_tat, linkage: 0.3}
tracks:
  ai: {role: channel, thaw_rate: 0.2, audience_weight: 0.5}
  chips:
    ladder: {rungs: [a, b, c, d], down_after: 2, ratchet: 1}
    level_cost: 0.1
events:
  - name: Arms sale
    tags: [sovereignty]
    probability: 0.3
    effects:
      - {target: actors.China.hawkishness, add: 0.1}
      - {target: tracks.chips.T, multiply: 1.1}
  - name: Protest
    when: {fired_tag: sovereignty}
    probability: 0.5
    delay: {choice: [0, 1, 2]}
    effects:
      - {freeze: ai, actor: China}
  - name: Summit
    tags: [leaders_meeting]
    probability: 0.1
    effects:
      - {thaw: ai}
      - {target: actors.*.trust, add: 0.1}
  - name: Noise falls
    date: 2025-03-01
    effects: [{target: actors.US.noise, multiply: 0.5}]
nonstate:
  groups: 5
  capability: {beta: [2, 5]}
  intent: 0.05
  diffusion: 0.05
  control_tracks: [chips]
twins:
  unlinked:
    set: {actors.*.strategies.ai.level_linkage: 0}
  no_summits:
    skip_tags: [leaders_meeting]
"""


def _rich():
    import yaml

    return scenario_from_dict(yaml.safe_load(RICH), name="rich.yaml")


def _lane(a: np.ndarray, axis: int, i: int) -> np.ndarray:
    return np.take(a, [i], axis=axis)


#: what may differ between a branch and the same run simulated straight through the seam: the
#: measurements, which start at the seam in a branch (this test's own list, not FRESH: an array
#: wrongly left out of what a branch carries still has to match here)
MEASURED = {("outcome",), ("events", "counts"), ("events", "first"), ("tracks", "*", "freezes"),
            ("tracks", "*", "first_freeze"), ("tracks", "*", "frozen_steps"), ("tracks", "*", "thaws_at_meeting"),
            ("tracks", "*", "was_frozen"), ("actors", "*", "payoff"), ("population", "incidents"),
            ("population", "first_incident"), ("population", "last_incidents"), ("population", "hit_at")}


def _measured(path: tuple) -> bool:
    return any(len(path) >= len(k) and all(a in ("*", b) for a, b in zip(k, path)) for k in MEASURED)


def test_a_branch_is_the_run_continued_straight_through_the_seam():
    """The oracle for whole-state branching: a branch built by copying the replayed record's rows
    must stand and step exactly like one model that simulates the same run straight through the
    seam on the same random numbers. Every array of the state but the measurements is compared at
    the seam and after every step, so a state array not carried makes the two part ways."""
    s = _rich()
    full = full_scenario(s)
    seed = 4
    runs = np.repeat(np.arange(0, 80, 2), 2)                  # 40 accepted runs, 2 branches each
    branches = np.tile([0, 3], 40)
    m = branch_model(s, seed, Branching(runs, branches))
    axes = lane_axes(full, seed, (), every=True)
    assert {("actors", 0, "belief"), ("tracks", 0, "freeze"), ("events", "queue", 1), ("population", "remaining"),
            ("actors", 1, "rule_index", 0), ("tracks", 1, "payoffs", 0, "T"), ("tracks", 1, "calm")} <= set(axes)
    compared = [p for p in axes if not _measured(p)]
    assert len(compared) > 60
    # the same lanes, each simulated straight through the seam on the same numbers (one model: lanes
    # are independent)
    straight = NegotiationModel(full, runs=runs, seed=seed, collect=False, draws=branch_draws(full, seed, runs, branches))
    for _ in range(s.forecast.seam):
        straight.step()
    for step in range(s.forecast.horizon + 1):
        a = {p: x for p, (x, _) in state_arrays(straight).items()}
        b = {p: x for p, (x, _) in state_arrays(m).items()}
        for path in compared:
            if path not in a or path not in b:  # the nonstate numbers, given as `nonstate_u` (same arrays)
                assert path[:2] == ("population", "u"), path
                continue
            assert np.array_equal(b[path], a[path]), (step, path)
        if step < s.forecast.horizon:
            straight.step()
            m.step()


def test_the_record_replayed_is_the_record():
    """The state a branch starts from is its run's state at the end of a record ensemble."""
    s = _rich()
    together = NegotiationModel(s, runs=np.arange(10), seed=4, collect=False).run()
    alone = replay_record(s, 4, np.array([7]))
    for path, (axis, _) in lane_axes(full_scenario(s), 4, ()).items():
        assert np.array_equal(_lane(carried(together)[path], axis, 7), carried(alone)[path]), path


def test_branches_of_an_accepted_run_share_its_state_and_parameters_and_then_differ():
    s = _rich()
    seed, M = 4, 6
    runs = np.repeat([2, 9], M)
    m = branch_model(s, seed, Branching(runs, np.tile(np.arange(M), 2)))
    record = replay_record(s, seed, np.array([2, 9]))
    axes = lane_axes(full_scenario(s), seed, ())
    for path, (axis, _) in axes.items():
        a = carried(m)[path]
        for lane, src in enumerate([0] * M + [1] * M):
            assert np.array_equal(_lane(a, axis, lane), _lane(carried(record)[path], axis, src)), path
    for path, v in m.values.items():  # the sampled parameters: one value per accepted run
        assert np.all(v[:M] == v[0]) and np.all(v[M:] == v[M]), path
    m.run()
    table = run_table(m)
    first = [table[c][:M] for c in ("coop_rate.chips", "final_level.chips", "trust.US", "open_share")]
    assert any(len(set(np.round(x, 12))) > 1 for x in first), "the branches did not part after the seam"
    assert m.block[s.forecast.seam:, :, 0].tolist() != m.block[s.forecast.seam:, :, 1].tolist()


def test_twins_start_at_the_seam_from_the_branch_state():
    """A twin lane stands where its branch stands at the seam (its intervention starts there), but
    for the parameter its `set:` changes; the pacified rivalry is held at its level at the seam."""
    s = _rich()
    full = full_scenario(s)
    seed = 4
    twins = twins_for(full, None)
    runs, branches = np.array([1, 1, 5]), np.array([0, 1, 0])
    m = branch_model(s, seed, Branching(runs, branches), twins)
    n = len(runs)
    names = [t.name for t in twins]
    axes = lane_axes(full, seed, tuple(twins))
    for path, (axis, per_lane) in axes.items():
        if not per_lane:
            continue
        a = carried(m)[path]
        for j in range(1, m.copies):
            if names[j - 1] == "unlinked" and path[:2] in {("actors", 0)} and "level_link" in path:
                continue
            assert np.array_equal(np.take(a, range(j * n, (j + 1) * n), axis=axis), np.take(a, range(n), axis=axis)), \
                (names[j - 1], path)
    unlinked = 1 + names.index("unlinked")
    x = m.actors[0].level_link[0][0]
    assert np.all(x[unlinked * n:(unlinked + 1) * n] == 0) and np.all(x[:n] > 0)
    seam_levels = m.tracks[1].level.copy()
    m.run()
    pacified = 1 + names.index("pacified")
    lanes = slice(pacified * n, (pacified + 1) * n)
    assert np.array_equal(m.tracks[1].level[lanes], seam_levels[lanes])


def test_every_fresh_entry_names_state_that_exists():
    """FRESH lists what starts afresh at the seam; an entry that names nothing is stale."""
    s = _rich()
    m = NegotiationModel(full_scenario(s), runs=[0, 1], seed=4, twins=twins_for(full_scenario(s), None),
                         collect=False)
    found = [p for p in state_arrays(m)]
    for key in FRESH:
        if key in {("nonstate_u",), ("population", "u_more")}:
            continue  # None (an empty list) unless a forecast's numbers are given (a third actor is)
        assert any(len(p) >= len(key) and all(k in ("*", x) for k, x in zip(key, p)) for p in found), key


# -- the command -------------------------------------------------------------------------------------

import csv  # noqa: E402
import json  # noqa: E402
from pathlib import Path  # noqa: E402

from sim.calibrate.observer import pattern_statistics  # noqa: E402

#: a record of 120 months in which the US plays each chip round C with an unknown probability p
#: (prior uniform on [0, 1]); its pattern, the US's rounds of D, is taken from one hidden run at p = 0.7
HIDDEN = """name: hidden
seed: 11
start: 2016-01-01
forecast: {from: 2026-01-01, horizon: 24}
actors:
  US:
    strategies:
      ai: tit_for_tat
      chips: {name: random, p: {uniform: [0, 1]}}
  China:
    noise: 0.05
    strategies:
      ai: {name: tit_for_tat, linkage: 0.5}
      chips: tit_for_tat
tracks:
  ai: {role: channel}
  chips:
    ladder: {rungs: [a, b, c, d, e]}
events:
  - name: Summit
    date: 2026-01-01
    effects: [{target: actors.*.trust, add: 0.1}]
patterns:
  - name: US chip rounds
    count: {played: D, actor: US, track: chips}
    observed: OBSERVED
    tolerance: 3
"""
TRUE_P = 0.7
P_PATH = "actors.US.strategies.chips.p"


def _hidden_record(tmp_path: Path) -> Path:
    """The scenario with its pattern observed in a hidden run at p = 0.7 (seed 99, not the forecast's)."""
    import yaml

    data = yaml.safe_load(HIDDEN.replace("OBSERVED", "0"))
    truth = scenario_from_dict(data, overrides=[f"{P_PATH}={TRUE_P}"])
    stats = pattern_statistics(NegotiationModel(truth, runs=[0], seed=99), truth.patterns)
    observed = int(stats[truth.patterns[0].column][0])
    assert 20 <= observed <= 52  # 120 rounds at 0.3 each: 36 expected
    return write(tmp_path, HIDDEN.replace("OBSERVED", str(observed)), "hidden.yaml")


def _read(path: Path) -> dict[str, list[str]]:
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    return {k: [r[k] for r in rows] for k in rows[0]}


def _forecast(tmp_path: Path, scenario: Path, *extra: str, out: str = "results") -> Path:
    root = tmp_path / out
    code = main(["forecast", str(scenario), "--draws", "3000", "--accept", "40", "--branches", "5",
                 "--predictive", "200", "--out", str(root), "--quiet", *extra])
    assert code == 0
    (folder,) = list((root / "hidden").iterdir())
    return folder


@pytest.fixture(scope="module")
def hidden(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hidden")
    scenario = _hidden_record(tmp)
    return scenario, _forecast(tmp, scenario, "--workers", "1", "--chunk-size", "700", "--branch-chunk", "13")


def test_a_hidden_record_is_recovered_and_its_forecast_follows_the_known_parameter(hidden):
    """The posterior of p concentrates near 0.7: its median within 0.04 of the record's own estimate
    (1 - rounds / 120) and within 0.12 of 0.7 (the 120 rounds carry a standard error of
    sqrt(0.7 * 0.3 / 120) = 0.042, and the tolerance of 3 rounds adds 0.025). After the seam the US
    keeps playing C with its own p, so the forecast's share of C on chips (both players') matches a
    direct run at p = 0.7 within 0.12, and the share the posterior's values of p imply within 0.03
    (the sampling of 200 branches of 24 moves)."""
    import yaml

    scenario, folder = hidden
    post = _read(folder / "posterior.csv")
    p = np.array(post[f"param.{P_PATH}"], dtype=float)
    assert len(p) == 40
    observed = yaml.safe_load(scenario.read_text())["patterns"][0]["observed"]
    estimate = 1 - observed / 120          # what the hidden record says p is
    assert abs(estimate - TRUE_P) < 3 * 0.042
    assert abs(np.median(p) - estimate) < 0.04
    assert abs(np.median(p) - TRUE_P) < 0.12
    assert np.quantile(p, 0.95) - np.quantile(p, 0.05) < 0.15   # concentrated (the prior's 90% range: 0.9)
    runs = _read(folder / "runs.csv")
    assert len(runs["run"]) == 40 * 5
    # the same outcome in a direct run of the 24 months at p = 0.7 (no record, no acceptance)
    data = yaml.safe_load(scenario.read_text())
    direct = scenario_from_dict({**data, "forecast": None, "start": "2026-01-01", "horizon": 24, "patterns": []},
                                overrides=[f"{P_PATH}={TRUE_P}"])
    model = NegotiationModel(direct, runs=np.arange(400), seed=5, collect=False).run()
    direct_rate = float(run_table(model)["coop_rate.chips"].mean())
    forecast_rate = float(np.mean(np.array(runs["coop_rate.chips"], dtype=float)))
    # both players' share of C on chips: the US's is p, China's copies it (noise 0.05 pulls it to 1/2)
    expected = lambda q: (q + 0.95 * q + 0.05 * (1 - q)) / 2  # noqa: E731
    assert abs(direct_rate - expected(TRUE_P)) < 0.02
    assert abs(forecast_rate - direct_rate) < 0.12
    assert abs(forecast_rate - np.mean(expected(p))) < 0.03
    summary = json.loads((folder / "summary.json").read_text())
    f = summary["forecast"]
    assert f["accepted"] == 40 and f["branches"] == 5 and f["acceptance"] == "tolerance"
    assert f["seam_step"] == 120 and f["horizon"] == 24 and summary["runs"] == 200
    assert 0 < f["patterns"][0]["predictive_share_within"] <= 1


def test_runs_table_names_accepted_run_and_branch_and_branches_share_parameters(hidden):
    _, folder = hidden
    runs = _read(folder / "runs.csv")
    post = _read(folder / "posterior.csv")
    assert list(runs)[:3] == ["accepted_run", "branch", "run"]
    assert "held_pacified" in runs  # the pacified twin of every branch, by default
    accepted = [int(r) for r in post["run"]]
    assert [int(r) for r in runs["accepted_run"]] == list(np.repeat(accepted, 5))
    assert [int(b) for b in runs["branch"]] == list(np.tile(range(5), 40))
    assert set(int(x) for x in runs["length"]) == {24}
    by_run = dict(zip(post["run"], post[f"param.{P_PATH}"]))
    assert all(by_run[r] == v for r, v in zip(runs["accepted_run"], runs[f"param.{P_PATH}"]))


def test_any_workers_and_chunks_give_the_same_tables(hidden, tmp_path):
    scenario, folder = hidden
    other = _forecast(tmp_path, scenario, "--workers", "2", "--chunk-size", "3000", "--branch-chunk", "64")
    for name in ("runs.csv", "posterior.csv"):  # (bands.csv sums trust over chunks: the last digit may differ)
        assert (other / name).read_bytes() == (folder / name).read_bytes(), name


def test_an_impossible_pattern_stops_with_one_line_and_leaves_nothing(tmp_path, capsys):
    path = write(tmp_path, HIDDEN.replace("OBSERVED", "500"), "hidden.yaml")
    root = tmp_path / "results"
    code = main(["forecast", str(path), "--draws", "500", "--accept", "10", "--branches", "2", "--out", str(root),
                 "--quiet", "--workers", "1"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "Traceback" not in err
    assert "0 of 500 record runs are within every pattern's tolerance, fewer than --accept 10" in err
    assert "--nearest" in err
    assert not root.exists() or not any(root.rglob("*"))


def test_nearest_accepts_anyway_and_reports_the_effective_tolerance(tmp_path, capsys):
    path = write(tmp_path, HIDDEN.replace("OBSERVED", "100"), "hidden.yaml")
    root = tmp_path / "results"
    code = main(["forecast", str(path), "--draws", "300", "--accept", "50", "--branches", "2", "--out", str(root),
                 "--quiet", "--workers", "1", "--nearest", "--predictive", "0", "--no-twins"])
    out = capsys.readouterr().out
    assert code == 0 and "NEAREST" in out
    (folder,) = list((root / "hidden").iterdir())
    assert "held_pacified" not in _read(folder / "runs.csv")  # --no-twins: no twin simulated
    summary = json.loads((folder / "summary.json").read_text())
    post = _read(folder / "posterior.csv")
    gap = max(abs(float(x) - 100) for x in post["stat.us_chip_rounds"])
    assert summary["forecast"]["patterns"][0]["effective_tolerance"] == gap > 3


def test_a_scenario_without_forecast_is_refused(tmp_path, capsys):
    text = HIDDEN.replace("forecast: {from: 2026-01-01, horizon: 24}\n", "horizon: 120\n").replace("OBSERVED", "30")
    text = text.replace("    date: 2026-01-01", "    at: 100")
    path = write(tmp_path, text, "hidden.yaml")
    assert main(["forecast", str(path), "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "no `forecast:" in err


def test_the_record_phase_skips_only_what_changes_no_run():
    """The forecast's record rows (``sim calibrate``'s reference table) are simulated without the
    per-step data collector and the robustness grid: the same statistics and parameters as a model
    with both."""
    import yaml

    from sim.calibrate.abc import PatternJob
    from sim.calibrate.observer import PatternObserver
    from sim.forecast.simulate import simulate_record

    hidden = scenario_from_dict(yaml.safe_load(HIDDEN.replace("OBSERVED", "36")))
    a = simulate_record(PatternJob(hidden, 3, 5, 60))
    model = NegotiationModel(hidden, runs=np.arange(5, 60), seed=3, collect=True, grid=True)
    observer = PatternObserver(model, hidden.patterns)
    model.run(observer=observer)
    b = observer.values(model)
    assert np.array_equal(a["run"], np.arange(5, 60))
    for k, v in b.items():
        assert np.array_equal(a[k], v, equal_nan=True), k
    assert np.array_equal(a[f"param.{P_PATH}"], model.values[P_PATH])


def test_a_forecast_over_the_memory_limit_is_refused_before_simulating(tmp_path, capsys):
    path = write(tmp_path, HIDDEN.replace("OBSERVED", "36"), "hidden.yaml")
    root = tmp_path / "results"
    code = main(["forecast", str(path), "--draws", "3000", "--accept", "30", "--branches", "3", "--out", str(root),
                 "--quiet", "--workers", "1", "--max-memory", "1M"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "above the limit of 1 MiB" in err
    assert not root.exists()


def test_the_forecasts_own_events_fire_after_the_seam_and_never_in_the_record():
    """'Noise falls' is dated two months after the seam (step 14 of 12 + 10): the record's runs never
    reach it; every branch halves the US's noise there, and counts the firing from the seam (step 2)."""
    s = _rich()
    seam = s.forecast.seam
    i = [e.name for e in s.events].index("Noise falls")
    assert s.events[i].at == frozenset({seam + 2})
    record = replay_record(s, 4, np.array([0, 1, 2]))
    assert record.events.counts[i].sum() == 0
    m = branch_model(s, 4, Branching(np.array([0, 1, 2]), np.array([0, 0, 0])))
    before = m.actors[0].noise.copy()
    m.run()
    assert np.allclose(m.actors[0].noise, before * 0.5)
    assert list(m.events.counts[i]) == [1, 1, 1] and list(m.events.first[i]) == [2, 2, 2]

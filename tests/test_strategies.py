"""Per-strategy tests against scripted opponents, pinning exact moves (Axelrod-library style).

The opponent's moves are a script; the strategy under test plays against it and we compare its
realised moves with a string worked out by hand from the textbook rule (MODEL.md section 6).
Every expected string below is written out explicitly, never computed by a re-implementation.

The rules are called directly, as pure functions on arrays (runs along the array axis), through
``sim.strategies.play_script``: an Observation, the rule and the memory update, no Mesa and no
scenario. A few tests play the same scripts through the full Mesa model (B forced to play the
script) and check that harness and engine agree move for move, so the two cannot drift apart.
Linkage, noise and forced moves are engine features and stay model-based.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from sim import scenario_from_dict
from sim.model.draws import draw
from sim.scenario.schema import ActorSpec
from sim.strategies import Memory, play_script, remember

from conftest import game_scenario, play

ROOT = Path(__file__).resolve().parents[1]
MIXED = "CDDCDCCDDD"    # B's moves at t = 0..9
MIXED2 = "DCCCDDCCCD"
ALL_C = "C" * 10
ALL_D = "D" * 10


def moves(a, script, **kw):
    """A's realised moves (one run) against the scripted opponent, the rule called directly."""
    name, params = (a, {}) if isinstance(a, str) else (a["name"], {k: v for k, v in a.items() if k != "name"})
    return play_script(name, script, params, **kw).moves(0)


def uniforms(steps, runs, seed=0):
    """Uniform numbers (steps, runs) for a stochastic rule, from a local generator."""
    return np.random.default_rng(seed).random((steps, runs))


def model_moves(a, script, runs=1, **kw):
    """A's realised moves (steps, runs) through the Mesa model, B forced to play ``script``."""
    _, rec = play(game_scenario(a=a, script=script, horizon=len(script), runs=runs, **kw))
    return c_matrix(rec)


def c_matrix(rec, actor=0, track=0):
    """Realised moves as a bool array (steps, runs), True = C."""
    return np.stack([r[actor, :, track] for r in rec.realised])


# --------------------------------------------------------------------------------------------
# Deterministic classics: exact move strings
# --------------------------------------------------------------------------------------------

CASES = [
    # always_cooperate / always_defect: constant whatever the other does
    ("always_cooperate", MIXED, "CCCCCCCCCC"),
    ("always_cooperate", ALL_D, "CCCCCCCCCC"),
    ("always_defect", MIXED, "DDDDDDDDDD"),
    ("always_defect", ALL_C, "DDDDDDDDDD"),
    # tit_for_tat: C first, then B's previous move
    ("tit_for_tat", MIXED, "CCDDCDCCDD"),
    ("tit_for_tat", MIXED2, "CDCCCDDCCC"),
    ("tit_for_tat", ALL_C, "CCCCCCCCCC"),
    ("tit_for_tat", ALL_D, "CDDDDDDDDD"),
    # suspicious_tit_for_tat: D first, then B's previous move
    ("suspicious_tit_for_tat", MIXED, "DCDDCDCCDD"),
    ("suspicious_tit_for_tat", MIXED2, "DDCCCDDCCC"),
    ("suspicious_tit_for_tat", ALL_C, "DCCCCCCCCC"),
    ("suspicious_tit_for_tat", ALL_D, "DDDDDDDDDD"),
    # grim_trigger: C until B has ever played D, D from the next step on for ever
    ("grim_trigger", MIXED, "CCDDDDDDDD"),
    ("grim_trigger", MIXED2, "CDDDDDDDDD"),
    ("grim_trigger", "CCCCCDCCCC", "CCCCCCDDDD"),
    ("grim_trigger", ALL_C, "CCCCCCCCCC"),
    # win_stay_lose_shift: C first; then C iff A and B played the same at t-1
    ("win_stay_lose_shift", MIXED, "CCDCCDDDCD"),
    ("win_stay_lose_shift", MIXED2, "CDDDDCDDDD"),
    ("win_stay_lose_shift", ALL_C, "CCCCCCCCCC"),
    ("win_stay_lose_shift", ALL_D, "CDCDCDCDCD"),
    # tit_for_two_tats: D iff B played D at both t-1 and t-2 (C on the first two steps)
    ("tit_for_two_tats", MIXED, "CCCDCCCCCD"),
    ("tit_for_two_tats", MIXED2, "CCCCCCDCCC"),
    ("tit_for_two_tats", ALL_C, "CCCCCCCCCC"),
    ("tit_for_two_tats", ALL_D, "CCDDDDDDDD"),
    # alternator: C, D, C, D, ... whatever B does
    ("alternator", MIXED, "CDCDCDCDCD"),
    ("alternator", ALL_D, "CDCDCDCDCD"),
    ("alternator", ALL_C, "CDCDCDCDCD"),
]


@pytest.mark.parametrize("strategy, script, expected", CASES)
def test_classic_strategy_moves(strategy, script, expected):
    """Each classic rule of MODEL.md section 6 (linkage 0, noise 0) plays exactly its textbook moves."""
    assert moves(strategy, script) == expected


def test_script_is_played_by_b():
    """In the model, the scripted opponent's realised moves are the script itself (sanity check)."""
    _, rec = play(game_scenario(a="tit_for_tat", script=MIXED, horizon=10))
    assert rec.moves(1) == MIXED


# --------------------------------------------------------------------------------------------
# The harness and the engine agree move for move
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("strategy, script, expected", CASES)
def test_harness_and_model_agree_on_classics(strategy, script, expected):
    """The same script through the Mesa model gives exactly the harness's moves."""
    from_model = "".join("C" if m else "D" for m in model_moves(strategy, script)[:, 0])
    assert from_model == moves(strategy, script) == expected


@pytest.mark.parametrize("a, a_params", [
    ("generous_tit_for_tat", {}),
    ({"name": "random", "p": 0.3}, {}),
    ({"name": "forward_looking", "rationality": 2.0}, {"trust": 0.6, "trust_learning": 0.3, "discount": 0.6}),
    ("win_stay_lose_shift", {"noise": 0.2}),
    ("tit_for_two_tats", {"noise": 0.1, "trust_learning": 0.5}),
])
def test_harness_and_model_agree_with_the_models_random_numbers(a, a_params):
    """Stochastic rules, beliefs and noise: fed the model's own strategy and noise uniforms, the
    harness plays exactly the model's moves in every run."""
    runs, script = 200, MIXED + MIXED2
    scenario = game_scenario(a=a, script=script, horizon=len(script), runs=runs, a_params=a_params)
    d = draw(scenario, scenario.seed, np.arange(runs))
    u = d.block[:, d.slots.strategy(0, 0), :]
    u_noise = d.block[:, d.slots.noise(0, 0), :]
    name, params = (a, {}) if isinstance(a, str) else (a["name"], {k: v for k, v in a.items() if k != "name"})
    harness = play_script(name, script, params, runs=runs, u=u, u_noise=u_noise,
                          noise=a_params.get("noise", 0.0), trust=a_params.get("trust", 0.5),
                          trust_learning=a_params.get("trust_learning", 0.2), discount=a_params.get("discount", 0.9))
    from_model = model_moves(a, script, runs=runs, a_params=a_params)
    assert np.array_equal(harness.realised, from_model)
    assert 0 < from_model.mean() < 1  # the runs do differ: the comparison is not vacuous


def test_harness_defaults_are_the_scenario_defaults():
    """An actor's trust, learning rate and discount default to the same values in both."""
    defaults = ActorSpec.model_fields
    assert play_script.__kwdefaults__["trust"] == defaults["trust"].default.value
    assert play_script.__kwdefaults__["trust_learning"] == defaults["trust_learning"].default.value
    assert play_script.__kwdefaults__["discount"] == defaults["discount"].default.value


# --------------------------------------------------------------------------------------------
# The memory update, alone
# --------------------------------------------------------------------------------------------

def test_remember_moves_pi_back_and_learns():
    m = Memory.start(np.array([0.5, 0.5]))
    m1 = remember(m, np.array([True, False]), np.array([0.0, 1.0]), 0.25)
    assert m1.last.tolist() == [True, False] and m1.pi.tolist() == [0.0, 1.0] and m1.pi_prev.tolist() == [1.0, 1.0]
    assert m1.triggered.tolist() == [True, False]
    assert m1.belief.tolist() == [0.375, 0.625]            # 0.75 * 0.5 + 0.25 * pi
    assert m.pi.tolist() == [1.0, 1.0] and m.belief.tolist() == [0.5, 0.5]   # the input is untouched
    m2 = remember(m1, np.array([True, True]), np.array([1.0, 1.0]), 0.25)
    assert m2.pi_prev.tolist() == [0.0, 1.0] and m2.triggered.tolist() == [True, False]   # triggered sticks


def test_remember_keeps_the_memory_of_ended_runs_and_writes_in_place_on_request():
    m = Memory.start(np.array([0.5, 0.5]))
    alive = np.array([True, False])
    fresh = remember(m, np.array([False, False]), np.array([0.0, 0.0]), 0.5, alive)
    assert fresh.pi.tolist() == [0.0, 1.0] and fresh.last.tolist() == [False, True]
    assert fresh.triggered.tolist() == [True, False] and fresh.belief.tolist() == [0.25, 0.5]
    same = remember(m, np.array([False, False]), np.array([0.0, 0.0]), 0.5, alive, out=m)
    assert same is m
    for name in ("last", "pi", "pi_prev", "triggered", "belief"):
        assert np.array_equal(getattr(m, name), getattr(fresh, name)), name


# --------------------------------------------------------------------------------------------
# generous_tit_for_tat
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("script, expected", [(MIXED, "CCDDCDCCDD"), (MIXED2, "CDCCCDDCCC"),
                                              (ALL_D, "CDDDDDDDDD")])
def test_gtft_generosity_zero_is_tft(script, expected):
    """GTFT with generosity 0 never forgives: exactly TFT's moves."""
    assert moves({"name": "generous_tit_for_tat", "generosity": 0.0}, script, u=uniforms(10, 1)) == expected


@pytest.mark.parametrize("script", [MIXED, ALL_D])
def test_gtft_generosity_one_always_cooperates(script):
    """GTFT with generosity 1 forgives every D: always C."""
    assert moves({"name": "generous_tit_for_tat", "generosity": 1.0}, script, u=uniforms(10, 1)) == "CCCCCCCCCC"


def test_gtft_default_generosity_is_one_third_on_pd():
    """Default generosity on the PD (T5 R3 P1 S0) is q* = min(1 - 2/3, 2/4) = 1/3: after B's D,
    A plays C with probability 1/3; after B's C (and at t = 0) always C."""
    runs = 4000
    c = play_script("generous_tit_for_tat", MIXED, runs=runs, u=uniforms(10, runs)).realised
    after_d = [t for t in range(1, 10) if MIXED[t - 1] == "D"]   # t = 2, 3, 5, 8, 9
    after_c = [0] + [t for t in range(1, 10) if MIXED[t - 1] == "C"]
    assert c[after_c].all()
    # Each decision after a D is an independent Bernoulli(q) (own uniform per run and step, and
    # the rule does not depend on A's own history), so with n = 5 * 4000 = 20000 draws the
    # standard error is sqrt(q (1 - q) / n) = sqrt((2/9) / 20000) ~= 0.0033; 4 SE ~= 0.013
    # (a false alarm about 1 time in 16000).
    n = len(after_d) * runs
    q = 1 / 3
    se = np.sqrt(q * (1 - q) / n)
    assert abs(c[after_d].mean() - q) < 4 * se


# --------------------------------------------------------------------------------------------
# random
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("p, expected", [(0.0, "DDDDDDDDDD"), (1.0, "CCCCCCCCCC")])
def test_random_extremes(p, expected):
    """random with p = 0 always defects, with p = 1 always cooperates."""
    assert moves({"name": "random", "p": p}, MIXED, u=uniforms(10, 1)) == expected


def test_random_frequency():
    """random with p = 0.3 cooperates with frequency 0.3, independent of the opponent."""
    runs, p = 4000, 0.3
    c = play_script("random", MIXED, {"p": p}, runs=runs, u=uniforms(10, runs)).realised
    # 10 * 4000 = 40000 independent Bernoulli(0.3) draws: SE = sqrt(0.21 / 40000) ~= 0.0023; 4 SE.
    se = np.sqrt(p * (1 - p) / c.size)
    assert abs(c.mean() - p) < 4 * se


# --------------------------------------------------------------------------------------------
# forward_looking
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("discount, expected", [(0.49, "D" * 10), (0.5, "C" * 10), (0.51, "C" * 10)])
def test_forward_looking_folk_threshold(discount, expected):
    """With belief 1 on the PD, V_C = R/(1-d) >= V_D = T + dP/(1-d) iff d >= (T-R)/(T-P) = 1/2
    (ties cooperate, so d = 0.5 gives C)."""
    assert moves("forward_looking", ALL_C, trust=1.0, trust_learning=0.0, discount=discount) == expected


@pytest.mark.parametrize("trust, expected", [(0.6, "D" * 10), (0.7, "C" * 10)])
def test_forward_looking_myopic_stag_hunt(trust, expected):
    """With discount 0 on the stag hunt (R4 S0 T3 P2) it is a myopic best response:
    C iff 4b >= 3b + 2(1-b), i.e. b >= 2/3 (0.6 -> D, 0.7 -> C)."""
    assert moves("forward_looking", ALL_C, game="stag_hunt", trust=trust, trust_learning=0.0, discount=0.0) == expected


# --------------------------------------------------------------------------------------------
# Noise (the engine's: model-based)
# --------------------------------------------------------------------------------------------

def test_noise_one_flips_every_intended_move():
    """Noise flips intended moves (first step included): noise 1 makes ALLC play D every step
    while its intended moves stay C."""
    _, rec = play(game_scenario(a="always_cooperate", b="always_cooperate", horizon=10,
                                a_params={"noise": 1.0}))
    assert rec.moves(0) == "D" * 10
    assert all(i[0, 0, 0] for i in rec.intended)


def test_forced_moves_are_never_flipped():
    """Forced moves (the script) are not flipped by noise, even with noise 1."""
    _, rec = play(game_scenario(a="tit_for_tat", script=MIXED, horizon=10, b_params={"noise": 1.0}))
    assert rec.moves(1) == MIXED
    assert rec.moves(0) == "CCDDCDCCDD"   # TFT sees the forced moves as played


@pytest.mark.parametrize("entry_noise, actor_noise, expected", [(1.0, 0.0, "D" * 10), (0.0, 1.0, "C" * 10)])
def test_strategy_noise_overrides_actor_noise(entry_noise, actor_noise, expected):
    """A strategy entry's own `noise` overrides the actor's noise on that track."""
    _, rec = play(game_scenario(a={"name": "always_cooperate", "noise": entry_noise}, b="always_cooperate",
                                horizon=10, a_params={"noise": actor_noise}))
    assert rec.moves(0) == expected


# --------------------------------------------------------------------------------------------
# Linkage (the engine's; two tracks: X = safety channel, Y = chips)
# --------------------------------------------------------------------------------------------

def two_track(y_strategy, y_linkage, d_on_x_at=None, y_script=None, horizon=10):
    """A plays TFT on X and ``y_strategy`` (with ``linkage``) on Y; B cooperates on both, except
    forced moves: D on X at step ``d_on_x_at`` and, optionally, ``y_script`` on Y."""
    events = []
    if d_on_x_at is not None:
        events.append({"name": "B defects on X", "at": d_on_x_at,
                       "effects": [{"force": "D", "actor": "B", "track": "X"}]})
    for t, move in enumerate(y_script or ""):
        events.append({"name": f"Y script {t}", "at": t, "effects": [{"force": move, "actor": "B", "track": "Y"}]})
    data = {
        "name": "linkage", "seed": 0, "runs": 1, "horizon": horizon,
        "actors": {
            "A": {"strategies": {"X": "tit_for_tat", "Y": {"name": y_strategy, "linkage": y_linkage}}},
            "B": {"strategies": {"X": "always_cooperate", "Y": "always_cooperate"}},
        },
        "tracks": {"X": {"role": "channel", "game": "prisoners_dilemma"},
                   "Y": {"game": "prisoners_dilemma"}},
        "events": events,
    }
    _, rec = play(scenario_from_dict(data))
    return rec.moves(0, track=0), rec.moves(0, track=1), rec.moves(1, track=0)


@pytest.mark.parametrize("y_script, expected_y", [(None, "CCCCCCCCCC"), (MIXED, "CCDDCDCCDD")])
def test_linkage_zero_compartmentalises(y_script, expected_y):
    """With linkage 0 a D on track X does not change TFT's moves on track Y at all."""
    x_with, y_with, b_x = two_track("tit_for_tat", 0.0, d_on_x_at=3, y_script=y_script)
    _, y_without, _ = two_track("tit_for_tat", 0.0, d_on_x_at=None, y_script=y_script)
    assert b_x == "CCCDCCCCCC"
    assert x_with == "CCCCDCCCCC"     # TFT on X does answer the D on X
    assert y_with == y_without == expected_y


def test_full_linkage_grim_trigger_punishes_everywhere():
    """With linkage 1 on Y, Y's perceived cooperation is B's move on X: grim trigger on Y defects
    from the step after B's D on X, for ever (and never without that D)."""
    _, y_with, b_x = two_track("grim_trigger", 1.0, d_on_x_at=3)
    _, y_without, _ = two_track("grim_trigger", 1.0, d_on_x_at=None)
    assert b_x == "CCCDCCCCCC"
    assert y_with == "CCCCDDDDDD"
    assert y_without == "CCCCCCCCCC"


def test_full_linkage_ignores_own_track():
    """With linkage 1 on Y, the own-track weight is 1 - 1 = 0: B's Ds on Y alone do not trigger
    grim trigger on Y."""
    _, y, _ = two_track("grim_trigger", 1.0, y_script=MIXED)
    assert y == "CCCCCCCCCC"


# --------------------------------------------------------------------------------------------
# The rules live in the base layer
# --------------------------------------------------------------------------------------------

def _imports(path):
    """Every module ``path`` imports (relative imports resolved against the sim package)."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join([*base, node.module] if node.module else base)
            found |= {module} | ({f"{module}.{a.name}" for a in node.names} if node.level else set())
    return found


BASE = ("sim.games", "sim.lazy", "sim.ranges", "sim.strategies", "sim.streams")


@pytest.mark.parametrize("module", BASE)
def test_base_modules_import_only_numpy_and_each_other(module):
    path = ROOT / (module.replace(".", "/") + ".py")
    sim_imports = {m for m in _imports(path) if m.split(".")[0] == "sim"}
    third_party = {m.split(".")[0] for m in _imports(path)} - {"sim", "__future__"}
    assert all(m in BASE or m.rsplit(".", 1)[0] in BASE or m == "sim" for m in sim_imports), sim_imports
    assert third_party <= {"numpy", "collections", "dataclasses", "enum", "hashlib", "math", "importlib", "sys",
                           "types"}, third_party


def test_the_scenario_language_does_not_import_the_model():
    for path in sorted((ROOT / "sim" / "scenario").glob("*.py")):
        assert not {m for m in _imports(path) if m.startswith("sim.model")}, path.name

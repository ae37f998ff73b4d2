"""Fuzzing: mutated scenarios give success or a one-line file:line error with exit status 2, never a
traceback, never a write outside the output root (mutations: tests/fuzz/mutate.py).

Two thousand cases run here; ``tests/fuzz/campaign.py`` runs ten thousand and prints the counts.
"""

from __future__ import annotations

import random

import pytest
from fuzz.check import run_case, validate_case
from fuzz.mutate import make_case
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


@pytest.mark.slow
@settings(max_examples=2000, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                 HealthCheck.data_too_large])
@given(rng=st.randoms(use_true_random=False))
def test_mutated_scenarios_validate_cleanly(rng, work):
    case = make_case(rng)
    verdict = validate_case(case.text, work, limit=120)  # catches hangs only: timing decides nothing
    assert verdict.kind in ("success", "clean"), f"{case.note}: {verdict.kind}: {verdict.detail or verdict.stderr}"


@pytest.mark.slow
def test_accepted_mutations_run_to_the_end(tmp_path):
    """A sample of accepted mutations runs to the end: a complete folder inside the output root,
    nothing outside it, no NaN in the summary."""
    rng = random.Random(2026)
    ran = 0
    for _ in range(400):
        case = make_case(rng)
        if validate_case(case.text, tmp_path, limit=120).kind != "success":
            continue
        verdict = run_case(tmp_path, runs=5, limit=600)
        assert verdict.kind in ("success", "clean"), f"{case.note}: {verdict.kind}: {verdict.detail or verdict.stderr}"
        ran += verdict.kind == "success"
        if ran == 3:
            break
    assert ran == 3


@pytest.mark.slow
@settings(max_examples=400, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(rng=st.randoms(use_true_random=False))
def test_hostile_set_overrides(rng, work):
    """`--set PATH=VALUE` with a path of a shipped scenario (or a near miss) and a hostile raw value."""
    from fuzz.check import call, classify
    from fuzz.mutate import HOSTILE, RAW_VALUES, ROOT, _paths, base_trees

    name, tree = rng.choice(base_trees())
    path = ".".join(map(str, rng.choice(_paths(tree)[1:])))
    if rng.random() < 0.2:
        path = rng.choice([path + ".x", path.replace(".", ".*.", 1), "*." + path, path + "..", "." + path])
    value = rng.choice(RAW_VALUES + [str(v) for v in HOSTILE])
    scenario = ROOT / "scenarios" / (f"{name}.yaml" if (ROOT / "scenarios" / f"{name}.yaml").exists()
                                     else f"lessons/{name}.yaml")
    before = set(work.rglob("*"))
    code, _, err, seconds, tb = call(["validate", str(scenario), "--set", f"{path}={value}"], limit=120)
    verdict = classify(code, err, tb, seconds)
    assert verdict.kind in ("success", "clean"), f"--set {path}={value}: {verdict.kind}: {verdict.detail or err}"
    assert set(work.rglob("*")) == before

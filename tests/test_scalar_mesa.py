"""The benchmark's idiomatic scalar Mesa model (benchmarks/scalar_mesa.py) simulates the same game
as the engine: the same distribution of every outcome column (its draws come from ``model.random``
and cannot be matched run by run), and the check would see a model that is not the same game."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def scalar():
    spec = importlib.util.spec_from_file_location("scalar_mesa", ROOT / "benchmarks" / "scalar_mesa.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def engine(scalar):
    from sim import run_ensemble, scenario_from_dict

    return run_ensemble(scenario_from_dict(scalar.GAME), runs=4000, twins=()).table


def test_the_scalar_model_gives_the_engines_distributions(scalar, engine):
    agree, ps = scalar.agreement(engine, scalar.simulate(1500, seed=1))
    assert agree, ps
    assert {c for c, _ in ps} == set(scalar.COLUMNS)


def test_the_check_sees_a_different_game(scalar, engine, monkeypatch):
    """Escalation counted from the rung above the middle one: the agreement check must fail."""
    monkeypatch.setattr(scalar, "ESCALATED_LEVEL", 3)
    agree, ps = scalar.agreement(engine, scalar.simulate(1500, seed=1))
    assert not agree, ps

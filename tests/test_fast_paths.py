"""The engine's cheaper ways of drawing and reading its random numbers give exactly the numbers and
decisions of the plain ways (results are pinned bit for bit: docs, tests and an independent
re-implementation re-compute them).

- :func:`sim.streams.keyed_uniform_rows` yields the numbers of :func:`sim.streams.keyed_uniforms`,
  a few runs at a time (one Philox generator drawing on across calls);
- :func:`sim.streams.spawn_uniforms` gives each run the numbers of its own
  ``generator(seed, purpose, run)`` (numpy's SeedSequence hash and PCG64 seeding worked out for all
  runs at once);
- a population reads its ``nonstate`` stream once (:class:`sim.model.nonstate.Numbers`): the
  attempts, success and attribution uniforms of every step are those of reading the stream step by
  step, in the same order; its mean capability per lane is ``per_run_mean`` of its capability;
- the robustness grid (:class:`sim.model.outcomes.ChannelGrid`) gives each definition's longest
  suspension as a :class:`sim.model.outcomes.ChannelState` stepped along would.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim import NegotiationModel, load_scenario
from sim.model.draws import DRAWN_ACTORS
from sim.streams import keyed_uniform_rows, keyed_uniforms

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("per_run", [1, 3, 4, 7, 82 * 5])
@pytest.mark.parametrize("rows", [1, 3, 128])
def test_keyed_uniform_rows_are_keyed_uniforms(per_run, rows):
    runs = np.array([0, 1, 2, 5, 6, 7, 8, 9, 40, 41, 2**20, 2**20 + 1, 3])   # stretches, gaps, out of order
    whole = keyed_uniforms(2026, "nonstate", "draws", runs, per_run)
    got = np.full_like(whole, np.nan)
    seen = []
    for i, block in keyed_uniform_rows(2026, "nonstate", "draws", runs, per_run, rows=rows):
        assert block.shape[0] <= rows and block.shape[1] == per_run
        got[i:i + len(block)] = block
        seen.append(i)
    assert seen == sorted(seen)
    assert np.array_equal(got, whole)
    assert list(keyed_uniform_rows(1, "nonstate", "draws", np.arange(0), per_run)) == []


def test_a_population_reads_its_stream_as_the_steps_would():
    """Numbers.read against the stream read step by step (the engine's former way): per step, the
    groups whose uniform is below their intent, in the order (group, run), their success uniforms,
    and every drawn actor's attribution uniform."""
    s = load_scenario(ROOT / "scenarios" / "baseline.yaml", ["nonstate.intent={uniform: [0, 0.05]}"])
    runs = np.array([3, 4, 5, 9, 100, 101, 7, 250] + list(range(300, 600)))
    m = NegotiationModel(s, runs=runs, collect=False)
    pop, g, horizon = m.population, s.nonstate.groups, s.horizon
    width = 2 * g + min(len(s.actors), DRAWN_ACTORS)
    u = keyed_uniforms(s.seed, "nonstate", "draws", runs, horizon * width).reshape(len(runs), horizon, width)
    numbers = pop.u
    assert numbers.start[-1] == len(numbers.group) > 100   # attempts enough to compare
    for t in range(horizon):
        step = u[:, t, :].T
        group, run = np.nonzero(step[:g] < pop.intent[:, :len(runs)])
        at = slice(numbers.start[t], numbers.start[t + 1])
        assert np.array_equal(numbers.group[at], group) and np.array_equal(numbers.run[at], run), t
        assert np.array_equal(numbers.success[at], step[g + group, run]), t
        for i in range(width - 2 * g):
            assert np.array_equal(numbers.blame[t, i], step[2 * g + i]), t


def test_mean_capability_is_the_per_run_mean_of_capability():
    """Population.mean_capability (what the step statistics and the run table read) against the
    column means of the capability matrix (ensemble.runner.per_run_mean), bit for bit, mid-run."""
    from sim.ensemble.runner import per_run_mean, twins_for

    s = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    m = NegotiationModel(s, runs=np.arange(50, 90), twins=twins_for(s, None)[:2], collect=False)
    for _ in range(20):
        m.step()
    pop = m.population
    assert np.unique(pop.remaining).size > 10
    for lanes in (slice(None), m.lane(), m.lane(1), np.array([3, 0, 77, 5])):
        assert np.array_equal(pop.mean_capability(lanes), per_run_mean(pop.capability_of(lanes))), lanes



def _grid_cases():
    """(definitions, steps, engaged, alive) for ChannelGrid against ChannelState: random moves,
    lanes ending at random steps, every kind of definition (windows longer than the run too)."""
    from sim.results.outcomes import ROBUSTNESS_GRID, ChannelDefinition
    from sim.scenario.resolved import OutcomeDef

    rng = np.random.default_rng(11)
    spec = OutcomeDef(channel=0, window=6, threshold=0.5, collapse_after=3, prehistory=True, rivalry=(),
                      escalated_level=1, sustained=1)
    defs = [*ROBUSTNESS_GRID.trackers(spec), ChannelDefinition(4, 0.75, 0, False), ChannelDefinition(1, 1.0, 0, True),
            ChannelDefinition(20, 0.3, 0, False), ChannelDefinition(5, 0.0, 0, True)]
    cases = []
    for steps, runs, p in [(36, 500, 0.6), (36, 500, 0.9), (5, 50, 0.5), (1, 10, 0.5), (60, 300, 0.3)]:
        engaged = rng.random((steps, runs)) < p
        length = rng.integers(0, steps + 2, runs)
        alive = np.arange(steps)[:, None] < length[None, :]
        cases.append((defs, list(range(steps)), engaged, alive))
        cases.append((defs, list(range(7, 7 + steps)), engaged, alive))          # a forecast counts from its seam
    # lanes that come back to life, and steps that skip: stepped through ChannelState
    engaged = rng.random((30, 200)) < 0.6
    cases.append((defs, list(range(30)), engaged, rng.random((30, 200)) < 0.8))
    cases.append((defs, [0, 1, 2, 4, 5] + list(range(7, 32)), engaged, np.ones((30, 200), dtype=bool)))
    return cases


@pytest.mark.parametrize("case", range(12))
def test_the_grid_is_its_channel_trackers(case):
    """ChannelGrid.max_spell: the longest suspension of a ChannelState per definition, stepped along."""
    from sim.model.outcomes import ChannelGrid, ChannelState

    defs, steps, engaged, alive = _grid_cases()[case]
    grid = ChannelGrid(defs, engaged.shape[1])
    trackers = {d: ChannelState(d, engaged.shape[1]) for d in defs}
    for t, e, a in zip(steps, engaged, alive):
        grid.update(t, e, a)
        for tracker in trackers.values():
            tracker.update(t, e, a)
    got = grid.max_spell()
    assert set(got) == set(defs)
    assert any(trackers[d].max_spell.any() for d in defs)
    for d in defs:
        assert got[d].dtype == np.int64 and np.array_equal(got[d], trackers[d].max_spell), d
    assert all(np.array_equal(v, np.zeros(5)) for v in ChannelGrid(defs, 5).max_spell().values())


@pytest.mark.parametrize("seed", [0, 1, 2026, 2**32 - 1, 2**32, 2**64 + 5, 2**100 + 7, 2**128 - 1])
def test_spawn_uniforms_are_the_runs_own_generators(seed):
    """spawn_uniforms (one PCG64 put in each run's starting state) against a SeedSequence, PCG64 and
    Generator per run, as streams.generator makes them; a run from 2**32 up is drawn that way."""
    from sim.streams import _seed_states, generator, spawn_key, spawn_uniforms

    runs = [0, 1, 2, 7, 12345, 2**31 - 1, 2**32 - 1, 5]
    for purpose, shape in [("dynamics", (36, 13)), ("dynamics", (1, 1)), ("dynamics", (3,)), ("hidden_strategy", (4, 2))]:
        got = spawn_uniforms(seed, purpose, runs, shape)
        assert got.shape == (len(runs), *shape)
        for i, r in enumerate(runs):
            assert np.array_equal(got[i], generator(seed, purpose, r).random(shape)), (purpose, r)
    states = _seed_states(seed, [np.array(runs), 1])
    for r, (state, inc) in zip(runs, states):
        bits = np.random.PCG64(np.random.SeedSequence(seed, spawn_key=spawn_key("dynamics", r))).state["state"]
        assert (state, inc) == (bits["state"], bits["inc"]), r
    big = [2**32, 3, 2**40 + 1]
    assert np.array_equal(spawn_uniforms(seed, "dynamics", big, (5, 2)),
                          np.stack([generator(seed, "dynamics", r).random((5, 2)) for r in big]))
    assert spawn_uniforms(seed, "dynamics", [], (5, 2)).shape == (0, 5, 2)

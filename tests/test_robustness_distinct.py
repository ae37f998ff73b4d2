"""The robustness grid counts each definition of "held" once, and comparisons say which sign flips
are significant.

The grid is window {3, 6, 12} x threshold {1/3, 1/2, 2/3} x collapse_after {1, 3, 6} with
prehistory, plus version 1: 28 labels. The channel is open iff the engaged steps of the window
number at least threshold * window (less 1e-9), i.e. at least ceil(threshold * window): with
window 3 that is 1, 2, 2 steps for 1/3, 1/2, 2/3, so thresholds 1/2 and 2/3 are one definition
at each of the three collapse_after values; with window 6 it is 2, 3, 4 and with window 12 4, 6,
8 (all distinct); version 1 has no prehistory, unlike every grid row. 28 - 3 = 25 distinct.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim import scenario_from_dict
from sim.analysis.compare import Stored, robustness_table
from sim.analysis.stats import distinct_definitions, mcnemar_p, robustness
from sim.commands.compare import robustness_lines
from sim.ensemble.runner import run_ensemble
from sim.results.outcomes import ROBUSTNESS_GRID, ChannelDefinition, effective_key


def test_the_grid_has_25_distinct_definitions_and_names_the_same_ones():
    defs = ROBUSTNESS_GRID.definitions(6, 0.5)
    assert len(defs) == 28
    rows = distinct_definitions([(k, d, None) for k, d in defs])
    assert len(rows) == 25
    merged = {d.label: same for _, d, _, same in rows if same}
    assert merged == {f"window 3, threshold 1/2, collapse after {c}": f"window 3, threshold 2/3, collapse after {c}"
                      for c in (1, 3, 6)}
    # the v1 row (no prehistory) is its own definition
    assert rows[-1][0] == "v1" and rows[-1][3] == ""


def test_effective_key_reads_the_rule_of_the_tracker():
    """ceil(threshold * seen - 1e-9) whole steps; without prehistory one per window length."""
    key = effective_key
    assert key(ChannelDefinition(3, 1 / 2, 1, True)) == key(ChannelDefinition(3, 2 / 3, 1, True))
    assert key(ChannelDefinition(3, 1 / 3, 1, True)) != key(ChannelDefinition(3, 1 / 2, 1, True))
    assert key(ChannelDefinition(6, 1 / 3, 1, True)) == key(ChannelDefinition(6, 0.3, 1, True))  # 2 of 6
    # without prehistory 1/2 and 2/3 differ at window 3: 2 steps seen need 1 and 2 engaged
    assert key(ChannelDefinition(3, 1 / 2, 1, False)) != key(ChannelDefinition(3, 2 / 3, 1, False))
    # window 1 has no prehistory to speak of
    assert key(ChannelDefinition(1, 1.0, 3, False)) == key(ChannelDefinition(1, 1.0, 3, True))


def test_labels_merged_as_one_definition_hold_in_exactly_the_same_runs():
    """Over a noisy ensemble, merged labels give identical `held` in every run, and the run
    folder's robustness rows are the 25 distinct definitions."""
    data = {"name": "r", "seed": 4, "horizon": 36,
            "actors": {"US": {"noise": 0.15, "strategies": {"ai": "tit_for_tat", "chips": "tit_for_tat"}},
                       "China": {"noise": 0.15, "strategies": {"ai": "tit_for_tat", "chips": "always_defect"}}},
            "tracks": {"ai": {"role": "channel"}, "chips": {}}}
    table = run_ensemble(scenario_from_dict(data), runs=400, twins=()).table
    grid = ROBUSTNESS_GRID.unpack(table["held_grid"], 6, 0.5)
    by_key: dict = {}
    for _, d, held in grid:
        by_key.setdefault(effective_key(d), []).append(held)
    for same in by_key.values():
        assert all(np.array_equal(same[0], h) for h in same[1:])
    helds = [h for _, _, h in grid]
    # the grid is not degenerate on this ensemble: most distinct definitions differ in some run
    assert len({h.tobytes() for h in helds}) > 12
    rows = robustness(table, 6, 0.5)
    assert len(rows) == 25 and len({r["key"] for r in rows}) == 25
    assert sum(1 for r in rows if r["same_as"]) == 3


def _stored(label: str, held: np.ndarray, bits: np.ndarray) -> Stored:
    n = len(held)
    return Stored(folder=None, label=label, summary={"seed": 1, "definition": {"window": 6, "threshold": 0.5}},
                  runs={"run": np.arange(n), "held": held, "held_grid": bits}, scenario={})


def test_comparison_says_which_sign_flips_are_significant():
    """Paired folders, 200 runs. The headline difference is -10/200 (McNemar p = 2 * 0.5^10,
    significant). Under 'window 3, threshold 1/3, collapse after 1' (bit 0) the first folder fails
    in 30 runs the second holds: +0.15, p = 2 * 0.5^30, a significant sign flip. Under 'window 3,
    threshold 1/2, collapse after 1' (bits 3 and 6, one definition) it fails in one run: +0.005,
    p = 1, a sign flip that is not significant. The old table flagged both alike (and listed
    bit 6 as a third flip)."""
    n = 200
    all_bits = (1 << 28) - 1
    bits_a = np.full(n, all_bits, dtype=np.int64)
    bits_a[:30] &= ~1
    bits_a[30] &= ~((1 << 3) | (1 << 6))
    held_b = np.ones(n, dtype=bool)
    held_b[100:110] = False
    bits_b = np.full(n, all_bits, dtype=np.int64)
    for bit in (1, 2, 4, 5, 7, 8, *range(9, 28)):       # every other definition: the headline's difference
        bits_b[100:110] &= ~(1 << bit)
    a, b = _stored("a", np.ones(n, dtype=bool), bits_a), _stored("b", held_b, bits_b)
    r = robustness_table([a, b])
    assert len(r["key"]) == 25
    rows = {k: j for j, k in enumerate(r["key"])}
    j0, j3 = rows["w3_t0.333_c1"], rows["w3_t0.500_c1"]
    assert "w3_t0.667_c1" not in rows and r["same_as"][j3] == "window 3, threshold 2/3, collapse after 1"
    assert r["diff"][j0] == pytest.approx(0.15) and r["p_value"][j0] == pytest.approx(2 * 0.5 ** 30)
    assert r["sign_changes"][j0] == 1 and r["significant"][j0] == 1 and r["excludes_0"][j0] == 1
    assert r["diff"][j3] == pytest.approx(0.005) and r["p_value"][j3] == pytest.approx(1.0)
    assert r["sign_changes"][j3] == 1 and r["significant"][j3] == 0 and r["excludes_0"][j3] == 0
    assert int(np.sum(r["sign_changes"])) == 2
    held3 = ((bits_b >> 3) & 1).astype(bool), ((bits_a >> 3) & 1).astype(bool)
    assert r["p_value"][j3] == pytest.approx(mcnemar_p(*held3))
    text = "\n".join(robustness_lines(r))
    assert "over 25 distinct definitions" in text
    assert "the sign flips under 2 definition(s), significantly (p < 0.05) under 1" in text
    assert "window 3, threshold 1/3, collapse after 1: +0.150" in text and ", significant (sign" in text
    assert "window 3, threshold 1/2, collapse after 1: +0.005" in text and ", not significant (sign" in text

"""A small scenario shared by the analyst-workflow tests (sweep, compare, sensitivity, report)."""

from __future__ import annotations

SMALL = """
name: small
title: Small analyst test scenario
question: Does the small channel hold?
horizon: 12
runs: 120
seed: 11
actors:
  US:
    noise: {uniform: [0.0, 0.1]}
    trust: {uniform: [0.3, 0.7]}
    strategies: {safety: {name: generous_tit_for_tat, linkage: 0.2}, chips: tit_for_tat}
  China:
    noise: 0.05
    discount: {uniform: [0.5, 0.9]}
    strategies: {safety: forward_looking, chips: always_defect}
tracks:
  safety: {role: channel, ladder: {rungs: [talking, stalled, over]}}
  chips: {ladder: {rungs: [a, b, c, d]}}
events:
  - {name: Incident, probability: 0.1, effects: [{target: actors.*.risk_perception, add: 0.2}]}
"""


def write_small(tmp_path, extra: str = "", name: str = "small.yaml"):
    path = tmp_path / name
    path.write_text(SMALL + extra)
    return path

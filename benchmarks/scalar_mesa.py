"""An idiomatic scalar Mesa model of the same game, written from docs/model.md, for the benchmark.

One ``mesa.Agent`` per actor, one Python step per month, every random number from the model's
``model.random`` (so its draws cannot be matched with the engine's declared streams: the
benchmark compares the two as distributions). It covers the game of :data:`GAME`: two actors on a
channel and a rivalry track with its ladder, tit-for-tat and random rules, implementation noise,
and the channel and rivalry outcomes of docs/model.md section 8 (window with prehistory,
collapse after a suspension of ``collapse_after`` steps, escalation sustained for ``sustained``
steps). No events, no twins, no nonstate groups, no learning that the rules read.
"""

from __future__ import annotations

import math

import mesa

#: the scenario both models simulate (``sim.scenario_from_dict``)
GAME = {
    "name": "scalar_benchmark", "seed": 5, "runs": 2000, "horizon": 60,
    "actors": {
        "US": {"noise": 0.02, "strategies": {"ai": "tit_for_tat", "chips": {"name": "random", "p": 0.85}}},
        "China": {"noise": 0.02, "strategies": {"ai": "tit_for_tat", "chips": "tit_for_tat"}},
    },
    "tracks": {"ai": {"role": "channel"}, "chips": {}},
}
TRACKS = ("ai", "chips")
CHANNEL, RIVALRY = 0, (1,)
RUNGS, ESCALATED_LEVEL, SUSTAINED = 5, 2, 3         # default ladder; middle rung; default sustained
WINDOW, THRESHOLD, COLLAPSE_AFTER = 6, 0.5, 3         # default channel definition, with prehistory
COLUMNS = ("held", "break_step", "open_share", "engaged_share", "open_at_end", "suspensions",
           "first_suspension", "rivalry_peak", "escalated", "escalated_at_end", "escalated_share",
           "held_and_escalated", "open_months")


class Negotiator(mesa.Agent):
    """One actor: its rule and noise per track, and the other's last realised moves."""

    def __init__(self, model: mesa.Model, rules: dict, noise: float):
        super().__init__(model)
        self.rules, self.noise = rules, noise
        self.seen = {k: None for k in TRACKS}   # the other's last realised move (True = C)
        self.move = {}

    def decide(self) -> None:
        r = self.random
        for k in TRACKS:
            rule = self.rules[k]
            if rule["name"] == "tit_for_tat":
                intended = True if self.seen[k] is None else self.seen[k]
                r.random()                                  # a stochastic rule's draw, unread here
            else:
                intended = r.random() < rule["p"]
            self.move[k] = intended != (r.random() < self.noise)


class ScalarNegotiation(mesa.Model):
    """One run of :data:`GAME`, stepped in plain Python."""

    def __init__(self, seed: int):
        super().__init__(seed=seed)
        actors = GAME["actors"]
        for name in ("US", "China"):
            rules = {k: ({"name": v} if isinstance(v, str) else v) for k, v in actors[name]["strategies"].items()}
            Negotiator(self, rules, actors[name]["noise"])
        self.us, self.china = list(self.agents)
        self.level = [0, 0]
        self.peak = 0
        self.window = [True] * WINDOW                 # prehistory: the steps before 0 count as engaged
        self.spell = self.spell_start = 0
        self.streak = 0
        self.t = 0
        self.out = {"held": 1, "break_step": -1, "open_steps": 0, "engaged_steps": 0, "open_at_end": 0,
                    "suspensions": 0, "first_suspension": -1, "escalated": 0, "escalated_steps": 0}

    def step(self) -> None:
        self.agents.do("decide")
        us, cn = self.us.move, self.china.move
        before = list(self.level)
        for k, _ in enumerate(TRACKS):
            defections = (not us[TRACKS[k]]) + (not cn[TRACKS[k]])
            self.level[k] = min(max(self.level[k] + defections if defections else self.level[k] - 1, 0), RUNGS - 1)
        self.us.seen = dict(cn)
        self.china.seen = dict(us)
        o = self.out
        engaged = us["ai"] and cn["ai"]
        self.window[self.t % WINDOW] = engaged
        is_open = sum(self.window) >= math.ceil(THRESHOLD * WINDOW - 1e-9)
        if not is_open:
            if self.spell == 0:
                self.spell_start = self.t
                o["suspensions"] += 1
                if o["first_suspension"] < 0:
                    o["first_suspension"] = self.t
            self.spell += 1
            if o["held"] and self.spell >= COLLAPSE_AFTER:
                o["held"], o["break_step"] = 0, self.spell_start
        else:
            self.spell = 0
        o["open_at_end"] = int(is_open)
        o["open_steps"] += is_open
        o["engaged_steps"] += engaged
        self.peak = max(self.peak, *(self.level[k] for k in RIVALRY))
        above = any(max(before[k], self.level[k]) >= ESCALATED_LEVEL for k in RIVALRY)
        self.streak = self.streak + 1 if above else 0
        o["escalated"] |= self.streak >= SUSTAINED
        o["escalated_steps"] += above
        self.t += 1
        self.running = self.t < GAME["horizon"]

    def row(self) -> dict:
        o, n = self.out, self.t
        return {"held": o["held"], "break_step": o["break_step"], "open_share": o["open_steps"] / n,
                "engaged_share": o["engaged_steps"] / n, "open_at_end": o["open_at_end"],
                "suspensions": o["suspensions"], "first_suspension": o["first_suspension"],
                "rivalry_peak": self.peak, "escalated": int(o["escalated"]),
                "escalated_at_end": int(any(self.level[k] >= ESCALATED_LEVEL for k in RIVALRY)),
                "escalated_share": o["escalated_steps"] / n, "held_and_escalated": int(o["held"] and o["escalated"]),
                "open_months": o["open_steps"]}


def simulate(runs: int, seed: int = 0) -> dict[str, list]:
    """``runs`` runs, run r seeded ``seed * 1_000_003 + r``: the per-run columns."""
    rows = []
    for r in range(runs):
        model = ScalarNegotiation(seed * 1_000_003 + r)
        while model.running:
            model.step()
        rows.append(model.row())
    return {c: [row[c] for row in rows] for c in COLUMNS}


def agreement(engine: dict, scalar: dict, alpha: float = 0.01) -> tuple[bool, list[tuple[str, float]]]:
    """Whether every column has the same distribution in both models: a two-sample
    Kolmogorov-Smirnov test per column (scipy, asymptotic), Bonferroni-corrected so that the
    chance of a false alarm over all columns is at most ``alpha``. Returns (agree, [(column, p)])."""
    import warnings

    import numpy as np
    from scipy import stats

    ps = []
    for c in COLUMNS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            ps.append((c, float(stats.ks_2samp(np.asarray(engine[c], float), np.asarray(scalar[c], float)).pvalue)))
    return all(p >= alpha / len(ps) for _, p in ps), ps

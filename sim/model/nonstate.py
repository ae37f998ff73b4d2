"""The nonstate population: groups that may misuse frontier models, which the channel exists to stop.

Each group is a Mesa agent (:class:`NonstateGroup`) in the model's AgentSet; like the state actors
it holds its state for every run (lane) as arrays. The arithmetic is done once per step for all
groups and lanes together by :class:`Population` (a groups x lanes matrix), and each agent's
``capability`` and ``intent`` are its row of that matrix, so an ensemble stays vectorised and a
single run is still an ordinary Mesa model whose agents can be inspected.

Each step, after levels and beliefs move and before the outcome trackers:

1. safeguards ``s`` grow while the channel was engaged this step (``s += build (1 - s)``) and
   decay otherwise (``s -= decay s``);
2. each group's capability diffuses toward 1: ``c += diffusion (1 + race_effect rp)
   (1 - control_effect cp) (1 - c)``, with ``rp`` the mean normalised level of the rivalry tracks
   (racing) and ``cp`` that of the control tracks (export controls slow diffusion);
3. each group attempts a misuse with probability ``intent``, and an attempt succeeds with
   probability ``c (1 - effect s)``: a success is a misuse incident;
4. with ``n >= 1`` incidents both actors' risk perception rises by ``n risk``; each actor, with
   probability ``attribution``, blames the other: all its beliefs fall by ``n blame_trust`` and its
   hawkishness rises by ``n blame_hawkishness``. "Both actors" are the channel track's two players
   (with more than two actors, engine only, the others are not touched).

Every group consumes two uniforms per step and every actor one, from the run's own ``nonstate``
stream, whether or not they are used, so common random numbers and twins survive. (The stream
holds the first two actors' attribution draws; an actor beyond them, engine only, draws its own
from the keyed stream ``nonstate:attribution:<name>``, so it shifts none of these numbers.)

Whether a group attempts a misuse depends on the run's numbers and the group's intent only, so the
stream is read once, when the population is made, a few runs at a time (:class:`Numbers`): which
groups attempt at which step, the success uniform of each attempt, and the attribution uniforms.
A step then judges only the attempts of that step; the numbers and every comparison are those of
reading the stream step by step.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa
import numpy as np

from ..scenario.resolved import NonstateDef
from ..streams import keyed_uniform_rows, keyed_uniforms
from .draws import DRAWN_ACTORS

if TYPE_CHECKING:
    from .model import NegotiationModel

Array = np.ndarray


def group_values(spec: NonstateDef, name: str, seed: int, runs: np.ndarray) -> Array:
    """Per group and run values of ``capability`` or ``intent``, shape (groups, runs)."""
    param = spec.group_params[name]
    if not param.uncertain:
        return param.sample(np.zeros((spec.groups, len(runs))))
    u = keyed_uniforms(seed, "param", f"nonstate.{name}", runs, spec.groups)   # (runs, groups)
    return param.sample(u.T)


@dataclass
class Numbers:
    """What a population's steps read of its ``nonstate`` stream (per run ``horizon`` rows of
    ``width`` uniforms: each group's attempt, each group's success, each drawn actor's attribution).

    The attempts of step ``t`` are entries ``start[t]:start[t + 1]`` of ``group``, ``run`` (the
    run's position, not its lanes) and ``success`` (the attempt's success uniform), by group and
    then run. ``blame``: the attribution uniforms, ``(horizon, drawn actors, runs)``."""

    start: Array
    group: Array
    run: Array
    success: Array
    blame: Array

    @classmethod
    def read(cls, rows: Iterable[tuple[int, Array]], intent: Array, horizon: int, width: int) -> Numbers:
        """From the stream's rows (``(i, block)``: the ``(k, horizon * width)`` numbers of runs
        ``i .. i + k - 1``) and the groups' intent ``(groups, runs)``: an attempt is a uniform below
        the group's intent, compared exactly as a step would."""
        g, n = intent.shape
        intent_by_run = np.ascontiguousarray(intent.T)[:, None, :]   # (runs, 1, groups)
        blame = np.empty((horizon, width - 2 * g, n))
        found = []
        for i, block in rows:
            x = block.reshape(len(block), horizon, width)
            # where a uniform is below its group's intent (np.nonzero of this 3-d mask, in the same
            # order, from the flat positions: several times cheaper)
            run, rest = np.divmod(np.flatnonzero(x[:, :, :g] < intent_by_run[i:i + len(x)]), horizon * g)
            t, group = np.divmod(rest, g)
            found.append((t, group, run + i, x[run, t, g + group]))
            blame[:, :, i:i + len(x)] = x[:, :, 2 * g:].transpose(1, 2, 0)
        if found:
            t, group, run, success = (np.concatenate(c) for c in zip(*found))
        else:
            t = group = run = np.zeros(0, dtype=np.int64)
            success = np.zeros(0)
        order = np.lexsort((run, group, t))
        start = np.zeros(horizon + 1, dtype=np.int64)
        np.cumsum(np.bincount(t, minlength=horizon), out=start[1:])
        return cls(start, group[order].astype(np.int64), run[order].astype(np.int64), success[order], blame)


class NonstateGroup(mesa.Agent):
    """One nonstate group in every run: its capability and intent are rows of the population's arrays."""

    def __init__(self, model: mesa.Model, population: Population, index: int):
        super().__init__(model)
        self.population, self.index = population, index

    @property
    def capability(self) -> Array:
        return self.population.capability[self.index]

    @property
    def intent(self) -> Array:
        return self.population.intent[self.index]

    @property
    def incident(self) -> Array:
        """Whether this group caused a misuse incident in the last step, per lane."""
        return self.population.last_hits[self.index]


class Population:
    """State of all groups in all lanes, and the per-step update."""

    def __init__(self, model: NegotiationModel, spec: NonstateDef, tile):
        self.spec = spec
        runs = model.run_ids
        # capability in closed form: c = 1 - (1 - c0) * S, with S per lane the product of (1 - rate)
        # over the steps so far (every group of a lane diffuses at the lane's rate), so a step
        # updates one number per lane, not one per group and lane
        self.initial_capability = tile(group_values(spec, "capability", model.seed_value, runs))
        # 1 - c0 by lane, each lane's groups side by side: the mean capability of a lane in one pass
        self.shortfall = np.ascontiguousarray((1.0 - self.initial_capability).T)
        self.remaining = np.ones(self.initial_capability.shape[1])
        self.intent = tile(group_values(spec, "intent", model.seed_value, runs))
        v = {k: model.values[p] for k, p in spec.params.items()}
        self.p = v
        self.safeguards = v["safeguards_start"].copy()
        lanes = self.safeguards.shape[0]
        self.incidents = np.zeros(lanes, dtype=np.int64)
        self.first_incident = np.full(lanes, -1, dtype=np.int64)
        self.last_incidents = np.zeros(lanes, dtype=np.int64)
        self.hit_at = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))  # (group, lane) of last step's incidents
        actors = model.scenario.actors
        self.width = 2 * spec.groups + min(len(actors), DRAWN_ACTORS)
        # the run's nonstate stream: per step 2 uniforms per group (attempt, success), 1 per actor
        horizon = model.scenario.horizon
        given = getattr(model, "nonstate_u", None)  # a forecast's branches bring their own (branch.py)
        if given is not None:
            stream, self.u_more = given
            rows = ((i, stream[i:i + 64].reshape(-1, horizon * self.width)) for i in range(0, len(stream), 64))
        else:
            rows = keyed_uniform_rows(model.seed_value, "nonstate", "draws", runs, horizon * self.width)
            # actors beyond the first two: one attribution uniform per step each, from their own stream
            self.u_more = [keyed_uniforms(model.seed_value, "nonstate", f"attribution:{a.name}", runs,
                                          horizon) for a in actors[DRAWN_ACTORS:]]
        self.u = Numbers.read(rows, self.intent[:, :len(runs)], horizon, self.width)
        self.groups = [NonstateGroup(model, self, i) for i in range(spec.groups)]

    @property
    def last_hits(self) -> Array:
        """Which groups caused a misuse incident in the last step, (groups, lanes)."""
        out = np.zeros(self.initial_capability.shape, dtype=bool)
        out[self.hit_at] = True
        return out

    @property
    def capability(self) -> Array:
        """Each group's access to frontier capability, (groups, lanes)."""
        return self.capability_of(slice(None))

    def capability_of(self, lanes) -> Array:
        """Capability of every group in ``lanes`` (a slice or index of lanes)."""
        return 1.0 - (1.0 - self.initial_capability[:, lanes]) * self.remaining[lanes]

    def mean_capability(self, lanes) -> Array:
        """Mean capability over the groups of each lane in ``lanes`` (a slice or index of lanes):
        the column means of ``capability_of(lanes)``, each summed over a lane's groups side by side
        (so the same whatever the other lanes, as ``sim.ensemble.runner.per_run_mean``)."""
        x = self.shortfall[lanes] * self.remaining[lanes][:, None]
        return np.subtract(1.0, x, out=x).mean(axis=1)

    def _more(self, i: int, t: int, copies: int) -> Array:
        """Attribution uniform of actor ``i`` (beyond the first two) at step ``t``, per lane."""
        u = self.u_more[i - DRAWN_ACTORS][:, t]
        return np.tile(u, copies) if copies > 1 else u

    @staticmethod
    def pressure(model: NegotiationModel, tracks) -> Array:
        """Mean normalised level (level / top rung) over ``tracks``, per lane (0 without tracks)."""
        tracks = list(tracks)
        if not tracks:
            return np.zeros(len(model.length))
        total = sum(model.tracks[k].level / max(model.tracks[k].top, 1) for k in tracks)
        return total / len(tracks)

    def step(self, model: NegotiationModel, t: int, engaged: Array, alive: Array, copies: int) -> None:
        p = self.p
        s = np.where(engaged, self.safeguards + p["safeguards_build"] * (1 - self.safeguards),
                     self.safeguards - p["safeguards_decay"] * self.safeguards)
        self.safeguards = np.where(alive, np.clip(s, 0.0, 1.0), self.safeguards)
        rp = self.pressure(model, model.scenario.outcomes.rivalry)
        cp = self.pressure(model, self.spec.control_tracks)
        rate = p["diffusion"] * (1 + p["race_effect"] * rp) * (1 - p["control_effect"] * cp)
        # c <- c + rate (1 - c), clipped to [0, 1]: 1 - c shrinks by the factor (1 - rate), and once a
        # rate above 1 has taken c to 1 it stays there
        self.remaining = np.where(alive, np.maximum(self.remaining * (1.0 - rate), 0.0), self.remaining)
        u = self.u                                              # shared by a run's twins
        runs = u.blame.shape[2]
        # an attempt depends on the run's numbers and the group's intent only, the same in every
        # twin lane (read once, Numbers); attempts are rare, so success is judged only where one was made
        attempts = slice(u.start[t], u.start[t + 1])
        group, lanes, success_u = u.group[attempts], u.run[attempts], u.success[attempts]
        if copies > 1:
            lanes = (lanes[None, :] + runs * np.arange(copies)[:, None]).ravel()
            group, success_u = np.tile(group, copies), np.tile(success_u, copies)
        guard = 1 - p["safeguards_effect"][lanes] * self.safeguards[lanes]
        capability = 1.0 - (1.0 - self.initial_capability[group, lanes]) * self.remaining[lanes]
        hits = (success_u < capability * guard) & alive[lanes]
        self.hit_at = (group[hits], lanes[hits])
        n = np.bincount(self.hit_at[1], minlength=self.remaining.shape[0]).astype(np.int64)
        self.last_incidents = n
        self.incidents += n
        hit = np.flatnonzero(n)                                 # the lanes with incidents (few)
        if not len(hit):
            return
        first = hit[self.first_incident[hit] < 0]
        self.first_incident[first] = t - model.origin
        # the incidents' effects, lane by lane where they happened (each array copied: actors' arrays
        # may be shared, e.g. with the sampled parameters)
        n_hit = n[hit]
        players = model.tracks[model.scenario.outcomes.channel].players
        for i, actor in enumerate(model.actors):
            if i not in players:
                continue
            risk = actor.risk_perception.copy()
            risk[hit] = np.clip(risk[hit] + n_hit * p["incident_risk"][hit], 0, 1)
            actor.risk_perception = risk
            u_blame = u.blame[t, i][hit % runs] if i < DRAWN_ACTORS else self._more(i, t, copies)[hit]
            blamed = u_blame < p["incident_attribution"][hit]
            who, n_who = hit[blamed], n_hit[blamed]
            belief = actor.belief.copy()
            belief[who] = np.clip(belief[who] - (n_who * p["incident_blame_trust"][who])[:, None], 0, 1)
            actor.belief = belief
            hawk = actor.hawkishness.copy()
            hawk[who] = np.clip(hawk[who] + n_who * p["incident_blame_hawkishness"][who], 0, 1)
            actor.hawkishness = hawk

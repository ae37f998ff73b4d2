"""State actors as Mesa agents; each holds its state for every run as numpy arrays (docs/model.md)."""

from __future__ import annotations

import mesa
import numpy as np

from ..games import Role
from ..scenario.resolved import ActorDef, ChoiceDef, StrategyDef
from ..strategies import Memory, Observation, remember
from .tracks import TrackState

Array = np.ndarray


def _entry_weights(strat: StrategyDef, k: int, salience, values: dict[str, Array], n_runs: int,
                   n_tracks: int) -> Array:
    """``W[r, j]`` of one rule on track k: the weight of the other's move on track j."""
    W = np.zeros((n_runs, n_tracks))
    if isinstance(strat.linkage, str):
        x = values[strat.linkage]
        others = [j for j in range(n_tracks) if j != k]
        total = sum(salience[j] for j in others)
        if total <= 0:
            W[:, k] = 1.0
            return W
        W[:, k] = 1.0 - x
        for j in others:
            W[:, j] = x * (salience[j] / total)
        return W
    total = sum(values[p] for p in strat.linkage.values()) if strat.linkage else np.zeros(n_runs)
    scale = np.where(total > 1.0, 1.0 / np.where(total > 0, total, 1.0), 1.0)
    for j, p in strat.linkage.items():
        W[:, j] = values[p] * scale
    W[:, k] = np.clip(1.0 - total * scale, 0.0, 1.0)
    return W


def _per_run(entry, values: dict[str, Array], n_runs: int, of) -> Array:
    """``of(rule)`` (an array over runs) for the rule each run plays: a choice (v3) picks per run."""
    if not isinstance(entry, ChoiceDef):
        return of(entry)
    index = values[entry.path]
    out = None
    for i, cand in enumerate(entry.candidates):
        x = of(cand)
        where = (index == i).reshape((n_runs,) + (1,) * (np.ndim(x) - 1))
        out = np.where(where, x, 0.0 if out is None else out)
    return out


def linkage_weights(spec: ActorDef, values: dict[str, Array], n_runs: int) -> Array:
    """``W[r, k, j]``: weight of the other's move on track j in perceived cooperation on track k."""
    n_tracks = len(spec.strategies)
    W = np.zeros((n_runs, n_tracks, n_tracks))
    for k, entry in enumerate(spec.strategies):
        if entry is None:  # not a player on track k: nothing to perceive there
            continue
        W[:, k, :] = _per_run(entry, values, n_runs,
                              lambda s: _entry_weights(s, k, spec.salience, values, n_runs, n_tracks))
    return W


def level_linkage(spec: ActorDef, values: dict[str, Array], n_runs: int, rivalry: list[int]) -> dict:
    """v3: per track with a ``level_linkage``, ``(x, M)``: the weight x per run and ``M[r, j]`` the
    share of rivalry track j in the pressure the rule reads (its linkage's rivalry sources, or every
    rivalry track when the linkage names none)."""
    n_tracks = len(spec.strategies)
    out = {}
    for k, entry in enumerate(spec.strategies):
        if entry is None or not any(c.level_linkage for c in entry.candidates):
            continue

        def sources(s: StrategyDef) -> Array:
            named = [j for j in s.linkage if j in rivalry] if isinstance(s.linkage, dict) else []
            src = named or rivalry
            M = np.zeros((n_runs, n_tracks))
            for j in src:
                M[:, j] = 1.0 / len(src)
            return M

        x = _per_run(entry, values, n_runs, lambda s: values[s.level_linkage] if s.level_linkage
                     else np.zeros(n_runs))
        out[k] = (x, _per_run(entry, values, n_runs, sources))
    return out


class Actor(mesa.Agent):
    """A state (US, China, ...) playing one strategy per track, in every run at once.

    On each track it plays (``TrackDef.players``) it has a seat (0 or 1: which payoffs are its own)
    and an opponent, the other player. On a track it does not play it makes no move, scores
    nothing and perceives nothing; an actor that plays no track is inert (engine only: scenario
    files have two actors who play every track).
    """

    def __init__(self, model: mesa.Model, index: int, spec: ActorDef, values: dict[str, Array],
                 tracks: list[TrackState], n_runs: int):
        super().__init__(model)
        self.index, self.spec, self.name = index, spec, spec.name
        p = {k: values[path].copy() for k, path in spec.params.items()}
        self.noise, self.trust_learning, self.discount = p["noise"], p["trust_learning"], p["discount"]
        self.hawkishness, self.hawk_initial = p["hawkishness"], p["hawkishness"].copy()
        self.hawk_sensitivity, self.hawk_decay = p["hawk_sensitivity"], p["hawk_decay"]
        self.risk_perception, self.risk_initial = p["risk_perception"], p["risk_perception"].copy()
        self.risk_decay = p["risk_decay"]
        self.salience = np.asarray(spec.salience)
        n_tracks = len(tracks)
        self.seat = [t.players.index(index) if index in t.players else None for t in tracks]
        self.opponent = [None if s is None else t.players[1 - s] for t, s in zip(tracks, self.seat)]
        self.plays = np.array([s is not None for s in self.seat], dtype=bool)
        # the one opponent on every track (always so in scenario files), else None
        self.sole_opponent = self.opponent[0] if self.plays.all() and len(set(self.opponent)) == 1 else None
        self.belief = np.repeat(p["trust"][:, None], n_tracks, axis=1)
        self.W = linkage_weights(spec, values, n_runs)
        # per track, the tracks with a non-zero weight in any run (all of them only with linkage)
        self.sources = [[j for j in range(n_tracks) if self.W[:, k, j].any()] for k in range(n_tracks)]
        # per track, the rules it may play (one, or a v3 choice) with their parameters, and which
        # rule each run plays (None: the one rule)
        self.rules: list[list[tuple]] = []
        self.rule_index: list[Array | None] = []
        for k, entry in enumerate(spec.strategies):
            if self.seat[k] is None:
                self.rules.append([])
                self.rule_index.append(None)
                continue
            self.rules.append([(c.rule, self._rule_params(c, values, n_runs),
                                values[c.noise] if c.noise else None) for c in entry.candidates])
            self.rule_index.append(values[entry.path].astype(np.int64) if isinstance(entry, ChoiceDef) else None)
        # where a rule of a choice sets its own noise on the track: (lanes it applies to, its values)
        self.rule_noise: list[tuple] = []
        for k, index in enumerate(self.rule_index):
            own = [(i, r[2]) for i, r in enumerate(self.rules[k]) if r[2] is not None] if index is not None else []
            if not own:
                self.rule_noise.append((None, None))
                continue
            mask, value = np.zeros(n_runs, dtype=bool), np.zeros(n_runs)
            for i, x in own:
                mask |= index == i
                value = np.where(index == i, x, value)
            self.rule_noise.append((mask, value))
        rivalry = [k for k, t in enumerate(tracks) if t.role is Role.RIVALRY]
        self.level_link = {k: (x, M, np.nonzero(M.any(axis=0))[0])
                           for k, (x, M) in level_linkage(spec, values, n_runs, rivalry).items()}
        self.tops = np.array([max(t.top, 1) for t in tracks], dtype=float)
        # memory of play
        self.last = np.ones((n_runs, n_tracks), dtype=bool)
        self.pi = np.ones((n_runs, n_tracks))
        self.pi_prev = np.ones((n_runs, n_tracks))
        self.triggered = np.zeros((n_runs, n_tracks), dtype=bool)
        self.intended = np.ones((n_runs, n_tracks), dtype=bool)
        self.realised = np.ones((n_runs, n_tracks), dtype=bool)
        self.payoff = np.zeros(n_runs)
        self.pay: dict[int, tuple] = {}  # effective payoffs per track at this step's decision
        self.last_payoff = np.zeros((n_runs, n_tracks))

    @staticmethod
    def _rule_params(c: StrategyDef, values: dict[str, Array], n_runs: int) -> dict:
        params = {name: values[path] for name, path in c.params.items()}
        if "rationality" in c.rule.params:
            if "rationality" not in params:
                params["rationality"] = np.full(n_runs, np.inf)
            if c.value_scale == "total":
                params["value_scale_total"] = True
        return params

    @property
    def strategy_params(self) -> list[dict[str, Array]]:
        """The parameters of the rule played on each track (the first rule of a choice)."""
        return [r[0][1] if r else {} for r in self.rules]

    @property
    def trust(self) -> Array:
        """Reported trust: salience-weighted mean of the per-track beliefs."""
        total = np.zeros(self.belief.shape[0])
        for k, w in enumerate(self.salience):
            total = total + w * self.belief[:, k]
        return total

    def observation(self, t: int, k: int, track: TrackState) -> Observation:
        R, S, T, P = self.pay[k] = track.effective(self.seat[k], self.hawkishness, self.risk_perception)
        return Observation(t, self.last[:, k], self.pi[:, k], self.pi_prev[:, k], self.triggered[:, k],
                           self.belief[:, k], R, S, T, P, self.discount)

    def decide(self, t: int, u_strategy: list[Array], u_noise: list[Array],
               forced: list[tuple[Array, Array]]) -> None:
        """Intended moves on every track it plays, then implementation noise (forced moves are not flipped)."""
        for k, rules in enumerate(self.rules):
            if not rules:
                continue
            obs = self.observation(t, k, self.model.tracks[k])
            index = self.rule_index[k]
            if index is None:
                rule, params, override = rules[0]
                want = rule.decide(obs, params, u_strategy[k])
                noise = override if override is not None else self.noise
            else:  # v3: each run plays the rule it drew
                want = np.choose(index, [rule.decide(obs, params, u_strategy[k]) for rule, params, _ in rules])
                mask, override = self.rule_noise[k]
                noise = self.noise if mask is None else np.where(mask, override, self.noise)
            mask, value = forced[k]
            want = np.where(mask, value, want)
            flip = (u_noise[k] < noise) & ~mask
            self.intended[:, k] = want
            self.realised[:, k] = want ^ flip

    def score(self, alive: Array) -> None:
        """Payoffs of this step on every track it plays, against that track's other player."""
        for k, track in enumerate(self.model.tracks):
            if self.seat[k] is None:
                continue
            other = self.model.actors[self.opponent[k]]
            # the payoffs the decision saw: events and learning do not move between the two
            pay = track.score(self.seat[k], self.realised[:, k], other.realised[:, k], payoffs=self.pay[k])
            self.last_payoff[:, k] = np.where(alive, pay, 0.0)
            self.payoff = self.payoff + self.last_payoff[:, k]

    def seen_defections(self) -> Array:
        """``(runs, tracks)``: 1.0 where the other player defected this step, on the tracks it plays
        (0 on the tracks it does not play: it sees nothing there)."""
        actors = self.model.actors
        if self.sole_opponent is not None:
            return (~actors[self.sole_opponent].realised).astype(float)
        out = np.zeros(self.realised.shape)
        for k, j in enumerate(self.opponent):
            if j is not None:
                out[:, k] = ~actors[j].realised[:, k]
        return out

    def learn(self, alive: Array) -> None:
        """Perceived cooperation, beliefs, hawkishness and risk perception after a step."""
        other_d = self.seen_defections()
        pi = np.ones_like(self.pi)
        for k, sources in enumerate(self.sources):
            weighted = np.zeros(other_d.shape[0])
            for j in sources:  # in track order; skipped terms are exact zeros
                weighted = weighted + self.W[:, k, j] * other_d[:, j]
            pi[:, k] = 1.0 - weighted
        if self.level_link:  # v3: the rivalry's standing weighs on perceived cooperation
            tracks = self.model.tracks
            for k, (x, M, rows) in self.level_link.items():
                pressure = np.zeros(pi.shape[0])
                for j in rows:
                    pressure = pressure + M[:, j] * (tracks[j].level / self.tops[j])
                pi[:, k] = pi[:, k] * (1.0 - x * pressure)
        a = alive[:, None] & self.plays  # the memory of a track it does not play stays as it was
        mine = Memory(self.last, self.pi, self.pi_prev, self.triggered, self.belief)
        remember(mine, self.realised, pi, self.trust_learning[:, None], a, out=mine)  # in place
        rivalry_d = sum((other_d[:, k] for k, t in enumerate(self.model.tracks) if t.role is Role.RIVALRY),
                        np.zeros(other_d.shape[0]))
        h = self.hawkishness + self.hawk_sensitivity * rivalry_d \
            - self.hawk_decay * (self.hawkishness - self.hawk_initial)
        self.hawkishness = np.where(alive, np.clip(h, 0.0, 1.0, out=h), self.hawkishness)
        rho = self.risk_perception - self.risk_decay * (self.risk_perception - self.risk_initial)
        self.risk_perception = np.where(alive, np.clip(rho, 0.0, 1.0, out=rho), self.risk_perception)

"""The EMA Workbench adapter: a scenario as a Workbench model, evaluated by the vectorised engine.

    import sim
    model = sim.ema.to_model(sim.load_scenario("scenarios/baseline.yaml"))
    experiments, outcomes = sim.ema.explore(model, experiments=1000, seed=1)
    boxes = sim.ema.discover(experiments, outcomes)      # PRIM on "channel collapsed"

``to_model`` gives an ``ema_workbench.Model`` whose uncertainties are the scenario's
distributions (same distributions, in the parameters' own units), whose levers are the scenario's
``levers:`` and whose outcomes are the headline per-run outcomes. The Workbench normally calls a
model once per experiment; :class:`VectorEvaluator` instead simulates a whole design at once with
the vectorised engine (every experiment is one run, in chunks of a few thousand runs).

Random numbers: experiment ``i`` of scenario (uncertainty sample) ``s`` is run ``s`` of the
scenario's seed, so every policy meets the same random future in the same sampled world (common
random numbers) and results depend only on the design, the seed and the scenario. ``explore``
draws its Latin hypercube with ``scipy.stats.qmc`` from the seed (the Workbench's own samplers use
numpy's global random state, which this project never does).

Needs the optional group ``ema``: ``pip install -e '.[ema]'``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from .analysis.discovery import INSTALL_HINT, inputs, parameter_columns, require_ema  # noqa: F401  (public)
from .errors import UserError
from .scenario.params import Dist
from .scenario.resolved import Scenario
from .streams import generator

def _headline() -> tuple[str, ...]:
    """The per-run outcomes declared in ``sim.results.outcomes`` (bit fields left out)."""
    from .results.outcomes import LENGTH, run_columns

    return tuple(o.column for o in run_columns() if o.kind not in ("bits", "text") and not o.nonstate
                 and o is not LENGTH)
CHUNK_RUNS = 4000


def _uncertainty(ema, path: str, dist: Dist):
    from scipy import stats

    a = dist.args
    if dist.kind == "rule":  # v3: which decision rule; explored evenly (the scenario's weights are for `sim run`)
        return ema.CategoricalParameter(path, list(range(len(a))))
    if dist.kind == "choice":
        return ema.CategoricalParameter(path, sorted(set(a)))
    if dist.kind == "uniform":
        return ema.RealParameter(path, a[0], a[1])
    frozen = {"normal": lambda: stats.norm(a[0], a[1]),
              "triangular": lambda: stats.triang(0.5 if a[2] == a[0] else (a[1] - a[0]) / (a[2] - a[0]),
                                                 loc=a[0], scale=a[2] - a[0]),
              "beta": lambda: stats.beta(a[0], a[1])}[dist.kind]()
    return ema.RealParameter.from_dist(path, frozen)


def outcome_names(scenario: Scenario) -> list[str]:
    """The headline outcomes this scenario's per-run table has (read from a one-run simulation)."""
    from .ensemble.runner import run_table
    from .model.model import NegotiationModel

    model = NegotiationModel(scenario, runs=[0], seed=0, collect=False, grid=False).run()
    cols = run_table(model)
    model.release()
    return [c for c in _headline() if c in cols]


def _refuse(**kwargs):
    raise UserError("sim models are evaluated a whole design at a time: pass "
                    "evaluator=sim.ema.VectorEvaluator(model) (or use sim.ema.explore)")


def to_model(scenario: Scenario, seed: int | None = None):
    """A Workbench ``Model`` of ``scenario``: uncertainties, levers and headline outcomes."""
    ema = require_ema()
    name = "sim" + "".join(c for c in scenario.name if c.isalnum())
    model = ema.Model(name, function=_refuse)
    model.uncertainties = [_uncertainty(ema, p, d) for p, d in scenario.params.items() if d.uncertain]
    levers = []
    for lv in scenario.levers:
        levers.append(ema.RealParameter(lv.name, *lv.range) if lv.range is not None
                      else ema.CategoricalParameter(lv.name, list(lv.values)))
    model.levers = levers
    model.outcomes = [ema.ScalarOutcome(n) for n in outcome_names(scenario)]
    model.sim_scenario = scenario
    model.sim_seed = scenario.seed if seed is None else int(seed)
    return model


def evaluate(scenario: Scenario, values: dict[str, np.ndarray], run_ids: np.ndarray, seed: int,
             outcomes: list[str] | None = None) -> dict[str, np.ndarray]:
    """Simulate one run per row: ``values`` maps parameter paths to per-row values (others as in
    the scenario), row ``i`` uses run ``run_ids[i]``'s random numbers. Returns outcome columns;
    ``break_step`` is NaN where the channel never broke."""
    from .results.tables import never_to_nan
    from .ensemble.runner import run_table
    from .ensemble.sensitivity import Preset
    from .model.model import NegotiationModel

    run_ids = np.asarray(run_ids, dtype=np.int64)
    n = len(run_ids)
    for path, v in values.items():
        if path not in scenario.params:
            raise KeyError(f"'{path}' is not a parameter of {scenario.name}")
        if len(v) != n:
            raise ValueError(f"{path}: {len(v)} values for {n} rows")
    parts = []
    for a in range(0, n, CHUNK_RUNS):
        b = min(a + CHUNK_RUNS, n)
        params = dict(scenario.params)
        for path, v in values.items():
            params[path] = Preset(scenario.param_ranges[path].clip(np.asarray(v[a:b], dtype=float)))
        model = NegotiationModel(replace(scenario, params=params), runs=run_ids[a:b], seed=seed, collect=False,
                                 grid=False).run()
        table = run_table(model)
        model.release()
        parts.append({k: never_to_nan(k, table[k]).astype(float) for k in (outcomes or _headline()) if k in table})
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _base():
    require_ema()
    from ema_workbench.em_framework.evaluators import BaseEvaluator

    return BaseEvaluator


class _Lazy(type):
    """Build the evaluator class on first use, so ``import sim.ema`` works without the Workbench."""

    _cls = None

    def __call__(cls, *args, **kwargs):
        if _Lazy._cls is None:
            _Lazy._cls = _make_evaluator()
        return _Lazy._cls(*args, **kwargs)


class VectorEvaluator(metaclass=_Lazy):
    """A Workbench evaluator that simulates every experiment of a design in one vectorised call.

    ``VectorEvaluator(model)`` works wherever the Workbench takes an evaluator, e.g.
    ``ema_workbench.perform_experiments(model, 500, evaluator=sim.ema.VectorEvaluator(model))``.
    """


def _make_evaluator():
    from ema_workbench.em_framework.points import experiment_generator

    class _VectorEvaluator(_base()):
        def initialize(self):
            pass

        def finalize(self):
            pass

        def evaluate_experiments(self, scenarios, policies, callback, combine="factorial", **kwargs):
            (model,) = self._msis
            experiments = list(experiment_generator(scenarios, [model], policies, combine=combine))
            s = model.sim_scenario
            lever_path = {lv.name: lv.path for lv in s.levers}
            names = [u.name for u in model.uncertainties] + [lv.name for lv in model.levers]
            values = {lever_path.get(nm, nm): np.array([float(e.scenario.get(nm, e.policy.get(nm, np.nan)))
                                                       for e in experiments]) for nm in names}
            values = {p: v for p, v in values.items() if not np.isnan(v).all()}
            ids: dict[Any, int] = {}
            run_ids = np.array([ids.setdefault(e.scenario.name, len(ids)) for e in experiments])
            out = evaluate(s, values, run_ids, model.sim_seed, [o.name for o in model.outcomes])
            for i, e in enumerate(experiments):
                callback(e, {k: v[i] for k, v in out.items()})

    _VectorEvaluator.__name__ = _VectorEvaluator.__qualname__ = "VectorEvaluator"
    return _VectorEvaluator


def design(model, experiments: int, seed: int) -> tuple[list, list]:
    """A Latin hypercube of ``experiments`` rows over the uncertainties and levers, as Workbench
    scenarios and policies (zipped: one policy per scenario), drawn from ``seed`` with scipy."""
    require_ema()
    from ema_workbench import Policy
    from ema_workbench import Scenario as EmaScenario
    from scipy.stats import qmc

    params = list(model.uncertainties) + list(model.levers)
    rng = generator(seed, "explore")  # apart from runs, Mesa and --design lhs
    try:
        sampler = qmc.LatinHypercube(d=len(params), rng=rng)
    except TypeError:  # scipy < 1.15
        sampler = qmc.LatinHypercube(d=len(params), seed=rng)
    u = np.clip(sampler.random(experiments), 1e-12, 1 - 1e-12)
    cols = {}
    for j, p in enumerate(params):
        cats = getattr(p, "categories", None)
        if cats is not None:
            idx = np.minimum((u[:, j] * len(cats)).astype(int), len(cats) - 1)
            values = [c.value for c in cats]
            cols[p.name] = [values[k] for k in idx]
        else:
            cols[p.name] = p.dist.ppf(u[:, j])
    n_unc = len(model.uncertainties)
    scenarios = [EmaScenario(i, **{p.name: float(cols[p.name][i]) for p in params[:n_unc]}) for i in range(experiments)]
    policies = [Policy(f"policy {i}", **{p.name: float(cols[p.name][i]) for p in params[n_unc:]})
                for i in range(experiments)]
    return scenarios, policies


def explore(model_or_scenario, experiments: int = 1000, seed: int | None = None):
    """Open exploration: a Latin hypercube over uncertainties and levers, one run per experiment.

    Returns the Workbench's ``(experiments, outcomes)``: a DataFrame with one row per experiment
    (parameter values, ``scenario``, ``policy``, ``model``) and a dict of outcome arrays.
    """
    import logging

    require_ema()
    from ema_workbench import perform_experiments

    model = model_or_scenario if hasattr(model_or_scenario, "sim_scenario") else to_model(model_or_scenario, seed)
    seed = model.sim_seed if seed is None else int(seed)
    scenarios, policies = design(model, experiments, seed)
    quiet = logging.getLogger("EMA")  # progress goes to this logger (log_progress), kept at WARNING
    level = quiet.level
    quiet.setLevel(logging.WARNING)
    try:
        if model.levers:
            return perform_experiments(model, scenarios=scenarios, policies=policies, combine="sample",
                                       evaluator=VectorEvaluator(model), log_progress=True)
        return perform_experiments(model, scenarios=scenarios, evaluator=VectorEvaluator(model), log_progress=True)
    finally:
        quiet.setLevel(level)


def collapsed(outcomes: dict) -> np.ndarray:
    """Per experiment: did the channel collapse (``held == 0``)?"""
    return np.asarray(outcomes["held"]) == 0

"""Memory an ensemble will need, estimated before simulating, and a refusal above a limit.

A chunk of runs holds one uniform number per run, step and random slot (the dynamics block:
8 bytes x horizon x slots x runs in the chunk) plus small per-run state; every worker process
holds one chunk at a time; the analysis reads a few outcome columns of every run; a kept
trajectory table holds every run's every step. The estimate adds these up; it is an upper bound
of the peak resident memory of ``sim run`` and within 1.6 times of it (``tests/test_hardening.py``
measures one case). An ensemble above the limit is refused with one line and exit status 2; the
limit is half of this machine's memory by default, raised with ``--max-memory`` (e.g.
``--max-memory 64G``) or the ``SIM_MAX_MEMORY`` environment variable.
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from dataclasses import dataclass

from .errors import UserError

#: the memory of a process that has imported the simulator (numpy, Mesa, pandas, matplotlib)
BASE_BYTES = 300 * 2**20
#: the per-process overhead of a worker (its own imports)
WORKER_BYTES = 250 * 2**20
#: numpy temporaries while a chunk's block is filled and read (measured: ~7% over the block)
BLOCK_OVERHEAD = 1.15
#: margin over the rates :func:`probe` measures (allocator overhead, fragmentation)
MEASURED_MARGIN = 1.1
#: chunks the formula puts under this are not probed (small ensembles start at once); the model
#: measured at most 15 times the formula (the v2 baseline with its population: 1.8 kB per run-step)
PROBE_ABOVE = 64 * 2**20
#: margin on the whole estimate, so that it stays above the peak: peaks 3-7% above the bare sum
#: were measured (allocator and import overheads vary between machines and library versions)
UPPER_MARGIN = 1.1

_limit: int | None = None

# -- time ------------------------------------------------------------------------------------------
#: seconds per run, step and lane (a run and each of its twins), and per unit of work (a random
#: slot of a run's step: an event, an actor on a track, a nonstate group). Measured on the
#: development machine (2 cores, Python 3.11, numpy 2; `sim.ensemble.runner.simulate_chunk` of
#: 1,000 runs): 1.9e-6 s per run-step-lane for the v3 baseline (60 slots, 10 lanes), 1.5e-6 for
#: lesson 8, 4e-6 for lesson 1 (10 steps: per-step overhead); the constants are about twice the
#: slowest of these, so the estimate is generous (an upper bound on such a machine, not a forecast).
SECONDS_PER_RUN_STEP = 4e-6
SECONDS_PER_UNIT = 3e-8
#: the default --max-time: two hours of simulation
DEFAULT_MAX_TIME = 2 * 3600
_time_limit: float | None = None


def parse_duration(text: str) -> float:
    """``"2h"``, ``"90m"``, ``"45s"``, ``"3600"`` (seconds) -> seconds; ValueError otherwise."""
    m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([smhd]?)\s*", str(text), re.IGNORECASE)
    if not m:
        raise ValueError(f"expected a duration such as 2h, 90m or 3600 (seconds), got '{text}'")
    value = float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2).lower()]
    if not 0 < value < 10**9:
        raise ValueError(f"expected a duration above 0, got '{text}'")
    return value


def duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.2g} s"


@contextmanager
def time_limited(value: float | None):
    """The time limit set to ``value`` seconds (``--max-time``) for a block, then restored."""
    global _time_limit
    previous, _time_limit = _time_limit, value
    try:
        yield
    finally:
        _time_limit = previous


def time_limit() -> float:
    """``--max-time``, else ``SIM_MAX_TIME``, else :data:`DEFAULT_MAX_TIME` (seconds)."""
    return _configured(_time_limit, "SIM_MAX_TIME", parse_duration, lambda: DEFAULT_MAX_TIME)


def work(scenario, runs: int) -> tuple[int, int, int]:
    """(lanes, slots, units): a run and its twins; the random slots of a step (events, actors on
    tracks, nonstate groups); units = steps x slots x runs x lanes."""
    twins = getattr(scenario, "twins", None)
    lanes = 1 if twins is None else 2 + len(twins)   # the pacified twin, where there is one, and the declared
    nonstate = getattr(scenario, "nonstate", None)
    slots = len(scenario.events) + len(scenario.tracks) * len(scenario.actors) + (nonstate.groups if nonstate else 0)
    return lanes, slots, scenario.horizon * slots * int(runs) * lanes


def seconds_needed(scenario, runs: int, workers: int = 1) -> float:
    lanes, slots, units = work(scenario, runs)
    serial = scenario.horizon * int(runs) * lanes * SECONDS_PER_RUN_STEP + units * SECONDS_PER_UNIT
    return serial / max(1, min(int(workers), os.cpu_count() or 1))


def check_time(scenario, runs: int, workers: int = 1) -> float:
    """Refuse (UserError) an ensemble whose estimated simulation time is above :func:`time_limit`."""
    cap = time_limit()
    seconds = seconds_needed(scenario, runs, workers)
    if seconds > cap:
        lanes, slots, units = work(scenario, runs)
        raise UserError(f"{scenario.name}: {runs:,} runs x {scenario.horizon:,} steps x {slots} random slots x "
                        f"{lanes} lane(s) (a run and its twins) = {units:.3g} units of work would take about "
                        f"{duration(seconds)}, above the limit of {duration(cap)}; use fewer runs or a shorter "
                        "horizon, or raise the limit with --max-time (e.g. --max-time 24h)")
    return seconds


def parse_size(text: str) -> int:
    """``"8G"``, ``"512M"``, ``"2.5GiB"``, ``"1000000"`` -> bytes; ValueError otherwise."""
    m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([kmgt]?)(i?b)?\s*", str(text), re.IGNORECASE)
    if not m:
        raise ValueError(f"expected a size such as 8G or 512M, got '{text}'")
    scale = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}[m.group(2).lower()]
    value = float(m.group(1)) * scale
    if not 0 < value < 2**63:
        raise ValueError(f"expected a size above 0, got '{text}'")
    return int(value)


def set_limit(value: int | str | None) -> int | None:
    """Set the limit for this process; None restores the default. Returns the previous setting."""
    global _limit
    previous = _limit
    _limit = parse_size(value) if isinstance(value, str) else value
    return previous


@contextmanager
def limited(value: int | str | None):
    """The limit set to ``value`` (``--max-memory``) for the duration of a block, then restored."""
    previous = set_limit(value)
    try:
        yield
    finally:
        set_limit(previous)


def physical_memory() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def _configured(given, variable: str, parse, default):
    """A limit: the one given on the command line, else the environment ``variable`` (parsed),
    else ``default()``."""
    if given is not None:
        return given
    env = os.environ.get(variable)
    if env:
        try:
            return parse(env)
        except ValueError as exc:
            raise UserError(f"{variable}: {exc}") from None
    return default()


def limit() -> int:
    """The memory an ensemble may use: ``--max-memory``, else ``SIM_MAX_MEMORY``, else half the RAM."""
    def half_the_ram() -> int:
        total = physical_memory()
        return total // 2 if total else 8 * 2**30

    return _configured(_limit, "SIM_MAX_MEMORY", parse_size, half_the_ram)


@dataclass(frozen=True)
class Estimate:
    total: int
    per_chunk: int
    chunk_runs: int
    processes: int
    measured: bool = False   # False: the formula alone, a lower bound of what the model needs

    def __str__(self) -> str:
        size = f"about {gib(self.total)}" if self.measured else f"at least {gib(self.total)}"
        return (f"{size} ({self.processes} process(es) x {gib(self.per_chunk)} per chunk of "
                f"{self.chunk_runs:,} runs, plus the analysis)")


def gib(n: float) -> str:
    return f"{n / 2**30:.1f} GiB" if n >= 2**30 else f"{n / 2**20:.0f} MiB"


#: the probe's chunks: runs and steps. Both above the few-run, few-step regime where a peak is a
#: fixed buffer rather than a sum: the nonstate stream is read through a 64-row buffer and a
#: short run's peak is its set-up, so chunks of 8 or 24 runs and steps measured no per-run-step
#: cost at all, and the estimate fell below the real peak from about 4,000 steps.
PROBE_RUNS = (80, 240)
PROBE_STEPS = (40, 120)


def probe(scenario, simulate) -> tuple[float, float, float]:
    """(bytes per run and step, bytes per run, bytes per step) of simulating ``scenario``, measured.

    ``simulate(scenario, n)`` simulates ``n`` runs of a scenario (the simulation layer passes
    its own: :func:`sim.ensemble.runner.check_memory`), so this module imports no simulation.

    Four small chunks (:data:`PROBE_RUNS` runs, each of :data:`PROBE_STEPS` steps, at most the
    scenario's horizon) are simulated under ``tracemalloc`` (numpy reports its arrays to it).
    Memory is bilinear in runs and steps (a + b.runs + c.steps + d.runs.steps: the per-step term is
    bookkeeping shared by a chunk's runs), so the four peaks give all three rates, whatever the
    model keeps per run and step (twins, populations). About 2 s of CPU; it runs only when the
    formula alone does not decide.
    """
    import dataclasses
    import tracemalloc

    def peak(n: int, horizon: int) -> int:
        small = dataclasses.replace(scenario, horizon=min(horizon, scenario.horizon))
        tracemalloc.start()
        try:
            simulate(small, n)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    peak(4, 4)  # warm-up: first-use imports and caches are not the model's memory
    h0, h1 = min(PROBE_STEPS[0], scenario.horizon), min(PROBE_STEPS[1], scenario.horizon)
    n0, n1 = PROBE_RUNS
    a, b, c, e = peak(n0, h0), peak(n0, h1), peak(n1, h0), peak(n1, h1)
    steps, more = h1 - h0, n1 - n0
    per_run_step = max(0.0, (e - c - b + a) / (more * steps)) if steps > 0 else 0.0
    per_step = max(0.0, (b - a) / steps - n0 * per_run_step) if steps > 0 else 0.0
    per_run = max(0.0, (c - a) / more - per_run_step * h0)
    return per_run_step, per_run, per_step


def estimate(scenario, runs: int, chunk_size: int = 2000, workers: int = 1,
             keep_trajectories: bool = False, measured: tuple[float, float] | None = None) -> Estimate:
    """Peak memory of simulating and analysing ``runs`` runs of ``scenario`` (bytes, estimated).

    ``measured`` is :func:`probe`'s (per run and step, per run, per step) rates; a chunk's memory is the
    larger of them (with a margin) and the formula from the random numbers and per-run state.
    """
    n_actors, n_tracks, n_events = len(scenario.actors), len(scenario.tracks), len(scenario.events)
    horizon = scenario.horizon
    window = scenario.outcomes.window
    chunk = max(1, min(int(runs), int(chunk_size)))
    slots = 1 + n_events + 2 * n_actors * n_tracks
    block = 8 * horizon * slots * chunk * BLOCK_OVERHEAD  # shared by a run's twins
    # a run's twins (a pacified one and any declared, where the model has them) each carry state
    twins = getattr(scenario, "twins", None)
    lanes = 1 if twins is None else 2 + len(twins)
    state = lanes * chunk * (window + 8 * (64 + 16 * n_actors * n_tracks + len(scenario.params)))
    traj = 0
    if keep_trajectories:
        columns = 3 + n_tracks * (1 + n_actors) + n_actors
        traj = chunk * horizon * columns * 40  # arrays, then their CSV text
    per_chunk = block + state
    if measured is not None:
        per_run_step, per_run, per_step = measured
        per_chunk = max(per_chunk, MEASURED_MARGIN * (chunk * (per_run_step * horizon + per_run) + per_step * horizon))
    per_chunk = int(per_chunk + traj)
    processes = max(1, int(workers))
    columns = 8 + 2 * n_tracks + n_events + len(scenario.uncertain())
    analysis = int(runs) * columns * 8 * 3   # the outcome columns, read back as floats (3 copies)
    total = BASE_BYTES + processes * per_chunk + (processes - 1) * WORKER_BYTES * (processes > 1) + analysis
    return Estimate(int(total * UPPER_MARGIN), per_chunk, chunk, processes, measured is not None)


def check(scenario, runs: int, chunk_size: int = 2000, workers: int = 1, keep_trajectories: bool = False,
          simulate=None) -> Estimate:
    """Refuse (UserError) an ensemble whose estimated memory is above :func:`limit`.

    The formula alone decides when it already refuses; otherwise, given ``simulate`` (see
    :func:`probe`), the model's own rates are measured (a fraction of a second) and decide."""
    check_time(scenario, runs, workers)
    cap = limit()
    est = estimate(scenario, runs, chunk_size, workers, keep_trajectories)
    if simulate is not None and est.processes * est.per_chunk > PROBE_ABOVE and est.total <= cap:
        est = estimate(scenario, runs, chunk_size, workers, keep_trajectories, measured=probe(scenario, simulate))
    if est.total > cap:
        raise UserError(f"{scenario.name}: {runs:,} runs x {scenario.horizon:,} steps x {len(scenario.tracks)} "
                        f"tracks would need {est}, above the limit of {gib(cap)}; use fewer runs, a smaller "
                        "--chunk-size or horizon, or raise the limit with --max-memory (e.g. --max-memory 64G)")
    return est

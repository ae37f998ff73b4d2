"""Random streams: every stream the project reserves, declared here, and the one factory of generators.

No global random state is used, and no module of ``sim/`` but this one constructs a numpy
``SeedSequence``, bit generator or ``Generator`` (``tests/test_streams.py`` checks both). A base
module: numpy and the standard library only. Two kinds of stream, both fixed by a seed alone:

- **Spawn-key streams** (:data:`SPAWN_KEYS`): a PCG64 generator seeded by
  ``SeedSequence(seed, spawn_key=key)``, made by :func:`generator` (or, for many runs at once, the
  same numbers by :func:`spawn_uniforms`). The key of a purpose is fixed here; some keys have a
  part the caller gives (a run index, a game number).
- **Keyed streams** (:data:`KEYED_STREAMS`, :func:`keyed_uniforms`): one counter-based Philox
  generator per purpose, keyed by ``(seed, "kind:name")`` where the name comes from the scenario (a
  parameter's path such as ``"param:actors.US.noise"``, an event's name such as ``"event:Leaders'
  call"``) or is fixed by the engine (``"nonstate:draws"``, ``"posterior:rows"``). Run ``r`` reads
  the block of numbers at counter ``r``, so it can be read without drawing the runs before it.
  Because the key is the *name*, not a position, adding, removing or reordering parameters or
  events never re-draws the others: common random numbers survive edits of a scenario.
  :func:`keyed_uniform_rows` gives the same numbers a few runs at a time.

Every key below is what it has always been: changing one would change results that tests pin.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SpawnKey:
    """A reserved ``spawn_key``: ``template`` holds fixed integers and, as text, the names of the
    parts the caller gives, in order (each a non-negative integer)."""

    template: tuple[int | str, ...]
    purpose: str

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(x for x in self.template if isinstance(x, str))

    def key(self, *sub: int) -> tuple[int, ...]:
        if len(sub) != len(self.parts):
            raise TypeError(f"spawn key {self.template} takes {len(self.parts)} part(s) {self.parts}, got {len(sub)}")
        given = iter(int(x) for x in sub)
        return tuple(next(given) if isinstance(x, str) else x for x in self.template)


#: Every spawn key the project reserves, by purpose.
SPAWN_KEYS: dict[str, SpawnKey] = {
    "dynamics": SpawnKey(("run", 1), "run r's dynamics block: per step the continuation, strategy and noise uniforms "
                                     "(sim/model/draws.py)"),
    "mesa": SpawnKey((2**32 - 1,), "the Mesa model's own generator (Model.rng), not used by the dynamics "
                                   "(sim/model/model.py)"),
    "design": SpawnKey((2**32 - 2,), "the Latin hypercube of `--design lhs` over an ensemble's uncertain parameters "
                                     "(sim/ensemble/design.py)"),
    "moran": SpawnKey((2**32 - 2,), "the Moran process of a tournament's results folder (sim/tournament/store.py)"),
    "explore": SpawnKey((2**32 - 3,), "the EMA Workbench exploration design (sim/ema.py)"),
    "hidden_strategy": SpawnKey((7, "game"), "the computer's hidden strategy in classroom game n "
                                             "(sim/classroom/play.py)"),
    "class_mode": SpawnKey((9, "seat", "game"), "class mode (sim/classroom/classmode.py), game n: seat 0 the room's "
                                                "draws (pairing order, length), seat s >= 1 student s's computer opponent"),
    "evolution": SpawnKey((), "the seed's root stream: a Moran process given a plain seed "
                              "(sim.tournament.moran(seed=...), the classroom's live tournament)"),
}

#: Declared keys that coincide (for some parts), each with why the two never meet. They are kept
#: because changing either key would change pinned results; no other pair may coincide.
SHARED_KEYS: dict[frozenset[str], str] = {
    frozenset({"design", "moran"}): "(2**32 - 2,): an ensemble's Latin hypercube and a tournament's Moran process; "
                                    "a tournament has no uncertain parameters, so one seed never feeds both",
    frozenset({"dynamics", "hidden_strategy"}): "(7, 1): run 7's dynamics and classroom game 1's hidden strategy; "
                                                "a classroom match is run 0 of its seed",
}

#: Every kind of keyed stream, by prefix, with what it is for. A stream's full key is
#: ``prefix + ":" + name``; names come from the scenario (parameter paths, event names) or are fixed.
KEYED_STREAMS: dict[str, str] = {
    "param": "one uniform per run per sampled parameter, keyed by the parameter's path "
             "(and `nonstate.capability`, `nonstate.intent`: one per group per run)",
    "event": "one uniform per run per step per event, keyed by the event's name",
    "nonstate": "the nonstate population's per-step draws (groups' attempts and successes, attribution), name `draws`",
    "posterior": "which row of a posterior table a run takes, name `rows`",
    "thaw": "v3: one uniform per run per step for the thaw draw of a track that events can freeze, keyed by "
            "the track's name",
    "actor": "the dynamics slots (strategy, noise per step and track) of an actor beyond the first two, "
             "keyed by the actor's name (engine only: scenario files have two actors)",
    "branch": "v3: a forecast's fresh numbers after the seam (sim/model/branch.py), name `dynamics` (the dynamics "
              "block's rows), `event:<name>`, `thaw:<track>`, `nonstate:draws` or `nonstate:attribution:<actor>`; "
              "branch b of accepted run r reads the block at counter r * 2**32 + b",
}


def spawn_key(purpose: str, *sub: int) -> tuple[int, ...]:
    """The spawn key of ``purpose`` (a key of :data:`SPAWN_KEYS`) with the caller's parts ``sub``."""
    if purpose not in SPAWN_KEYS:
        raise KeyError(f"undeclared random stream {purpose!r}")
    return SPAWN_KEYS[purpose].key(*sub)


def generator(seed: int | np.random.SeedSequence | None, purpose: str, *sub: int) -> np.random.Generator:
    """The PCG64 generator of stream ``purpose`` under ``seed``: ``SeedSequence(seed, spawn_key=key)``.

    ``seed`` may also be ``None`` (fresh entropy from the operating system, for callers that ask
    for it) or, for the root stream (``evolution``), a ``SeedSequence`` the caller made, used as is.
    """
    key = spawn_key(purpose, *sub)
    if isinstance(seed, np.random.SeedSequence):
        if key:
            raise ValueError(f"stream {purpose!r} takes an integer seed, not a SeedSequence")
        return np.random.Generator(np.random.PCG64(seed))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))


# numpy's SeedSequence (numpy/random/bit_generator.pyx) and PCG64 seeding (pcg64.h), for
# :func:`spawn_uniforms`: the constants of its hash and the 128-bit LCG multiplier
_INIT_A, _MULT_A, _INIT_B, _MULT_B = 0x43b0d7e5, 0x931e8875, 0x8b51f9dd, 0x58f38ded
_MIX_L, _MIX_R, _MASK32, _POOL = 0xca01f9dd, 0x4973f715, 0xFFFFFFFF, 4
_PCG_MULT, _MASK128 = 0x2360ED051FC65DA44385DF649FCCF645, (1 << 128) - 1


def _words(x: int) -> list[int]:
    """A non-negative integer as SeedSequence reads it: 32-bit words, least significant first."""
    out = [x & _MASK32] if x == 0 else []
    while x > 0:
        out.append(x & _MASK32)
        x >>= 32
    return out


def _seed_states(seed: int, key: list) -> list[tuple[int, int]]:
    """``(state, inc)`` of ``PCG64(SeedSequence(seed, spawn_key=k))`` for several spawn keys ``k``
    given part by part (``key``: each part an integer, the same in every key, or an array of one
    value per key; every value below 2**32): SeedSequence's hash worked out for all keys at once
    (uint32 arithmetic over arrays), then PCG64's seeding (128-bit integers)."""
    u32 = np.uint32
    run_words = _words(int(seed))
    entropy: list = [u32(w) for w in run_words] + [u32(0)] * max(0, _POOL - len(run_words))
    entropy += [u32(x) if isinstance(x, int) else np.asarray(x, dtype=np.uint64).astype(u32) for x in key]
    n = max((len(x) for x in key if not isinstance(x, int)), default=1)

    hc = _INIT_A

    def hashmix(value):
        nonlocal hc
        value = value ^ u32(hc)
        hc = (hc * _MULT_A) & _MASK32
        value = value * u32(hc)
        return value ^ (value >> u32(16))

    def mix(x, y):
        r = u32(_MIX_L) * x - u32(_MIX_R) * y
        return r ^ (r >> u32(16))

    with np.errstate(over="ignore"):
        pool = [hashmix(entropy[i] if i < len(entropy) else u32(0)) for i in range(_POOL)]
        for src in range(_POOL):
            for dst in range(_POOL):
                if src != dst:
                    pool[dst] = mix(pool[dst], hashmix(pool[src]))
        for src in range(_POOL, len(entropy)):
            for dst in range(_POOL):
                pool[dst] = mix(pool[dst], hashmix(entropy[src]))
        hb, state = _INIT_B, []
        for i in range(8):   # generate_state(4, uint64): 8 words
            v = pool[i % _POOL] ^ u32(hb)
            hb = (hb * _MULT_B) & _MASK32
            v = v * u32(hb)
            state.append(np.broadcast_to(v ^ (v >> u32(16)), (n,)).astype(np.uint64))
    w = [state[2 * j] | (state[2 * j + 1] << np.uint64(32)) for j in range(4)]   # little-endian uint64 words
    out = []
    for w0, w1, w2, w3 in zip(*(x.tolist() for x in w)):
        initstate, initseq = (w0 << 64) | w1, (w2 << 64) | w3
        inc = ((initseq << 1) | 1) & _MASK128
        st = (((inc + initstate) & _MASK128) * _PCG_MULT + inc) & _MASK128   # srandom: step, add, step
        out.append((st, inc))
    return out


def spawn_uniforms(seed: int, purpose: str, subs, shape: tuple[int, ...]) -> np.ndarray:
    """``(len(subs), *shape)`` uniforms: row i is ``generator(seed, purpose, subs[i]).random(shape)``.

    The same numbers, made several times more cheaply: one PCG64 bit generator is put in the state
    numpy's ``PCG64(SeedSequence(seed, spawn_key=key))`` starts in (:func:`_seed_states`) for each
    row in turn, instead of a SeedSequence, a PCG64 and a Generator per row. ``purpose`` takes one
    part, ``subs`` (non-negative); a part from 2**32 up, or a seed that is not an integer, is
    drawn the ordinary way (tests/test_fast_paths.py compares the two).
    """
    subs = [int(x) for x in subs]
    out = np.empty((len(subs), *shape))
    if not subs:
        return out
    if not isinstance(seed, (int, np.integer)) or max(subs) > _MASK32 or min(subs) < 0:
        for i, x in enumerate(subs):
            out[i] = generator(seed, purpose, x).random(shape)
        return out
    bits = np.random.PCG64(0)
    gen = np.random.Generator(bits)
    spawn_key(purpose, subs[0])   # a declared purpose of one part
    key = [np.asarray(subs) if isinstance(x, str) else x for x in SPAWN_KEYS[purpose].template]
    for i, (st, inc) in enumerate(_seed_states(int(seed), key)):
        bits.state = {"bit_generator": "PCG64", "state": {"state": st, "inc": inc}, "has_uint32": 0, "uinteger": 0}
        gen.random(out=out[i])
    return out


def stream_key(seed: int, kind: str, name: str) -> np.ndarray:
    """The 128-bit Philox key of stream ``kind:name`` under ``seed`` (stable across versions)."""
    if kind not in KEYED_STREAMS:
        raise KeyError(f"undeclared random stream kind {kind!r}")
    digest = hashlib.sha256(f"{kind}:{name}".encode()).digest()
    words = [int.from_bytes(digest[i:i + 4], "little") for i in range(0, 16, 4)]
    return np.random.SeedSequence(int(seed), spawn_key=tuple(words)).generate_state(2, np.uint64)


def keyed_uniform_rows(seed: int, kind: str, name: str, runs: np.ndarray, per_run: int,
                       rows: int = 64) -> Iterator[tuple[int, np.ndarray]]:
    """The numbers of :func:`keyed_uniforms`, a few runs at a time: yields ``(i, block)`` with
    ``block`` the ``(k, per_run)`` uniforms of runs ``runs[i:i + k]`` (``k <= rows``), in order.

    The same numbers as ``keyed_uniforms(seed, kind, name, runs, per_run)[i:i + k]`` (each stretch
    of consecutive runs is one Philox generator drawing on, exactly as there), but the block is one
    small buffer, reused: read it before taking the next (a large stream need never be held whole).
    The buffer has ``rows`` rows however few the runs, so its memory grows with ``per_run`` only
    (what :func:`sim.budget.probe` measures on a few runs is then what a large chunk holds).
    """
    runs = np.asarray(runs, dtype=np.int64)
    if len(runs) == 0 or per_run == 0:
        return
    width = -(-per_run // 4)
    key = stream_key(seed, kind, name)
    buf = np.empty((rows, 4 * width))
    breaks = np.nonzero(np.diff(runs) != 1)[0] + 1
    for part in np.split(np.arange(len(runs)), breaks):
        bits = np.random.Philox(key=key)
        if runs[part[0]]:
            bits.advance(int(runs[part[0]]) * width)
        gen = np.random.Generator(bits)
        for i in range(int(part[0]), int(part[-1]) + 1, rows):
            k = min(rows, int(part[-1]) + 1 - i)
            gen.random(out=buf[:k])
            yield i, buf[:k, :per_run]


def keyed_uniforms(seed: int, kind: str, name: str, runs: np.ndarray, per_run: int = 1) -> np.ndarray:
    """``(len(runs), per_run)`` uniforms of stream ``kind:name``; row i belongs to run ``runs[i]`` only.

    Run ``r`` owns the Philox counter block starting at ``r * ceil(per_run / 4)`` (each counter
    step yields four 64-bit outputs), so its numbers are the same whatever other runs are drawn.
    """
    runs = np.asarray(runs, dtype=np.int64)
    out = np.empty((len(runs), per_run))
    if len(runs) == 0 or per_run == 0:
        return out
    width = -(-per_run // 4)  # counter steps per run
    key = stream_key(seed, kind, name)
    # contiguous stretches of run indices are drawn in one go
    breaks = np.nonzero(np.diff(runs) != 1)[0] + 1
    for part in np.split(np.arange(len(runs)), breaks):
        first = int(runs[part[0]])
        bits = np.random.Philox(key=key)
        if first:
            bits.advance(first * width)
        rows = slice(int(part[0]), int(part[-1]) + 1)   # the stretch's rows of ``out``
        if 4 * width == per_run:   # the block is exactly the rows: drawn into them, no copy
            np.random.Generator(bits).random(out=out[rows])
        else:
            out[rows] = np.random.Generator(bits).random((len(part), 4 * width))[:, :per_run]
    return out

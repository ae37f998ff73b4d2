"""Random streams: every reserved key is declared once in sim/streams.py, and only that module
makes numpy generators.

- The declared spawn keys are what they have always been (results are pinned on them) and are
  pairwise distinct, except the pairs declared in ``SHARED_KEYS`` with the reason they never meet.
- No module under ``sim/`` but ``sim/streams.py`` constructs a ``SeedSequence``, a bit generator
  (``PCG64``, ``Philox``, ...), a ``Generator`` or ``default_rng``, or touches numpy's or Python's
  global random state (checked on the source with ``ast``).
"""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import numpy as np
import pytest

from sim import streams

ROOT = Path(__file__).resolve().parents[1]
SIM = ROOT / "sim"


def test_spawn_keys_are_the_historic_ones():
    """Changing any of these changes pinned results: they stay exactly as they were."""
    key = streams.spawn_key
    assert key("dynamics", 5) == (5, 1)
    assert key("mesa") == (2**32 - 1,)
    assert key("design") == (2**32 - 2,)
    assert key("moran") == (2**32 - 2,)
    assert key("explore") == (2**32 - 3,)
    assert key("hidden_strategy", 3) == (7, 3)
    assert key("evolution") == ()
    assert key("class_mode", 4, 2) == (9, 4, 2)
    assert set(streams.SPAWN_KEYS) == {"dynamics", "mesa", "design", "moran", "explore", "hidden_strategy", "evolution",
                                       "class_mode"}
    assert set(streams.KEYED_STREAMS) == {"param", "event", "nonstate", "posterior", "actor", "thaw", "branch"}


def test_generator_is_pcg64_of_the_seed_sequence():
    """The factory gives exactly numpy's PCG64 of SeedSequence(seed, spawn_key=key)."""
    for purpose, sub in [("dynamics", (12,)), ("mesa", ()), ("hidden_strategy", (1,)), ("evolution", ())]:
        ours = streams.generator(2026, purpose, *sub).random(8)
        ref = np.random.Generator(np.random.PCG64(np.random.SeedSequence(2026, spawn_key=streams.spawn_key(purpose, *sub))))
        assert np.array_equal(ours, ref.random(8)), purpose
    # a plain int seed's root stream is what numpy makes of the int itself
    assert np.array_equal(streams.generator(7, "evolution").random(4), np.random.Generator(np.random.PCG64(7)).random(4))
    ss = np.random.SeedSequence(9, spawn_key=(4,))
    assert np.array_equal(streams.generator(ss, "evolution").random(4),
                          np.random.Generator(np.random.PCG64(np.random.SeedSequence(9, spawn_key=(4,)))).random(4))


def test_undeclared_streams_are_refused():
    with pytest.raises(KeyError):
        streams.generator(0, "my_new_purpose")
    with pytest.raises(KeyError):
        streams.keyed_uniforms(0, "undeclared", "x", np.arange(3))
    with pytest.raises(TypeError):
        streams.spawn_key("dynamics")          # the run index is missing


def _can_coincide(a: tuple, b: tuple) -> bool:
    """Whether two key templates give the same key for some values of their variable parts (text)."""
    return len(a) == len(b) and all(isinstance(x, str) or isinstance(y, str) or x == y for x, y in zip(a, b))


def test_reserved_spawn_keys_are_distinct():
    """No two declared spawn keys coincide, whatever their variable parts, except the declared pairs;
    and keyed streams (4-word spawn keys) never coincide with them."""
    keys = streams.SPAWN_KEYS
    coincide = {frozenset({a, b}) for a, b in itertools.combinations(keys, 2)
                if _can_coincide(keys[a].template, keys[b].template)}
    assert coincide == set(streams.SHARED_KEYS), "a new pair of coinciding keys: give one of them a free key"
    assert all(len(k.template) != 4 for k in keys.values())   # the keyed streams' spawn keys have 4 words
    assert all(k.purpose for k in keys.values()) and all(streams.KEYED_STREAMS.values())


def test_the_checker_finds_coincidences():
    assert _can_coincide(("run", 1), (7, "game")) and _can_coincide((3,), (3,))
    assert not _can_coincide((3,), (4,)) and not _can_coincide(("run", 1), ("x",)) and not _can_coincide((1, 2), (1, 3))


# --------------------------------------------------------------------------------------------
# Only sim/streams.py makes generators
# --------------------------------------------------------------------------------------------

def _dotted(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def random_constructions(source: str) -> list[str]:
    """Every place in ``source`` that makes a numpy stream or uses global random state."""
    tree = ast.parse(source)
    found, imported = [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "random" or alias.name.startswith("numpy.random"):
                    found.append(f"line {node.lineno}: import {alias.name}")
        elif isinstance(node, ast.ImportFrom):
            if node.module in ("numpy.random", "random") or (node.module == "numpy" and
                                                             any(a.name == "random" for a in node.names)):
                found.append(f"line {node.lineno}: from {node.module} import ...")
                imported |= {a.asname or a.name for a in node.names}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _dotted(node.func)
            parts = name.split(".")
            if "random" in parts[:-1] or parts[0] in imported:   # np.random.X(...), or a name from numpy.random
                found.append(f"line {node.lineno}: {name}(...)")
    return found


def test_only_the_streams_module_makes_generators():
    offenders = {}
    for path in sorted(SIM.rglob("*.py")):
        if path == SIM / "streams.py":
            continue
        hits = random_constructions(path.read_text(encoding="utf-8"))
        if hits:
            offenders[str(path.relative_to(ROOT))] = hits
    assert not offenders, offenders


def test_the_scan_sees_what_it_must():
    """The scanner flags every way of making a stream, and leaves type checks and method calls alone."""
    assert random_constructions("import numpy as np\nrng = np.random.default_rng(1)\n")
    assert random_constructions("import numpy as np\ng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(1)))\n")
    assert random_constructions("import numpy\nb = numpy.random.Philox(key=k)\n")
    assert random_constructions("from numpy.random import default_rng\nrng = default_rng(0)\n")
    assert random_constructions("import numpy as np\nnp.random.seed(0)\n")
    assert random_constructions("import random\nrandom.random()\n")
    assert random_constructions(Path(SIM / "streams.py").read_text(encoding="utf-8"))
    assert not random_constructions("import numpy as np\ndef f(g: np.random.Generator):\n"
                                    "    return isinstance(g, np.random.Generator) and g.random(3)\n")

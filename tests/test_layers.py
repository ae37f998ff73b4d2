"""The package's layers, checked on the source: who may import whom (docs/architecture.md).

Every ``import`` in ``sim/`` is read with :mod:`ast`, including imports inside functions (the
CLI imports lazily, so a runtime check alone would miss them), and followed transitively. The
rules: every module of ``sim/`` sits on one floor of :data:`FLOORS` (the table of
docs/architecture.md) and imports only from its floor or the ones below; ``sim.ensemble``
(simulation) and ``sim.analysis`` (reading results) never reach each other, and only the floors
above them compose them; the scenario reader (``source.py``) never reaches the resolved model.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parents[1] / "sim"

#: modules every layer may use: no simulation, no I/O of results
BASE = {"sim", "sim.distributions", "sim.errors", "sim.games", "sim.lazy", "sim.ranges", "sim.strategies",
        "sim.streams"}


def _modules() -> dict[str, Path]:
    out = {}
    for path in SIM.rglob("*.py"):
        parts = list(path.relative_to(SIM.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """The ``sim`` modules that ``name`` imports anywhere in its source (lazy imports included)."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = parts[: len(parts) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for a in node.names:
                found.add(f"{module}.{a.name}" if f"{module}.{a.name}" in MODULES else module)
    out = set()
    for m in found:
        while m and m not in MODULES:  # `import sim.x.y` of a package attribute: the module itself
            m = m.rpartition(".")[0]
        if m.startswith("sim"):
            out.add(m)
            # importing sim.a.b runs sim/a/__init__.py first
            parent = m.rpartition(".")[0]
            while parent:
                out.add(parent)
                parent = parent.rpartition(".")[0]
    out.discard(name)
    return out


@cache
def graph() -> dict[str, frozenset[str]]:
    return {name: frozenset(_imports(name, path)) for name, path in MODULES.items()}


def reach(start: str) -> set[str]:
    """Every module imported, directly or not, by ``start`` or any module inside it."""
    g = graph()
    todo = [m for m in g if m == start or m.startswith(start + ".")]
    seen = set(todo)
    while todo:
        for nxt in g[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def path_to(start: str, target: str) -> list[str]:
    """One import chain from ``start`` to a module inside ``target`` (for the failure message)."""
    g = graph()
    prev = {m: None for m in g if m == start or m.startswith(start + ".")}
    todo = list(prev)
    while todo:
        m = todo.pop(0)
        if m == target or m.startswith(target + "."):
            chain = [m]
            while prev[chain[-1]] is not None:
                chain.append(prev[chain[-1]])
            return chain[::-1]
        for nxt in sorted(g[m]):
            if nxt not in prev:
                prev[nxt] = m
                todo.append(nxt)
    return []


def inside(module: str, packages: set[str]) -> bool:
    """Whether ``module`` is one of ``packages`` or inside one (``sim`` itself only as itself:
    its ``__init__`` imports nothing until a name is used)."""
    return any(module == p or (p != "sim" and module.startswith(p + ".")) for p in packages)


ALLOWED = {
    "sim.results": BASE | {"sim.results"},
    "sim.scenario": BASE | {"sim.results", "sim.scenario"},
    "sim.model": BASE | {"sim.results", "sim.scenario", "sim.model"},
}
FORBIDDEN = {
    "sim.ensemble": {"sim.analysis", "sim.workflow", "sim.commands", "sim.cli", "sim.api"},
    "sim.analysis": {"sim.ensemble", "sim.workflow", "sim.commands", "sim.cli", "sim.api"},
    "sim.scenario.source": {"sim.scenario.resolved"},  # the reader stands below the resolved model
}

#: every top-level module or package of ``sim/``, floor by floor (docs/architecture.md): a
#: module imports only from its own floor or the floors below (imports inside functions included)
FLOORS = (
    BASE | {"sim.budget", "sim.figsave"},
    {"sim.results"},
    {"sim.scenario"},
    {"sim.model"},
    {"sim.theory"},
    {"sim.ensemble", "sim.analysis"},
    {"sim.ema", "sim.calibrate", "sim.forecast", "sim.tournament", "sim.classroom"},
    {"sim.workflow"},
    {"sim.api"},
    {"sim.commands"},
    {"sim.cli", "sim.__main__"},
)


def unit(module: str) -> str:
    """The top-level module or package ``module`` belongs to (``sim.ensemble.runner`` -> ``sim.ensemble``)."""
    return ".".join(module.split(".")[:2])


def floor(module: str) -> int:
    return next(i for i, units in enumerate(FLOORS) if unit(module) in units)


def test_every_module_has_a_floor():
    """A new root module or package must be placed (here and in docs/architecture.md) before it passes."""
    placed = set().union(*FLOORS)
    assert not sorted({unit(m) for m in MODULES} - placed)


def test_every_floor_is_in_the_architecture_doc():
    """docs/architecture.md's table has one row per floor, in order, naming each module of that floor."""
    doc = (SIM.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    rows = [line for line in doc.splitlines() if line.startswith("| ") and "`sim/" in line.split("|")[1]]
    assert len(rows) == len(FLOORS)
    for row, units in zip(rows, FLOORS):
        for name in sorted(units - {"sim", "sim.__main__"}):
            path = name.replace(".", "/") + ("/" if (SIM.parent / name.replace(".", "/")).is_dir() else ".py")
            assert f"`{path}`" in row.split("|")[1], f"{path} is not in its floor's row of docs/architecture.md"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_imports_from_a_floor_above_it(module):
    above = sorted(m for m in graph()[module] if floor(m) > floor(module))
    assert not above, (f"{module} (floor {floor(module)}) imports {above[0]} (floor {floor(above[0])}): "
                       f"move the code down, or pass a callable from above")


def test_no_import_cycle_between_top_level_units():
    """Lazy imports included: no two of the top-level modules and packages import each other."""
    g = graph()
    units: dict[str, set[str]] = {}
    for m, deps in g.items():
        units.setdefault(unit(m), set()).update(unit(d) for d in deps if unit(d) != unit(m) and d != "sim")
    for a in units:
        seen, todo = set(), list(units[a])
        while todo:
            b = todo.pop()
            assert b != a, f"import cycle through {a}"
            if b not in seen:
                seen.add(b)
                todo.extend(units.get(b, ()))


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_lower_layers_reach_nothing_above_them(layer):
    above = sorted(m for m in reach(layer) if not inside(m, ALLOWED[layer]))
    assert not above, f"{layer} reaches {above[0]}: " + " -> ".join(path_to(layer, above[0]))


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_forbidden_reaches(layer):
    """Simulation and analysis never import each other; the scenario reader never the resolved model."""
    bad = sorted(m for m in reach(layer) if inside(m, FORBIDDEN[layer]))
    assert not bad, f"{layer} reaches {bad[0]}: " + " -> ".join(path_to(layer, bad[0]))


def test_the_checker_sees_lazy_and_relative_imports():
    """The checker is not vacuous: the workflow composes both sides (through imports inside its
    functions), and a relative import two levels up resolves to the right module."""
    assert inside("sim.ensemble.store", reach("sim.workflow"))
    assert "sim.ensemble.store" in graph()["sim.workflow"]  # a lazy import inside a function
    assert "sim.analysis.run_folder" in graph()["sim.workflow"]
    assert "sim.results.tables" in graph()["sim.analysis.run_folder"]  # `from ..results.tables import`
    assert path_to("sim.workflow", "sim.analysis")[0] == "sim.workflow"
    assert not inside("sim.model", BASE) and inside("sim.results.tables", {"sim.results"})


def test_importing_the_scenario_language_loads_no_simulation():
    """At run time too: loading a scenario imports neither Mesa nor the model, ensemble or analysis."""
    code = ("import sys; import sim.scenario.load, sim.scenario.resolved, sim.results.tables; "
            "bad = sorted(m for m in sys.modules if m == 'mesa' or m.startswith(('sim.model', 'sim.ensemble', "
            "'sim.analysis', 'mesa.'))); print(bad); sys.exit(1 if bad else 0)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=SIM.parent)
    assert proc.returncode == 0, proc.stdout + proc.stderr

"""The package's layers, checked on the source: who may import whom (docs/architecture.md).

Every ``import`` in ``sim/`` is read with :mod:`ast`, including imports inside functions (the
CLI imports lazily, so a runtime check alone would miss them), and followed transitively. The
rules: the scenario language reaches nothing above it; the results layer reaches only the base;
``sim.ensemble`` (simulation) and ``sim.analysis`` (reading results) never reach each other, and
only :mod:`sim.workflow` (and the commands and API above it) composes them.
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
BASE = {"sim", "sim.errors", "sim.games", "sim.lazy", "sim.ranges", "sim.strategies", "sim.streams"}


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
}


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_lower_layers_reach_nothing_above_them(layer):
    above = sorted(m for m in reach(layer) if not inside(m, ALLOWED[layer]))
    assert not above, f"{layer} reaches {above[0]}: " + " -> ".join(path_to(layer, above[0]))


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_simulation_and_analysis_never_import_each_other(layer):
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

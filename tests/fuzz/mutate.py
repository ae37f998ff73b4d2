"""Generic mutations of scenario files, for the fuzz test and the fuzz campaign.

The mutator knows nothing of the scenario language: it takes the merged YAML tree of whatever
scenarios exist (``scenarios/*.yaml`` and lessons, ``extends:`` resolved) and changes it the ways
an attacker or a careless colleague would: values replaced by hostile ones (infinities, huge
integers, path-like names, mathtext, control characters, degenerate distributions), keys deleted,
renamed, duplicated under colliding names, types swapped; then, sometimes, the YAML text itself is
damaged (a character dropped or inserted, an alias or tag added, a line duplicated). New keys in
the scenario language are mutated as soon as a shipped scenario uses them.

    case = make_case(random.Random(7))   # -> Case(text, note)
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]

HOSTILE: list[Any] = [
    None, "", " ", "x", "*", ".", "..", "../../escape", "/abs/escape", "a/b", "a.b", "t.US", "US.R",
    "$\\x$", "$", "a,b\"c", "new\nline", "tab\there", "é中文", "x" * 300, "CON", ".hidden",
    0, 1, -1, 2, 3, 36, 10**6, 10**9, 10**12, 2**31, 2**63, -(2**63), 10**30,
    0.0, 0.5, 1.0, -0.5, 1.5, 1e-300, 1e300, 1e308, float("inf"), float("-inf"), float("nan"),
    True, False, [], {}, [1, 2], ["a", "b"], {"a": 1}, [[[[1]]]],
    {"uniform": [0.2, 0.2]}, {"uniform": [1, 0]}, {"uniform": [-1e308, 1e308]},
    {"triangular": [0.3, 0.3, 0.3]}, {"triangular": [0, 0, 0]}, {"triangular": [1, 0.5, 0]},
    {"normal": [0.5, 0]}, {"normal": [0, 1e300]}, {"normal": [0.5, 1e-300]},
    {"beta": [1e-300, 1e-300]}, {"beta": [1e300, 1e300]}, {"beta": [0, 1]},
    {"choice": []}, {"choice": [0.4]}, {"choice": [0.1, "a"]}, {"unifrom": [0, 1]},
    "2024-02-30", "9999-06-01", "0001-01-01", "tit_for_tat", "always_defect", "chicken", "channel",
]
DATES = ["9999-06-01", "9999-12-31", "0001-01-01", "2024-02-29"]
KEY_HOSTILE = ["", "*", "a.b", "t.US", "US", "China", "$\\x$", "x,y", "..", "../x", "name", "extends",
               "events", "tracks+", "X" * 120, "1"]
TEXT_INSERTS = [":", "- ", "[", "]", "{", "}", "&a ", "*a", "!!int ", "!!float ", "!!timestamp ", "!!binary ",
                "!!python/object:os.system ", "!foo ", "\t", "\"", "'", "\\ud800", "<<: *a\n", "? ", "|\n",
                "%YAML 1.1\n", "---\n", "...\n", "#", "\x00", "\ufeff", "\u2028"]

#: values written into the YAML text as they are (unquoted), so YAML itself builds them
RAW_VALUES = ["2024-02-30", "2024-01-01 25:00:00", "9999-06-01", "0000-01-01", "!!int abc", "!!float x",
              "!!bool maybe", "!!binary abc", "!!timestamp 2024-13-01", "!!set {a, b}", "!!omap [a: 1]",
              "!!python/tuple [1]", "!unknown 3", ".inf", "-.inf", ".nan", "0x7fffffffffffffffffff",
              "1e400", "-0", "0o777", "1_000", "~", "&x 1", "*nope", "'unterminated", "[1, [2, [3", "{a: 1",
              "\"\\ud800\"", "\"\\x00\"", "@reserved", "`reserved", "| \n  block", "> \n  folded",
              "<<: {a: 1}", "? complex", "- item", "2**63", "10**12"]


@dataclass(frozen=True)
class Case:
    text: str
    note: str


@lru_cache(maxsize=None)
def base_trees() -> tuple[tuple[str, dict], ...]:
    """(name, merged data) of every shipped scenario, ``extends:`` resolved."""
    from sim.scenario.source import read_source

    files = sorted((ROOT / "scenarios").glob("*.yaml")) + sorted((ROOT / "scenarios" / "lessons").glob("*.yaml"))
    return tuple((f.stem, _anchored(f, read_source(f).data)) for f in files)


def _anchored(file: Path, data: dict) -> dict:
    """``data`` with paths relative to ``file`` made absolute (a case is written elsewhere)."""
    if isinstance(data.get("reference_class"), str):
        data = {**data, "reference_class": str((file.parent / data["reference_class"]).resolve())}
    return data


def _paths(node: Any, path: tuple = (), out: list | None = None) -> list[tuple]:
    """Every path in ``node``, depth first (a node before its children), into one list."""
    if out is None:
        out = []
    out.append(path)
    if isinstance(node, dict):
        for k, v in node.items():
            _paths(v, path + (k,), out)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            _paths(v, path + (i,), out)
    return out


def _get(node: Any, path: tuple) -> Any:
    for p in path:
        node = node[p]
    return node


def _hostile(rng: random.Random) -> Any:
    value = rng.choice(HOSTILE)
    if rng.random() < 0.05:  # nesting
        for _ in range(rng.choice([5, 30, 60])):
            value = [value]
    return copy.deepcopy(value)


def mutate_tree(tree: dict, rng: random.Random) -> tuple[dict, list[str]]:
    """Apply one to four structural mutations; return the tree and what was done."""
    tree = copy.deepcopy(tree)
    notes = []
    for _ in range(rng.choice([1, 1, 1, 2, 2, 3, 4])):
        paths = _paths(tree)[1:]
        if not paths:
            break
        path = rng.choice(paths)
        parent = _get(tree, path[:-1])
        key = path[-1]
        op = rng.choice(["replace", "replace", "replace", "delete", "rename", "copy_key", "swap", "scale", "date"])
        if op == "replace":
            parent[key] = _hostile(rng)
        elif op == "delete":
            del parent[key]
        elif op == "rename" and isinstance(parent, dict):
            new = rng.choice(KEY_HOSTILE + [f"{key}.US", str(key).upper(), str(key).replace("_", "-"),
                                            f"{key} ", str(key).title()])
            parent[new] = parent.pop(key)
        elif op == "copy_key" and isinstance(parent, dict):  # a near-duplicate key (slug/case collision)
            new = rng.choice([str(key).upper(), str(key).replace("_", " "), f"{key}.US", f"{key}!", f"{key}-"])
            parent[new] = copy.deepcopy(parent[key])
        elif op == "swap":
            value = parent[key]
            parent[key] = ([value] if not isinstance(value, list) else {"x": value}) if rng.random() < 0.5 else str(value)
        elif op == "scale" and isinstance(parent[key], (int, float)) and not isinstance(parent[key], bool):
            parent[key] = parent[key] * rng.choice([-1, 0, 10**6, 10**12, 1e300])
        elif op == "date":
            parent[key] = rng.choice(DATES)
        else:
            parent[key] = _hostile(rng)
        notes.append(f"{op} {'.'.join(map(str, path))}")
    return tree, notes


#: libyaml's emitter where PyYAML has it: about four times faster than the pure-Python one, which
#: took two thirds of the time of making a case. It writes the same text for the same tree except in
#: about 1 tree in 140 (an empty key as `'': v` rather than `? ''`; a long quoted string folded
#: elsewhere), and yaml.safe_load reads those back to the same tree (checked on 3,000 mutated trees).
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _dump(tree: Any) -> str:
    try:
        return yaml.dump(tree, Dumper=_DUMPER, sort_keys=False, allow_unicode=True, width=120)
    except (yaml.YAMLError, ValueError, RecursionError):
        return yaml.dump({"name": "unrepresentable"}, Dumper=_DUMPER)


def mutate_text(text: str, rng: random.Random) -> tuple[str, str]:
    """Damage the YAML text once."""
    op = rng.choice(["drop", "insert", "dupline", "truncate", "anchor", "indent", "raw", "raw", "raw"])
    if not text:
        return text, "empty"
    i = rng.randrange(len(text))
    if op == "drop":
        return text[:i] + text[i + 1:], f"drop char {i}"
    if op == "insert":
        return text[:i] + rng.choice(TEXT_INSERTS) + text[i:], f"insert at {i}"
    lines = text.splitlines(keepends=True)
    j = rng.randrange(len(lines))
    if op == "raw":  # the value of a `key: value` line (or a list item) replaced by raw YAML
        candidates = [k for k, line in enumerate(lines) if ": " in line or line.lstrip().startswith("- ")]
        if candidates:
            j = rng.choice(candidates)
            line = lines[j]
            cut = line.index(": ") + 2 if ": " in line else line.index("- ") + 2
            return "".join(lines[:j] + [line[:cut] + rng.choice(RAW_VALUES) + "\n"] + lines[j + 1:]), \
                f"raw value at line {j + 1}"
    if op == "dupline":
        return "".join(lines[: j + 1] + lines[j:]), f"duplicate line {j + 1}"
    if op == "truncate":
        return "".join(lines[:j]), f"truncate at line {j + 1}"
    if op == "anchor":
        bomb = "bomb: &b0 [x, x, x, x, x, x, x, x, x]\n" + "".join(
            f"b{k}: &b{k} [{', '.join([f'*b{k - 1}'] * 9)}]\n" for k in range(1, rng.choice([3, 6, 9])))
        return bomb + text, "alias bomb"
    return "".join(lines[:j] + [" " + lines[j]] + lines[j + 1:]), f"indent line {j + 1}"


def make_case(rng: random.Random) -> Case:
    """One mutated scenario file's text."""
    name, tree = rng.choice(base_trees())
    tree, notes = mutate_tree(tree, rng)
    text = _dump(tree)
    if rng.random() < 0.4:
        text, note = mutate_text(text, rng)
        notes.append(note)
    return Case(text, f"{name}: {'; '.join(notes)}")


# -- families: mutations aimed at one part of the scenario language ------------------------------

#: keys of model version 3 (a path through any of them belongs to the "v3" family)
V3_KEYS = {"tags", "thaw_rate", "level_linkage", "value_scale", "choice", "weights", "reference_class", "set",
           "skip_tags", "mechanism", "freeze", "thaw", "fired_tag"}

#: family name -> whether a path (a tuple of keys and indices) belongs to it
FAMILIES = {
    "patterns": lambda p: p[:1] == ("patterns",) and len(p) > 1,
    "when": lambda p: len(p) > 3 and p[0] == "events" and p[2] == "when",
    "twins": lambda p: p[:1] == ("twins",) and len(p) > 1,
    "nonstate": lambda p: p[:1] == ("nonstate",) and len(p) > 1,
    "v3": lambda p: any(k in V3_KEYS for k in p if isinstance(k, str)),
    "table": lambda p: False,  # the calibration table itself: see table_case
}


@lru_cache(maxsize=None)
def family_trees() -> tuple[tuple[str, dict], ...]:
    """The shipped scenarios and the calibration record (patterns), ``extends:`` resolved."""
    from sim.scenario.source import read_source

    extra = sorted((ROOT / "scenarios" / "history").glob("*.yaml"))
    return base_trees() + tuple((f.stem, _anchored(f, read_source(f).data)) for f in extra)


def _gentle(value: Any, rng: random.Random, tree: dict, key: Any) -> Any:
    """A plausible edit a careless colleague makes: a number nudged, or a value that the same key
    holds elsewhere in the file (another track's name for `track:`, another tag for `tags:`)."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return type(value)(value * rng.choice([0, 0.5, 0.9, 1.1, 2]))
    same = [_get(tree, p) for p in _paths(tree) if p and p[-1] == key]
    same = [v for v in same if type(v) is type(value)] or [value]
    if isinstance(value, str) or rng.random() < 0.5:
        return copy.deepcopy(rng.choice(same))
    if isinstance(value, list) and value:
        out = copy.deepcopy(value)
        rng.shuffle(out)
        return out[: rng.randint(1, len(out))]
    return copy.deepcopy(rng.choice(same))


@lru_cache(maxsize=None)
def _owners(family: str) -> tuple[tuple[str, dict], ...]:
    """The trees with a path in ``family`` (the trees are never changed: a case copies its own)."""
    return tuple((n, t) for n, t in family_trees() if any(FAMILIES[family](p) for p in _paths(t)))


def make_family_case(rng: random.Random, family: str) -> Case:
    """One scenario mutated only inside ``family``'s part of the language: half the edits gentle
    (plausible values, so many cases are accepted and run), half hostile (as make_case)."""
    if family == "table":
        return table_case(rng)
    name, tree = rng.choice(_owners(family))
    tree = copy.deepcopy(tree)
    notes = []
    for _ in range(rng.choice([1, 1, 2])):
        paths = [p for p in _paths(tree) if p and FAMILIES[family](p)]
        if not paths:
            break
        path = rng.choice(paths)
        parent, key = _get(tree, path[:-1]), path[-1]
        op = rng.choice(["gentle"] * 6 + ["hostile", "delete"])
        if op == "gentle":
            parent[key] = _gentle(parent[key], rng, tree, key)
        elif op == "hostile":
            parent[key] = _hostile(rng)
        else:
            del parent[key]
        notes.append(f"{family} {op} {'.'.join(map(str, path))}")
    return Case(_dump(tree), f"{name}: {'; '.join(notes)}")


#: cells of a calibration table: good numbers, then the hostile ones
TABLE_CELLS = ["0.1", "0.5", "0.9", "0.3", "0.7", "", "x", "=1+1", "@SUM(1+1)", "nan", "inf", "-inf", "1e309",
               "-1", "2", "1.5", "0x10", " 0.5", "0,5", "'0.5", "1e-400", "\"0.4\""]


@lru_cache(maxsize=None)
def _table_columns() -> list[str]:
    """The baseline's uncertain numeric parameters (a table's possible columns)."""
    from sim.scenario.load import load_scenario

    scenario = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    return [p for p, v in scenario.uncertain().items() if getattr(v, "kind", "") != "rule" and not p.endswith(".delay")]


def table_case(rng: random.Random) -> Case:
    """The baseline drawing its parameters from a calibration table (``parameters: {from: table.csv}``)
    with a few columns of its uncertain parameters and cells mostly good, sometimes hostile. The
    table's text follows the scenario's after a line ``#TABLE#`` (check.write_case splits them)."""
    columns = rng.sample(_table_columns(), rng.choice([1, 2, 3]))
    if rng.random() < 0.1:
        columns.append(rng.choice(["actors.US.nope", "param.actors.US.noise", "", "a,b"]))
    rows = []
    for _ in range(rng.choice([1, 3, 10])):
        rows.append(",".join(rng.choice(TABLE_CELLS[:5]) if rng.random() < 0.9 else rng.choice(TABLE_CELLS)
                             for _ in columns))
    table = ",".join(f"param.{c}" if c and not c.startswith("param.") else c for c in columns) + "\n" + \
        "\n".join(rows) + "\n"
    tree = copy.deepcopy(dict(base_trees())["baseline"])
    tree["parameters"] = {"from": "table.csv"}
    return Case(_dump(tree) + "#TABLE#\n" + table, f"table: {columns} x {len(rows)} rows")

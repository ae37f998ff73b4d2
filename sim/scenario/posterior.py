"""``parameters: {from: posterior.csv}``: every run takes one whole row of a posterior table.

The row is chosen by the run's own stream (the keyed stream ``posterior:rows``, so no other draw
shifts), and the row's values replace that run's sampled values of every parameter the table
names, jointly: the correlations the calibration found survive. Columns named ``param.<path>`` name parameters (as in
``runs.csv``); every such path must exist in the scenario. Other columns (statistics) are ignored.

Every cell of a ``param.`` column is checked when the scenario is loaded: a plain decimal number
(no text, formula, empty cell, NaN or infinity), within its parameter's range; a ``delay`` a whole
number of steps no longer than the scenario's delay allows; a rule index (a v3 choice of rules) a
whole number naming one of the rules. A bad cell is one line naming ``file:row:column``.

**Who sets a parameter the table names** (one rule, :func:`claim`): a value given after the
scenario is read (``--set``, a sweep's ``--vary`` or ``sweep:`` section, a lever sweep) or varied by
an analysis (the Sobol design of ``sim sensitivity``, ``sim discover``'s experiments) would be
replaced by the table in every run. That is refused with one line, unless the user asks for it
(``--override-posterior``, or ``override: [paths]`` under ``parameters:``): the parameter is then
taken out of the table (its column is ignored, the rest of each row still applies) and listed in
``parameters.override``, which the results folder's ``scenario.yaml``, ``summary.json`` and
manifest record.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated

from pydantic import Field

from ..lazy import lazy
from .errors import Origin, ScenarioError, suggest
from .spec import Spec

np = lazy("numpy", __name__)  # imported on first use: `sim validate` never needs numpy

PARAM_PREFIX = "param."
#: name of the keyed stream that picks each run's posterior row (kind "posterior", drawn in sim/model/draws.py)
POSTERIOR_STREAM = "rows"
#: the largest posterior table read (a calibration keeps a few hundred rows; 200,000 rows of 30
#: parameters are about 100 MB)
MAX_TABLE_BYTES = 200_000_000
#: the command-line flag that lets a set value win over the table
FLAG = "--override-posterior"

#: a plain decimal number, as a calibration writes it (no formula, no `1_000`, no `nan`/`inf`)
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


class ParametersSpec(Spec):
    """``parameters: {from: FILE, override: [PATH, ...]}`` (FILE relative to the scenario file that
    says it; ``override`` lists table columns whose scenario value applies instead of the table's)."""

    from_: Annotated[str, Field(alias="from", min_length=1)]
    override: list[str] = []


@dataclass(frozen=True, eq=False)
class Posterior:
    """Rows of jointly calibrated parameter values: ``values[:, j]`` is parameter ``paths[j]``.

    ``columns[j]`` is the 1-based column of ``paths[j]`` in the file; ``overridden`` are table
    columns the scenario sets itself (not applied); ``raw`` the file's bytes as read and checked,
    copied into every results folder (sim/results/folders.py)."""

    file: str
    paths: tuple[str, ...]
    values: np.ndarray = field(repr=False)
    columns: tuple[int, ...] = ()
    overridden: tuple[str, ...] = ()
    raw: bytes | None = field(default=None, repr=False)
    allow_override: bool = False  # loaded with --override-posterior: a set value may win over the table

    @property
    def rows(self) -> int:
        return self.values.shape[0]

    @property
    def sha256(self) -> str | None:
        return hashlib.sha256(self.raw).hexdigest() if self.raw is not None else None

    def column_of(self, path: str) -> int | None:
        return self.columns[self.paths.index(path)] if self.columns and path in self.paths else None

    def without(self, paths) -> Posterior:
        """The table with the columns of ``paths`` no longer applied (listed in ``overridden``)."""
        drop = [p for p in self.paths if p in set(paths)]
        if not drop:
            return self
        keep = [j for j, p in enumerate(self.paths) if p not in drop]
        return replace(self, paths=tuple(self.paths[j] for j in keep), values=self.values[:, keep],
                       columns=tuple(self.columns[j] for j in keep) if self.columns else (),
                       overridden=tuple(sorted({*self.overridden, *drop})))


# -- reading and checking the table ---------------------------------------------------------------


def _cell_error(path: Path, row: int, column: str | None, message: str) -> ScenarioError:
    """A one-line error at ``file:row:column`` (row: the CSV record, the header being row 1)."""
    where = f"{path}:{row}" + (f":{column}" if column is not None else "")
    return ScenarioError(message, Origin(where))


def _shown(cell: str) -> str:
    return repr(cell if len(cell) <= 40 else cell[:37] + "...")


def _read_rows(path: Path, fail) -> tuple[bytes, list[tuple[int, list[str]]]]:
    """The file's bytes and its records (row number, cells), header first, blank lines left out.

    A record's row number is the line of the file it ends on (the header is row 1), so it is the
    line an editor shows for every table without line breaks inside quoted cells."""
    import csv
    import io
    import os
    import stat

    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise fail(f"'{path}' is not a regular file")
        if info.st_size > MAX_TABLE_BYTES:
            raise fail(f"'{path}' has {info.st_size:,} bytes; a posterior table is at most {MAX_TABLE_BYTES:,}")
        raw = path.read_bytes()
    except OSError as exc:
        raise fail(f"cannot read '{path}' ({exc.strerror or exc.__class__.__name__})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = raw[: exc.start].count(b"\n") + 1
        raise _cell_error(path, row, None, "the table is not UTF-8 text") from None
    rows: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        for record in reader:
            if record and any(c.strip() for c in record):
                rows.append((reader.line_num, record))
    except csv.Error as exc:
        raise _cell_error(path, reader.line_num, None, f"cannot read the table as CSV ({exc})") from None
    return raw, rows


def _parse(cell: str) -> float | str:
    """The number in ``cell``, or the reason it is not one."""
    text = cell.strip()
    if not text:
        return "an empty cell: expected a number"
    if _NUMBER.fullmatch(text):
        value = float(text)
        return value if math.isfinite(value) else f"{_shown(cell)} is too large: expected a finite number"
    try:
        value = float(text)
    except ValueError:
        return f"{_shown(cell)} is not a number"
    if not math.isfinite(value):
        return f"{_shown(cell)} is not a finite number"
    return f"{_shown(cell)} is not a plain decimal number"


def _limits(builder, p: str):
    """Extra rules of a whole-valued parameter: (largest value, what it is) or None."""
    from .params import RuleChoice
    from .resolved import _whole_steps

    param = builder.params[p]
    if isinstance(param, RuleChoice):
        return len(param.labels) - 1, f"a rule index: 0 to {len(param.labels) - 1} ({', '.join(param.labels)})"
    parts = p.split(".")
    if len(parts) == 3 and parts[0] == "events" and parts[2] == "delay":
        top = _whole_steps(param)
        return top, f"a delay: a whole number of steps from 0 to {top}, the longest the scenario's delay allows"
    return None


def load_posterior(builder, spec: ParametersSpec) -> Posterior:
    """Read and check the table named by ``parameters.from`` (``builder`` is resolve's _Builder)."""
    where = ("parameters", "from")
    origin = builder.src.origin(where)
    # relative to the file that says `parameters:`; given on the command line (--set parameters.from=...),
    # relative to the current folder
    here = Path(origin.file).parent if origin.file and not origin.file.startswith(("<", "--")) else Path(".")
    path = here / spec.from_
    if not path.is_file():
        raise builder.fail(where, f"no such posterior table '{path}'")
    raw, records = _read_rows(path, lambda m: builder.fail(where, m))
    if not records:
        raise _cell_error(path, 1, None, "the table is empty: expected a header row with param.<path> columns")
    header = records[0][1]
    found = [(j, c[len(PARAM_PREFIX):]) for j, c in enumerate(header) if c.startswith(PARAM_PREFIX)]
    if not found:
        raise builder.fail(where, f"'{path}' has no parameter columns (param.<path>)")
    seen: dict[str, int] = {}
    for j, p in found:
        if p not in builder.params:
            raise builder.fail(where, f"column '{PARAM_PREFIX}{p}' of '{path}' names no parameter of this "
                                      f"scenario{suggest(p, builder.params)}")
        if p in seen:
            raise _cell_error(path, records[0][0], PARAM_PREFIX + p, f"a second column of this name (columns {seen[p] + 1} "
                                                         f"and {j + 1})")
        seen[p] = j
    # who sets the columns comes first: a set value that changes a parameter's range or a delay's
    # maximum is refused for what it is, not reported as a bad cell
    paths = tuple(p for _, p in found)
    for i, p in enumerate(spec.override):
        if p not in paths:
            raise builder.fail(("parameters", "override", i), f"'{p}' is not a column of '{path}' "
                                                              f"(param.{p}){suggest(p, paths)}")
    dropped = set(spec.override)
    touched = {p: o for key, o in builder.src.overridden.items() for p in _named_params(builder, key)}
    applied = [(j, p) for j, p in found if p not in dropped]
    claimed = claim(Posterior(str(path), tuple(p for _, p in applied), np.empty((0, len(applied))),
                              tuple(j + 1 for j, _ in applied)), touched, builder.src.override_posterior)
    dropped |= set(claimed.overridden)
    applied = [(j, p) for j, p in applied if p not in dropped]
    data = records[1:]
    if not data:
        raise _cell_error(path, records[0][0] + 1, None, "the table has a header and no rows: a posterior needs at least one row")
    for row, record in data:
        if len(record) != len(header):
            raise _cell_error(path, row, None, f"{len(record)} cells; the header has {len(header)}")
    values = np.empty((len(data), len(applied)))
    for k, (j, p) in enumerate(applied):  # every cell of every column the runs take
        rng, whole = builder.ranges[p], _limits(builder, p)
        col = PARAM_PREFIX + p
        for i, (row, record) in enumerate(data):
            x = _parse(record[j])
            if isinstance(x, str):
                raise _cell_error(path, row, col, x)
            if not rng.contains(x):
                raise _cell_error(path, row, col, f"{x:g} is not {rng}")
            if whole is not None and (x != int(x) or x > whole[0]):
                raise _cell_error(path, row, col, f"{x:g} is not {whole[1]}")
            values[i, k] = x
    post = Posterior(str(path), tuple(p for _, p in applied), values, tuple(j + 1 for j, _ in applied), raw=raw,
                     overridden=tuple(sorted(dropped)), allow_override=builder.src.override_posterior)
    if tuple(spec.override) != post.overridden:
        # the stored scenario says which columns it sets itself, so a replay or a resume does the same
        builder.src.data["parameters"] = {**builder.src.data["parameters"], "override": list(post.overridden)}
    return post


def _named_params(builder, key: str) -> set[str]:
    """The parameters a dotted key (``*`` allowed, events by name or index) sets, or sets below it."""
    if key.startswith("events."):
        for i, ev in enumerate(builder.spec.events):
            if key[len("events."):] in (ev.name, str(i)):
                key = f"events.{_slug(ev.name)}"
    key = builder.event_key(key)
    out = set(builder.matching_params(key))
    want = key.split(".")
    for p in builder.params:
        parts = p.split(".")
        if len(parts) > len(want) and all(w in ("*", x) for w, x in zip(want, parts)):
            out.add(p)
    return out


def _slug(name: str) -> str:
    from .resolved import event_slug

    return event_slug(name)


# -- who sets a parameter the table names: the one rule ------------------------------------------


def claim(post: Posterior, touched: dict[str, Origin | str], allow: bool, origin: Origin | None = None) -> Posterior:
    """``post`` after parameters in ``touched`` (path -> where it is set) claim their values.

    A parameter the table still applies is refused with one line, unless ``allow``: then its column
    is no longer applied (the set value holds, after the table) and it is listed in ``overridden``.
    """
    clash = sorted(p for p in touched if p in post.paths)
    if not clash:
        return post
    if not allow:
        p = clash[0]
        given = touched[p]
        where = f"{post.file} (column {post.column_of(p)})"
        if isinstance(given, Origin):  # a value set after reading: --set, --vary, a sweep or a lever
            how = ("--set" if given.file.startswith("--set") else "--vary" if given.file.startswith("--vary")
                   else "this sweep or lever")
            raise ScenarioError(f"{p} comes from the calibration table {where}, which would replace the set "
                                f"value in every run; remove it from the table, drop {how}, or add {FLAG} to "
                                "apply the set value after the table", given)
        raise ScenarioError(f"{p} comes from the calibration table {where}: {given} would vary it and the "
                            f"table would replace every value; remove it from the table, or add {FLAG} to "
                            "apply the varied values after the table", origin)
    return post.without(clash)


def claim_in(scenario, paths, how: str, allow: bool | None = None):
    """``scenario`` after an analysis that varies ``paths`` itself (``how`` names it) claims them:
    refused if the table names one, unless ``allow`` (default: whether the scenario was loaded with
    ``--override-posterior``); then recorded in ``parameters.override``."""
    post = getattr(scenario, "posterior", None)
    if post is None:
        return scenario
    allow = post.allow_override if allow is None else allow
    new = claim(post, {p: how for p in paths}, allow, Origin(scenario.file) if scenario.file else None)
    if new is post:
        return scenario
    data = dict(scenario.data)
    data["parameters"] = {**data.get("parameters", {}), "override": list(new.overridden)}
    return replace(scenario, posterior=new, data=data)


def describe(scenario) -> dict | None:
    """What a results folder records about the scenario's calibration table (None without one)."""
    post = getattr(scenario, "posterior", None)
    if post is None:
        return None
    from ..results.folders import TABLE_NAME

    return {"file": TABLE_NAME, "source": post.file, "sha256": post.sha256, "rows": post.rows,
            "applied": list(post.paths), "overridden": list(post.overridden)}

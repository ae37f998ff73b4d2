"""``parameters: {from: posterior.csv}``: every run takes one whole row of a posterior table.

The row is chosen by the run's own stream (the keyed stream ``posterior:rows``, so no other draw
shifts), and the row's values replace that run's sampled values of every parameter the table
names, jointly: the correlations the calibration found survive. Columns named ``param.<path>`` name parameters (as in
``runs.csv``); every such path must exist in the scenario. Other columns (statistics) are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from pydantic import Field

from ..lazy import lazy
from .errors import suggest
from .spec import Spec

np = lazy("numpy", __name__)  # imported on first use: `sim validate` never needs numpy

PARAM_PREFIX = "param."
#: name of the keyed stream that picks each run's posterior row (kind "posterior", drawn in sim/model/draws.py)
POSTERIOR_STREAM = "rows"


class ParametersSpec(Spec):
    """``parameters: {from: FILE}`` (a path relative to the scenario file that says it)."""

    from_: Annotated[str, Field(alias="from", min_length=1)]


@dataclass(frozen=True, eq=False)
class Posterior:
    """Rows of jointly calibrated parameter values: ``values[:, j]`` is parameter ``paths[j]``."""

    file: str
    paths: tuple[str, ...]
    values: np.ndarray = field(repr=False)

    @property
    def rows(self) -> int:
        return self.values.shape[0]


def load_posterior(builder, spec: ParametersSpec) -> Posterior:
    """Read and check the table named by ``parameters.from`` (``builder`` is resolve's _Builder)."""
    from ..results.tables import (
        read_table,  # only when a scenario names a posterior table
    )

    where = ("parameters", "from")
    origin = builder.src.origin(where)
    here = Path(origin.file).parent if origin.file and not origin.file.startswith("<") else Path(".")
    path = here / spec.from_
    if not path.is_file():
        raise builder.fail(where, f"no such posterior table '{path}'")
    try:
        table = read_table(path)
    except Exception as exc:  # pandas' parser errors: the message names the problem
        raise builder.fail(where, f"cannot read '{path}' as a CSV table ({exc.__class__.__name__})") from None
    paths = [c[len(PARAM_PREFIX):] for c in table if c.startswith(PARAM_PREFIX)]
    if not paths:
        raise builder.fail(where, f"'{path}' has no parameter columns (param.<path>)")
    for p in paths:
        if p not in builder.params:
            raise builder.fail(where, f"column '{PARAM_PREFIX}{p}' of '{path}' names no parameter of this "
                                      f"scenario{suggest(p, builder.params)}")
    values = np.column_stack([np.asarray(table[PARAM_PREFIX + p], dtype=float) for p in paths])
    if values.shape[0] == 0:
        raise builder.fail(where, f"'{path}' has no rows")
    for j, p in enumerate(paths):
        rng = builder.ranges[p]
        bad = [float(x) for x in values[:, j] if not (x == x and rng.contains(float(x)))]
        if bad:
            raise builder.fail(where, f"'{path}': {PARAM_PREFIX}{p} = {bad[0]:g} is not {rng}")
    return Posterior(str(path), tuple(paths), values)

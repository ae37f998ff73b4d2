"""``sim compare``: compare stored results folders side by side and write a comparison folder."""

from __future__ import annotations

import os
from pathlib import Path

ORDER = 14


def register(sub) -> None:
    p = sub.add_parser("compare", help="compare results folders: differences with intervals and tests")
    p.add_argument("folders", nargs="+", metavar="RESULTS", help="results folders (differences are vs the first)")
    p.add_argument("--label", action="append", default=[], metavar="[NAME=]TEXT",
                   help="label for a folder in tables, legends and the report: TEXT per folder in order, or "
                        "NAME=TEXT for the folder of scenario NAME (repeatable)")
    p.add_argument("--out", default=os.environ.get("SIM_RESULTS", "results"),
                   help="results root; the comparison goes to OUT/compare/ (default: results/)")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..analysis.compare import write_compare

    folder = write_compare(args.folders, Path(args.out), ["sim", *args.argv], args.label)
    print(format_table(folder))
    print(f"results: {folder}")
    return 0


def format_table(folder: Path) -> str:
    """The stored comparison as text: one block per folder."""
    from ..analysis.tables import read_table

    t = read_table(folder / "compare.csv")
    lines = []
    for i, name in enumerate(t["label"]):
        lines.append(f"{name}: {int(t['runs'][i])} runs, seed {int(t['seed'][i])}  ({t['folder'][i]})")
        for key, text in (("p_held", "P(channel held)"), ("p_held_given_escalated", "P(held | escalated)"),
                          ("p_held_while_escalated", "P(held while escalated)"), ("p_escalated", "P(escalated)")):
            lines.append(f"  {text:<26}{t[key][i]:.3f}  [{t[key + '.lo'][i]:.3f}, {t[key + '.hi'][i]:.3f}]"
                         f"  ({int(t[key + '.k'][i])}/{int(t[key + '.n'][i])})")
        if i == 0:
            continue
        for key, text in (("p_held", "P(held)"), ("p_held_given_escalated", "P(held | escalated)")):
            d = t[f"diff.{key}"][i]
            if d == d:
                lines.append(f"  difference in {text} vs {t['label'][0]}: {d:+.3f}  "
                             f"[{t[f'diff.{key}.lo'][i]:+.3f}, {t[f'diff.{key}.hi'][i]:+.3f}] (Newcombe 95%), "
                             f"two-proportion test p = {t[f'p_value.{key}'][i]:.3g}")
        mc = t["paired_p_value.p_held"][i]
        if mc == mc:
            lines.append(f"  paired runs (same seed): McNemar exact p = {mc:.3g} for P(held)")
    return "\n".join(lines)

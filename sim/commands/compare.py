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
    p.add_argument("--at", type=int, metavar="STEP",
                   help="step at which to compare Kaplan-Meier survival (default: the last step of the "
                        "shortest horizon)")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..analysis.compare import write_compare

    from ..results.folders import resolve_folder

    folder = write_compare([resolve_folder(f) for f in args.folders], Path(args.out), ["sim", *args.argv], at=args.at, labels=args.label)
    print(format_table(folder))
    print(f"results: {folder}")
    return 0


def format_table(folder: Path) -> str:
    """The stored comparison as text: one block per folder, then the robustness of the difference."""
    from ..analysis.compare import compared
    from ..results.tables import read_table

    t = read_table(folder / "compare.csv")
    lines = []

    def interval(key: str, i: int, sign: str = "") -> str:
        return f"{t[key][i]:{sign}.3f}  [{t[key + '.lo'][i]:{sign}.3f}, {t[key + '.hi'][i]:{sign}.3f}]"

    for i, name in enumerate(t["label"]):
        lines.append(f"{name}: {int(t['runs'][i])} runs, seed {int(t['seed'][i])}  ({t['folder'][i]})")
        for _, key, text in compared():
            if key in t and t[key][i] == t[key][i]:
                lines.append(f"  {text:<36}{interval(key, i)}  ({int(t[key + '.k'][i])}/{int(t[key + '.n'][i])})")
        lines.append(f"  {'mean open share':<30}{interval('mean_open_share', i)}")
        if t["rivalry_effect"][i] == t["rivalry_effect"][i]:
            lines.append(f"  {'rivalry effect on P(held)':<30}{interval('rivalry_effect', i, '+')}"
                         f"  (McNemar p = {t['rivalry_effect.p_value'][i]:.2g})")
        if "mean_incidents" in t and t["mean_incidents"][i] == t["mean_incidents"][i]:
            lines.append(f"  {'mean misuse incidents':<30}{interval('mean_incidents', i)}")
        if "incidents_averted" in t and t["incidents_averted"][i] == t["incidents_averted"][i]:
            a, lo, hi = t["incidents_averted"][i], t["incidents_averted.lo"][i], t["incidents_averted.hi"][i]
            lines.append(f"  {'channel effect on incidents':<30}{-a:+.3f}  [{-hi:+.3f}, {-lo:+.3f}]  (averts {a:.3f})")
        lines.append(f"  {'K-M survival to step ' + str(int(t['km_step'][i])):<30}{interval('km_survival', i)}")
        if i == 0:
            continue
        how = ("paired runs (same seed): Newcombe paired interval, McNemar exact p" if t["paired"][i] == 1
               else "independent samples: Newcombe hybrid interval, two-proportion z test")
        lines.append(f"  vs {t['label'][0]} ({how}):")
        for _, key, text in compared():
            if f"diff.{key}" in t and t[f"diff.{key}"][i] == t[f"diff.{key}"][i]:
                lines.append(f"    {text:<34}{interval('diff.' + key, i, '+')}  p = {t['p_value.' + key][i]:.3g}")
        lines.append(f"    {'mean open share':<28}{interval('diff.mean_open_share', i, '+')}")
        lines.append(f"    {'K-M survival':<28}{t['diff.km_survival'][i]:+.3f}")
    robust = folder / "robustness.csv"
    if robust.is_file():
        lines += robustness_lines(read_table(robust))
    return "\n".join(lines)


def robustness_lines(r: dict) -> list[str]:
    """The robustness of the difference in P(held) (a ``robustness.csv`` table) as text: how many
    distinct definitions change its sign or significance, and whether each flip is significant."""
    lines = []
    flips = [j for j in range(len(r["key"])) if r["sign_changes"][j] or r["significance_changes"][j]]
    signs = [j for j in flips if r["sign_changes"][j]]
    sig = "significant" in r
    lines.append(f"robustness of the difference in P(held) over {len(set(r['key']))} distinct definitions "
                 f"(robustness.csv): " + ("same sign and significance under every definition" if not flips
                                          else f"{len(flips)} definition(s) change it:"))
    if signs and sig:
        n_sig = sum(int(r["significant"][j]) for j in signs)
        lines.append(f"  the sign flips under {len(signs)} definition(s), significantly (p < 0.05) under {n_sig}")
    for j in flips[:12]:
        what = " and ".join(w for w, f in (("sign", r["sign_changes"][j]),
                                           ("significance", r["significance_changes"][j])) if f)
        verdict = ("" if not sig else ", significant" if r["significant"][j] else ", not significant")
        lines.append(f"  {r['label'][j]}, {r['definition'][j]}: {r['diff'][j]:+.3f} "
                     f"[{r['lo'][j]:+.3f}, {r['hi'][j]:+.3f}], p = {r['p_value'][j]:.2g}{verdict} ({what} changes)")
    if len(flips) > 12:
        lines.append(f"  ... and {len(flips) - 12} more (robustness.csv)")
    return lines

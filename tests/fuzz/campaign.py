"""Fuzz campaign: N mutated scenarios through `sim validate`, a sample of the accepted ones
through `sim run` to the end, and the counts of each verdict (see check.py).

    PYTHONPATH=. python tests/fuzz/campaign.py [--cases 10000] [--seed 0] [--runs-sample 50] [--show 5]

Every case runs in this process (the CLI is called as sim.cli.main) with a 5-second alarm; the
whole campaign takes a few minutes on one core.
"""

from __future__ import annotations

import argparse
import collections
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fuzz.check import run_case, validate_case  # noqa: E402
from fuzz.mutate import make_case  # noqa: E402

GOOD = ("success", "clean")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--runs-sample", type=int, default=50, help="accepted cases also run to the end")
    ap.add_argument("--limit", type=float, default=5.0, help="seconds allowed per validation")
    ap.add_argument("--show", type=int, default=5, help="examples to print per bad verdict")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    counts: collections.Counter = collections.Counter()
    run_counts: collections.Counter = collections.Counter()
    examples: dict[str, list[str]] = collections.defaultdict(list)
    slowest = (0.0, "")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.cases):
            case = make_case(rng)
            work = Path(tmp) / f"w{i % 50}"
            work.mkdir(exist_ok=True)
            v = validate_case(case.text, work, args.limit)
            counts[v.kind] += 1
            if v.seconds > slowest[0]:
                slowest = (v.seconds, case.note)
            if v.kind not in GOOD and len(examples[v.kind]) < args.show:
                examples[v.kind].append(f"{case.note} -> {(v.detail or v.stderr).strip()[:300]}")
            if v.kind == "success" and sum(run_counts.values()) < args.runs_sample:
                r = run_case(work)
                run_counts[r.kind] += 1
                if r.kind not in GOOD and len(examples["run " + r.kind]) < args.show:
                    examples["run " + r.kind].append(f"{case.note} -> {(r.detail or r.stderr).strip()[:300]}")
            for p in sorted(work.iterdir(), reverse=True):
                if p.name != "out":
                    p.unlink()
    total = sum(counts.values())
    print(f"{total} mutated scenarios through `sim validate` (seed {args.seed}), "
          f"{time.perf_counter() - started:.0f} s")
    for kind in ("success", "clean", "no_line", "multiline", "traceback", "bad_exit", "timeout", "escaped"):
        print(f"  {kind:<10} {counts[kind]:>6}")
    print(f"  max seconds per case: {slowest[0]:.2f} ({slowest[1]})")
    print(f"accepted cases run to the end: {sum(run_counts.values())}: "
          + ", ".join(f"{k} {n}" for k, n in sorted(run_counts.items())))
    for kind, lines in examples.items():
        print(f"\n{kind}:")
        for line in lines:
            print(f"  {line}")
    bad = sum(n for k, n in counts.items() if k not in GOOD) + sum(n for k, n in run_counts.items() if k not in GOOD)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

"""``sim verify``: re-check a results folder's checksums and report any tampering."""

from __future__ import annotations

ORDER = 70


def register(sub) -> None:
    p = sub.add_parser("verify", help="re-check the checksums of results folders")
    p.add_argument("folders", nargs="+", help="results folders")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..results.verify import verify

    from ..results.folders import resolve_folder

    bad = 0
    for folder in args.folders:
        v = verify(resolve_folder(folder))
        print(v.report())
        bad += not v.ok
    return 1 if bad else 0

"""``sim brief``: the answer first, on one page: brief.html, brief.md and brief.pptx of a results folder."""

from __future__ import annotations

ORDER = 15


def register(sub) -> None:
    p = sub.add_parser("brief", help="one-page brief of a run, compare, sweep or forecast folder "
                                     "(brief.html, brief.md, brief.pptx)")
    p.add_argument("folder", metavar="RESULTS", help="results folder (or results/<scenario>/latest)")
    p.add_argument("--no-slides", action="store_true", help="do not write brief.pptx")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..analysis.brief import read_brief, write_brief

    from ..results.folders import resolve_folder

    folder = resolve_folder(args.folder)
    written, note = write_brief(folder, slides=not args.no_slides)
    brief = read_brief(folder)
    if brief.question:
        print(f"question: {brief.question}")
    for sentence in brief.sentences:
        print(f"  {sentence}")
    if note:
        print(note)
    for path in written:
        print(f"written: {path}")
    return 0

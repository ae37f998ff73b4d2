"""``sim figures``: draw a results folder's figures once (``sim run`` and ``sim calibrate`` draw none unless --figures)."""

from __future__ import annotations

ORDER = 11


def register(sub) -> None:
    p = sub.add_parser("figures", help="draw the figures of a run, forecast, sweep or calibration folder once (PNG and SVG; PNG only for a calibration), "
                                       "embed them in its report.html and add them to its manifest")
    p.add_argument("folder", metavar="RESULTS", help="results folder (or results/<scenario>/latest)")
    p.add_argument("--force", action="store_true", help="draw them again even if they are drawn")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..results.folders import resolve_folder
    from ..workflow import draw_figures

    folder = resolve_folder(args.folder)
    written = draw_figures(folder, force=args.force)
    if not written:
        print(f"figures: already drawn in {folder} (--force draws them again)")
        return 0
    for path in written:
        print(f"written: {path}")
    print(f"report: {folder / 'report.html'} (embeds them; manifest.json updated, sim verify passes)")
    return 0

"""Benchmark: a Step on the live classroom page (``sim viz``), as a ratio to the bare model's step.

For each lesson, in this one process (the machine is shared; ratios vary less than seconds):

* ``model``: one ``NegotiationModel.step()`` of the page's single run (the bare model);
* ``page model``: the page's ``ClassroomModel.step()`` (the model plus its step record and payoffs);
* ``click``: a click on the page's Step button, rendered server-side by Solara exactly as in
  ``sim viz`` (the step, then every panel redrawn: moves, scores, matrix, charts, outcome); the
  browser's own drawing is not included;
* ``play``: rounds per second of the page's Play, from the median time between rounds (nominal:
  1000 / PLAY_MS).

Needs the ``viz`` extra. ``python benchmarks/bench_classroom.py [--lessons tit_for_tat ...] [--steps 8]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import warnings

import numpy as np

os.environ.setdefault("MPLBACKEND", "Agg")
warnings.filterwarnings("ignore")


def timed(f, n: int) -> float:
    """Median seconds of ``n`` calls of ``f``."""
    out = []
    for _ in range(n):
        start = time.perf_counter()
        f()
        out.append(time.perf_counter() - start)
    return statistics.median(out)


def bench(name: str, steps: int, seconds: float = 4.0) -> dict:
    import ipyvuetify as v
    import solara

    from sim import NegotiationModel
    from sim.classroom import viz_app
    from sim.classroom.lessons import find_lesson

    source = str(find_lesson(name))
    cls = viz_app.lesson_class(source)
    bare = NegotiationModel(cls.base, runs=[0])
    model = timed(bare.step, steps)
    page_model = cls(**cls.defaults())
    own = timed(page_model.step, steps)
    box, rc = solara.render(viz_app.LessonTab(cls), handle_error=False)
    button = rc.find(v.Btn, children=["Step"]).widget
    click = timed(button.click, steps)
    # Play: from a fresh run, the rounds played (model steps counted) in a fixed time
    played = []
    step = cls.step

    def counted(self):
        step(self)
        played.append(time.perf_counter())

    cls.step = counted
    try:
        rc.find(v.Btn, children=["Reset"]).widget.click()
        start = time.perf_counter()
        rc.find(v.Btn, children=["▶"]).widget.click()
        time.sleep(seconds)
        pause = rc.find(v.Btn, children=["❚❚"])
        if pause.widgets:
            pause.widget.click()
    finally:
        cls.step = step
        rc.close()
    # the rate between rounds (a game that ends early, as in the shadow of the future, still counts)
    gaps = np.diff([start, *played])
    rate = 1 / statistics.median(gaps) if len(gaps) else 0.0
    return {"lesson": name, "model": model, "page_model": own, "click": click, "play": rate}


def main() -> None:
    from sim.classroom.lessons import listing
    from sim.classroom.viz_app import PLAY_MS

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lessons", nargs="*", default=None, help="lesson names (default: all)")
    p.add_argument("--steps", type=int, default=8, help="steps timed per lesson (median)")
    args = p.parse_args()
    names = args.lessons or [n for n, _, _ in listing()]
    print(f"{'lesson':22} {'model ms':>9} {'page model':>11} {'click ms':>9} {'click/model':>12} "
          f"{'play rounds/s':>14} (nominal {1000 / PLAY_MS:g})")
    for name in names:
        r = bench(name, args.steps)
        print(f"{r['lesson']:22} {r['model'] * 1e3:9.2f} {r['page_model'] / r['model']:10.1f}x "
              f"{r['click'] * 1e3:9.1f} {r['click'] / r['model']:11.0f}x {r['play']:14.2f}")


if __name__ == "__main__":
    main()

"""The live classroom page (``sim viz``): one run of a lesson on Mesa's model, stepped in the browser.

Served by ``solara run sim.classroom.viz_app:Page`` with the scenario file in
``$SIM_VIZ_SCENARIO``; ``?lesson=NAME`` in the address opens another lesson on the same server
(one server for a whole class). Three tabs:

* **Lesson**: Mesa's Reset / Play / Step controller around one run, the lesson's own controls
  (:mod:`sim.classroom.controls`; changing one starts the run again with exactly the values
  shown), the moves strip, both sides' scores, the payoff matrix, the lesson's comparison; with a
  nonstate population, its groups coloured by capability, this round's incidents marked, and
  the incidents of the same run with the channel closed (the ``channel_closed`` twin).
* **Play the computer**: C/D buttons against a hidden strategy (:mod:`sim.classroom.play`).
* **Tournament**: a round robin of chosen strategies (:mod:`sim.tournament`) and replicator or
  Moran dynamics from chosen shares, animated.

The page is built from its own Reset / Play / Step controller (:func:`Controller`) and Solara
components rather than Mesa's ``SolaraViz``, whose sidebar carries controls meant for model
developers (render interval, threads) and whose draggable grid cannot keep the moves and the score
on a projector's first screen. Mesa's ``ModelController`` keeps its own "running" flag, which only
its Reset sets back: a run that ended and was then replaced by a control change left Step and Play
greyed out. Here the buttons read the shown model's ``running``, so any new run (a control, the
seed, Reset) can be played at once; Play keeps its nominal rate (the time a round takes to play
and draw is taken off the pause).
"""

from __future__ import annotations

import functools
import logging
import os
import sys
import time
from html import escape
from pathlib import Path

import numpy as np
import solara
from matplotlib.figure import Figure
from mesa.visualization.utils import force_update, update_counter

from ..analysis.plots import PALETTE
from ..errors import UserError
from ..games import PRESETS
from ..model.model import NegotiationModel
from ..model.trace import record
from ..scenario.load import load_scenario
from ..scenario.resolved import Scenario
from ..scenario.errors import one_line
from .lessons import lesson_query, renamer, served_lesson
from .controls import MENU, Control, apply, closed_twin, compare, comparison, controls, extra_columns, theory_note
from .outcomes import Outcome, outcome
from .play import ROUNDS, Game, hidden_strategy, match, reveal
from .panels import (CSS, capability_colour, distinct_matrices, initials, matrix_html, news_html, plots_html,  # noqa: F401
                     population_html, score_html, strip_html)
from .plots import MOVE_COLORS

SECRET = "secret: drawn at random"
#: the tournament's animation: about this many pictures, one every FRAME_S seconds (6 s in all); a
#: picture that takes longer to draw skips the frames it overran, so the animation keeps its length
FRAMES, FRAME_S = 24, 0.25
#: one colour per strategy of the menu (Okabe-Ito's eight, then a grey): never two alike
STRATEGY_COLOURS = (*PALETTE, "#999999")
#: Play's pace: one round every PLAY_MS milliseconds (2.5 rounds a second); ``$SIM_VIZ_PLAY_MS``
#: sets another (the browser tests play whole games faster)
PLAY_MS = int(os.environ["SIM_VIZ_PLAY_MS"]) if os.environ.get("SIM_VIZ_PLAY_MS", "").isdigit() else 400



# -- errors: one line in the page, one line on the server's console ---------------------------

#: the longest line written to the server's console
LOG_WIDTH = 300


def log(text: str) -> None:
    """One line on the server's console (stderr), never in the page."""
    line = one_line(f"sim viz: {text}")
    print(line if len(line) <= LOG_WIDTH else line[: LOG_WIDTH - 3] + "...", file=sys.stderr, flush=True)


class Quiet(logging.Filter):
    """Drops reacton's traceback of an exception raised in a component or an effect: the page's
    boundary (:func:`Guarded`) catches it and logs one line with its type instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and str(record.msg).startswith(("Component %r raised", "Effect %r raised",
                                                                     "Effect cleanup %r raised")))


logging.getLogger("reacton").addFilter(Quiet())


def failure(exc: BaseException, name: str, doing: str) -> str:
    """Log ``exc`` (its type and message) on the server and give the page's one line, which names
    the type only: a message may quote the scenario's values, which the page never shows."""
    kind = type(exc).__name__
    log(f"{name}: {kind} while {doing}: {exc}")
    return f"{name}: an error while {doing} ({kind}); the server's console says more"


# -- the model behind the lesson tab -----------------------------------------------------------


class ClassroomModel(NegotiationModel):
    """One run of a lesson with the page's control values; keeps the step records and payoffs."""

    source = ""
    controls: list[Control] = []
    base: Scenario | None = None

    def __init__(self, **kwargs):  # the page's controller rebuilds it from the page's values
        self.failed = ""   # the page's one line when a step raised (the run stops there)
        values = {**self.defaults(), **kwargs}
        scenario, seed = apply(self.source, self.controls, values)
        self.settings = values
        # with a nonstate population, the same run with the channel closed rides along as lane 1
        super().__init__(scenario, runs=[0], seed=seed, twins=closed_twin(scenario))
        self.history = []
        self.payoffs: list[np.ndarray] = []   # per step: (actors, tracks)

    @classmethod
    def defaults(cls) -> dict:
        return {c.key: c.default(cls.base) for c in cls.controls}

    def step(self) -> None:
        """One round; an exception stops the run with a one-line message (:attr:`failed`) instead
        of reaching Mesa's controller, which would show its text in the page."""
        if not self.running:
            return
        t = self.t
        try:
            super().step()
            if self.t > t:
                self.history.append(record(self))
                self.payoffs.append(np.array([a.last_payoff[0] for a in self.actors]))
        except Exception as exc:  # noqa: BLE001 - any error: one line, never a traceback
            self.failed = failure(exc, self.scenario.name, f"playing round {t + 1}")
            self.running = False

    @property
    def hide_length(self) -> bool:
        """With a continuation probability the length is the lesson's point: it is not shown."""
        return self.scenario.continuation is not None

    def totals(self) -> np.ndarray:
        return np.sum(self.payoffs, axis=0).sum(axis=1) if self.payoffs else np.zeros(len(self.actors))


def model_class(source: str) -> type[ClassroomModel]:
    base = load_scenario(source)
    return type("ClassroomModel", (ClassroomModel,), {"source": source, "base": base,
                                                       "controls": controls(base)})


# -- lesson tab components ---------------------------------------------------------------------


@solara.component
def ControlInput(control: Control, value, on_value, rename=str):
    label = rename(control.label)
    if control.key == "seed":
        solara.InputInt(label, value=int(value), on_value=on_value, classes=["sim-control"])
    elif control.is_menu:
        solara.Select(label, value=value, values=list(control.choices), on_value=on_value,
                      classes=["sim-control"])
    else:
        solara.SliderFloat(f"{label}: {float(value):g}", value=float(value), min=control.lo,
                           max=control.hi, step=control.step, on_value=on_value, thumb_label=False)


@solara.component
def Message(text: str):
    """A one-line message in place of the page (or of a run): escaped, never a traceback."""
    solara.HTML("div", unsafe_innerHTML=escape(one_line(text)), classes=["sim-error"],
                style="color: #b00020; font-size: 16px; padding: 8px 0")


@solara.component
def Failed(model: ClassroomModel):
    update_counter.get()
    if model.failed:
        Message(model.failed)


@solara.component
def Counter(model: ClassroomModel):
    update_counter.get()
    played = model.t
    if model.hide_length:
        text = f"Rounds played: {played}" + (" (game over)" if not model.running and played else "")
    else:
        text = f"Rounds played: {played} of {int(model.length[0])}"
    solara.HTML("div", unsafe_innerHTML=escape(text), classes=["sim-step"])


@solara.component
def Moves(model: ClassroomModel, rename=str):
    update_counter.get()
    if not model.history:
        solara.HTML("div", unsafe_innerHTML="<i>Press Step or ▶ to play the first round.</i>", classes=["sim-strip"])
        return
    solara.HTML("div", unsafe_innerHTML=strip_html(model, rename=rename), classes=["sim-strip"])


@solara.component
def PopulationPanel(model: ClassroomModel, rename=str):
    update_counter.get()
    if model.population is None:
        return
    solara.HTML("div", unsafe_innerHTML=population_html(model, rename), classes=["sim-population"])


@solara.component
def Score(model: ClassroomModel, rename=str):
    update_counter.get()
    solara.HTML("div", unsafe_innerHTML=score_html(model, rename), classes=["sim-score-box"])


@solara.component
def Matrix(model: ClassroomModel, rename=str):
    update_counter.get()
    shown = distinct_matrices(model)
    with solara.Row(classes=["sim-matrix-box"]):
        for k in shown[:2]:
            solara.HTML("div", unsafe_innerHTML=matrix_html(model, k, rename, same=len(shown) == 1))


def comparison_html(scenario: Scenario, rows, rename=str) -> str:
    a, b = map(rename, scenario.actor_names)
    extra = extra_columns(rows)
    head = (f"<tr><th></th><th>{escape(a)} total</th><th>{escape(b)} total</th><th>{escape(a)} per round</th>"
            f"<th>{escape(b)} per round</th><th>{escape(a)} coop.</th><th>{escape(b)} coop.</th>"
            "<th>both coop.</th><th>rounds</th>" + "".join(f"<th>{escape(h)}</th>" for _, h in extra) + "</tr>")
    body = "".join(
        f"<tr><td>{escape(rename(r.label))}</td><td>{r.total[0]:.2f}</td><td>{r.total[1]:.2f}</td>"
        f"<td>{r.per_round[0]:.2f}</td><td>{r.per_round[1]:.2f}</td><td>{r.cooperation[0]:.0%}</td>"
        f"<td>{r.cooperation[1]:.0%}</td><td>{r.mutual:.0%}</td><td>{r.rounds:.1f}</td>"
        + "".join(f"<td>{r.extra[k]:.2f}</td>" if k in r.extra else "<td>-</td>" for k, _ in extra) + "</tr>"
        for r in rows)
    return f"<table class='sim-table sim-compare'>{head}{body}</table>"


@solara.component
def Comparison(base: Scenario, rename=str, continuation: float | None = None):
    spec = comparison(base)
    rows = shared(("comparison", id(base)), lambda: compare(base), keep=base)
    theory = theory_note(base, continuation)
    runs = "one run (no randomness)" if spec.runs == 1 else f"means over {spec.runs} runs, seed {base.seed}"
    note = f" {spec.note}" if spec.note else ""
    solara.HTML("div", unsafe_innerHTML=f"<b>{escape(spec.title)}</b> <span style='font-size:13px'>({runs}; "
                f"coop. = share of rounds cooperating).{escape(note)}</span>" + comparison_html(base, rows, rename)
                + (f"<div class='sim-theory' style='font-size:14px'>{escape(theory)}</div>" if theory else ""),
                classes=["sim-comparison"])


#: runs behind the page's outcome panel (re-run when a control changes)
OUTCOME_RUNS = 200

#: results every page of this server shares: a lesson's comparison and its outcome panel for given
#: settings depend on nothing else (fixed seeds), so thirty pages opening a lesson compute them once
_SHARED: dict = {}
SHARED_MAX = 512


def shared(key, make, keep=None):
    """``make()``, computed once per ``key`` for every page of this server (``keep``: an object the
    key names by identity, kept alive with the result). Pages may compute a missing one twice at
    the same moment; both results are equal."""
    try:
        return _SHARED[key][0]
    except KeyError:
        pass
    value = make()
    if len(_SHARED) >= SHARED_MAX:   # bounded: a class moving sliders for an hour starts again
        _SHARED.clear()
    _SHARED[key] = (value, keep)
    return value


def outcome_html(o: Outcome, rename=str) -> str:
    rows = "".join(f"<tr><td>{escape(rename(k))}</td><td>{escape(v)}</td></tr>" for k, v in o.rows)
    note = f" {escape(rename(o.note))}" if o.note else ""
    return (f"<b>{escape(rename(o.title))}</b> <span style='font-size:13px'>({o.runs} runs with the settings on the "
            f"left).{note}</span><table class='sim-table sim-outcome-table'>{rows}</table>")


@solara.component
def OutcomePanel(cls, values: dict, rename=str):
    """The lesson's outcome over many runs with the page's current settings (a control moves it)."""
    key = tuple(sorted((k, str(v)) for k, v in values.items()))

    def make():
        scenario, seed = apply(cls.source, cls.controls, values)
        return outcome(scenario, runs=OUTCOME_RUNS, seed=seed)

    o = shared(("outcome", cls, key), make)
    solara.HTML("div", unsafe_innerHTML=outcome_html(o, rename), classes=["sim-outcome"])


@solara.component
def Notes(scenario: Scenario, rename=str):
    lesson = scenario.lesson
    if lesson is None:
        body = f"<p>{escape(rename(scenario.description))}</p>"
    else:
        notice = "".join(f"<li>{escape(rename(x))}</li>" for x in lesson.notice)
        tries = "".join(f"<li>{escape(rename(x))}</li>" for x in lesson.try_)
        body = (f"<b>What to notice</b><ul>{notice}</ul><b>What to try</b> (with the controls on the left)"
                f"<ul>{tries}</ul>")
    solara.HTML("div", unsafe_innerHTML=body, classes=["sim-notes"])


@solara.component
def Plots(model: ClassroomModel, rename=str):
    update_counter.get()
    solara.HTML("div", unsafe_innerHTML=plots_html(model, rename))


def snapped(control: Control, old, new) -> bool:
    """True when a slider only reports the old value moved onto its grid (the browser's slider
    snaps 0.3333 to 0.35 when it appears): that is not a change the class asked for."""
    if control.is_menu or control.key == "seed":
        return False
    grid = control.lo + round((float(old) - control.lo) / control.step) * control.step
    return abs(float(new) - grid) < 1e-9 and abs(float(new) - float(old)) > 1e-12


@solara.component
def Controller(model: solara.Reactive, playing: solara.Reactive, rebuild):
    """Reset, Play, Pause and Step around the shown run. Step and Play are enabled exactly when the
    shown model is running and not playing, so a new run (from a control, the seed or Reset) plays at
    once. Play and Pause are two buttons, each doing what it shows: a double click on Pause (or a
    click the server handles late) pauses twice, where one toggling button paused and played on."""
    update_counter.get()
    m = model.value

    def loop():
        while playing.value and model.value is m and m.running:
            start = time.monotonic()
            m.step()
            force_update()
            rest = PLAY_MS / 1000 - (time.monotonic() - start)
            if rest > 0:
                time.sleep(rest)
        if model.value is m and playing.value:
            playing.value = False

    solara.use_thread(loop, dependencies=[playing.value, m], intrusive_cancel=False)

    def one_step():
        if m.running and not playing.value:
            m.step()
            force_update()

    with solara.Row(justify="space-between", classes=["sim-controller"]):
        solara.Button(label="Reset", color="primary", on_click=rebuild)
        solara.Button(label="▶", color="primary", disabled=not m.running or playing.value,
                      on_click=lambda: playing.set(model.value.running))
        solara.Button(label="❚❚", color="primary", disabled=not playing.value, on_click=lambda: playing.set(False))
        solara.Button(label="Step", color="primary", disabled=not m.running or playing.value, on_click=one_step)


@solara.component
def LessonTab(cls, rename=str):
    values = solara.use_reactive(cls.defaults())
    model = solara.use_reactive(solara.use_memo(lambda: cls(**values.value), []))
    playing = solara.use_reactive(False)

    by_key = {c.key: c for c in cls.controls}

    def rebuild():
        playing.value = False
        model.value = cls(**values.value)   # a new run with exactly the values shown, running

    def change(key, value):
        if snapped(by_key[key], values.value[key], value) or value == values.value[key]:
            return
        values.value = {**values.value, key: value}
        rebuild()

    m = model.value
    with solara.Row(style={"align-items": "flex-start", "gap": "16px"}):
        with solara.Column(classes=["sim-side"], style={"gap": "4px"}):
            Controller(model, playing, rebuild)
            for c in cls.controls:
                ControlInput(c, values.value[c.key], lambda v, key=c.key: change(key, v), rename)
            if cls.controls:
                solara.Text("Changing a control starts the run again.", style={"font-size": "13px"})
        with solara.Column(classes=["sim-main"], style={"flex": "1", "min-width": "0", "gap": "6px"}):
            with solara.Row(style={"align-items": "flex-start", "gap": "24px"}):
                with solara.Column(style={"gap": "2px"}):
                    Failed(m)
                    Counter(m)
                    Score(m, rename)
                Matrix(m, rename)
            Moves(m, rename)
            PopulationPanel(m, rename)
            OutcomePanel(cls, values.value, rename)
            Comparison(cls.base, rename, values.value.get("continuation"))
            Notes(m.scenario, rename)
            Plots(m, rename)


# -- play the computer -------------------------------------------------------------------------


@solara.component
def PlayTab(base: Scenario):
    game = solara.use_memo(lambda: Game.of(base), [])
    number, set_number = solara.use_state(1)
    moves, set_moves = solara.use_state(())
    chosen, set_chosen = solara.use_state(SECRET)
    hidden = hidden_strategy(base.seed, number) if chosen == SECRET else chosen
    current = match(game, moves, hidden, seed=base.seed)
    done = len(moves) >= ROUNDS
    c, d = game.labels
    with solara.Column(classes=["sim-play"], style={"gap": "8px", "max-width": "980px"}):
        solara.HTML("div", unsafe_innerHTML=(
            f"<b>Play {ROUNDS} rounds against the computer.</b> It plays one of {len(MENU)} strategies (drawn at "
            "random unless the teacher picks one); which one is revealed at the end, with how the other strategies "
            "would have done. Payoffs per round "
            f"(you, computer): both {escape(c)} {game.R:g}, {game.R:g}; you {escape(c)} and it {escape(d)} "
            f"{game.S:g}, {game.T:g}; you {escape(d)} and it {escape(c)} {game.T:g}, {game.S:g}; both {escape(d)} "
            f"{game.P:g}, {game.P:g}."))
        with solara.Row():
            solara.Button(f"{c} (C)", color="success", disabled=done, classes=["sim-play-c"],
                          on_click=lambda: set_moves((*moves, True)))
            solara.Button(f"{d} (D)", color="error", disabled=done, classes=["sim-play-d"],
                          on_click=lambda: set_moves((*moves, False)))
            solara.Button("New game", on_click=lambda: (set_moves(()), set_number(number + 1)),
                          classes=["sim-play-new"])
            with solara.Div(style={"width": "300px", "margin-left": "16px"}):
                solara.Select("Computer's strategy (for the teacher)", value=chosen, values=[SECRET, *MENU],
                              on_value=lambda v: (set_chosen(v), set_moves(())))
        you, it = current.totals
        solara.HTML("div", unsafe_innerHTML=(
            f"<div class='sim-play-status'>Round {len(moves)} of {ROUNDS}. Score: you "
            f"<b class='sim-play-you'>{you:g}</b>"
            f", computer <b class='sim-play-it'>{it:g}</b></div>" + play_strip(game, current)))
        if done:
            rows = reveal(game, moves, hidden, seed=base.seed)
            body = "".join(f"<tr><td>{r['strategy']}</td><td>{r['you_vs']:g}</td><td>{r['it_vs_you']:g}</td>"
                           f"<td>{r['in_your_place']:g}</td><td>{r['computer_then']:g}</td></tr>" for r in rows)
            solara.HTML("div", unsafe_innerHTML=(
                f"<p class='sim-play-reveal'>The computer played <b>{escape(hidden)}</b>.</p>"
                "<table class='sim-table'><tr><th>strategy S</th><th>your moves vs S: you</th><th>S</th>"
                "<th>S in your place: S</th><th>computer</th></tr>" + body + "</table>"))


def play_strip(game: Game, m) -> str:
    letters = initials(game.labels)
    rows = []
    for name, moves, pays in (("you", m.you, m.your_payoffs), ("computer", m.them, m.their_payoffs)):
        cells = "".join(f"<td style='background:{MOVE_COLORS[int(x)]}'>{letters[0 if x else 1]}</td>" for x in moves)
        rows.append(f"<tr class='sim-play-row'><td class='name'>{name}</td>{cells}</tr>")
        rows.append("<tr><td class='name pay'>payoff</td>" + "".join(f"<td class='pay'>{p:g}</td>" for p in pays)
                    + "</tr>")
    return f"<table class='sim-strip'>{''.join(rows)}</table>"


# -- live tournament ---------------------------------------------------------------------------


def evolve(strategies, counts, dynamics: str, noise: float, turns: int = 50, seed: int = 0,
           game: str = "prisoners_dilemma"):
    """Round robin of ``strategies`` (sim.tournament), then replicator or Moran dynamics from ``counts``."""
    from ..tournament import make_spec, moran, replicator, run_tournament

    result = run_tournament(make_spec(list(strategies), game=game, turns=turns, repetitions=3, noise=noise,
                                      seed=seed))
    M = result.payoff_matrix()
    if dynamics == "replicator":
        shares = replicator(M, start=np.asarray(counts, dtype=float), until=60.0, points=61)
    else:
        shares = moran(M, counts, steps=40 * int(sum(counts)), replicates=1, seed=seed)
    return result, shares


def strategy_colour(name: str) -> str:
    """The strategy's own colour (the same in every run of the tab, distinct for every menu entry)."""
    return STRATEGY_COLOURS[MENU.index(name) % len(STRATEGY_COLOURS)] if name in MENU else "#666666"


def shares_figure(labels, shares, upto: int) -> Figure:
    fig = Figure(figsize=(8, 3.6), layout="constrained")
    ax = fig.add_subplot()
    x = shares.times[: upto + 1]
    ax.stackplot(x, shares.shares[: upto + 1].T, labels=labels, colors=[strategy_colour(n) for n in labels],
                 alpha=0.9)
    ax.set_xlim(shares.times[0], shares.times[-1])
    ax.set_ylim(0, 1)
    ax.set_xlabel("time" if shares.kind == "replicator" else "births (Moran steps)")
    ax.set_ylabel("share of population")
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize="small")
    return fig


@solara.component
def TournamentTab():
    chosen = solara.use_reactive(["always_defect", "tit_for_tat", "generous_tit_for_tat", "always_cooperate"])
    counts = solara.use_reactive({})
    dynamics = solara.use_reactive("replicator")
    game = solara.use_reactive("prisoners_dilemma")
    noise = solara.use_reactive(0.0)
    out, set_out = solara.use_state(None)
    frame, set_frame = solara.use_state(0)
    playing = solara.use_reactive(False)

    def run():
        names = [s for s in MENU if s in chosen.value]
        if not names:
            return
        n = [int(counts.value.get(s, 10)) for s in names]
        result, shares = evolve(names, n, dynamics.value, noise.value, game=game.value)
        set_out((tuple(names), result, shares))
        set_frame(0)
        playing.set(True)

    def animate():
        if not playing.value or out is None:
            return
        frames = len(out[2].times) - 1
        length = FRAMES * FRAME_S
        start = time.monotonic()
        i = 0
        while i < frames:
            time.sleep(FRAME_S)
            # where the animation should be now, from the clock (a slow picture never stretches it)
            i = min(frames, max(i + 1, round(frames * (time.monotonic() - start) / length)))
            set_frame(i)
        playing.set(False)

    solara.use_thread(animate, dependencies=[playing.value, out])
    with solara.Row(style={"align-items": "flex-start", "gap": "16px"}, classes=["sim-tournament"]):
        with solara.Column(classes=["sim-side"], style={"gap": "2px"}):
            # the Run button first: with all nine strategies their sliders run below a projector's screen
            solara.Button("Run the tournament", color="primary", on_click=run, classes=["sim-run-tournament"])
            solara.SelectMultiple("Strategies", all_values=list(MENU), values=chosen, classes=["sim-strategies"],
                                  dense=True)
            with solara.Row(style={"gap": "8px"}):
                solara.Select("Game", value=game, values=list(PRESETS), dense=True)
                solara.Select("Dynamics", value=dynamics, values=["replicator", "Moran"], dense=True)
            solara.SliderFloat(f"Noise: {noise.value:.2f}", value=noise, min=0, max=0.2, step=0.01)
            solara.Text("Starting numbers:", style={"font-size": "13px"})
            for s in [s for s in MENU if s in chosen.value]:
                v = int(counts.value.get(s, 10))
                with solara.Div(classes=["sim-count"]):
                    solara.SliderInt(f"{s}: {v}", value=v, min=0, max=30,
                                     on_value=lambda x, s=s: counts.set({**counts.value, s: x}))
        with solara.Column(style={"flex": "1", "min-width": "0"}):
            if out is None:
                solara.Text("Pick strategies and their starting numbers, then run: every strategy meets every "
                                "other (and its twin) for 50 rounds of the game, three times; the "
                                "population then evolves by the payoffs (replicator: an infinite population; "
                                "Moran: a finite one, one birth and one death at a time).")
            else:
                names, result, shares = out
                ranking = result.ranking()
                body = "".join(f"<tr><td>{r['rank']}</td><td>{escape(r['strategy'])}</td><td>{r['mean']:.3f}</td></tr>"
                               for r in ranking)
                final = shares.shares[frame]
                solara.HTML("div", unsafe_innerHTML=(
                    "<table class='sim-table sim-ranking'><tr><th>rank</th><th>strategy</th><th>score per round</th>"
                    f"</tr>{body}</table><div class='sim-shares'>t = {shares.times[frame]:g}: " + ", ".join(
                        f"{escape(n)} {x:.0%}" for n, x in zip(names, final)) + "</div>"))
                solara.FigureMatplotlib(shares_figure(names, shares, frame), format="png")


# -- the page ----------------------------------------------------------------------------------


@functools.cache
def lesson_class(source: str) -> type[ClassroomModel]:
    return model_class(source)


def requested(search: str | None) -> str:
    """The scenario file of ``?lesson=NAME`` (see :func:`served_lesson`: a lesson name, or the file
    ``sim viz`` was started with); else the started file. A :class:`UserError` for anything else."""
    return str(served_lesson(lesson_query(search), os.environ["SIM_VIZ_SCENARIO"],
                             os.environ.get("SIM_VIZ_GIVEN", "")))


@solara.component
def Refused(name: str, message: str):
    """The page for a ``?lesson=`` that is no lesson: one line, the same whatever the value names."""
    solara.use_effect(lambda: log(f"refused ?lesson={name!r}: not a lesson name"), [name])
    solara.Title("sim viz")
    Message(message)


@solara.component
def Guarded(source: str, name: str = ""):
    """The lesson's page; an exception raised while it is built, drawn or changed (a control, Reset)
    replaces it by one line (logged once on the server with its type), never a traceback. ``name``:
    the lesson as the address named it (else the file's stem)."""
    exception, _ = solara.use_exception()
    line = solara.use_memo(lambda: failure(exception, name or Path(source).stem, "building or drawing the lesson")
                           if exception is not None else "", [exception])
    if exception is not None:
        Message(line)
        return
    LessonPage(source)


@solara.component
def Page():
    solara.Style(CSS)
    search = solara.use_router().search
    try:
        source = requested(search)
    except UserError as exc:
        Refused(lesson_query(search) or "", str(exc)).key("refused")
        return
    Guarded(source, lesson_query(search) or "").key("lesson:" + source)


@solara.component
def LessonPage(source: str):
    cls = lesson_class(source)
    base = cls.base
    title = base.lesson.title if base.lesson else (base.title or base.name)
    neutral = solara.use_reactive(False)
    rename = renamer(base.actor_names, neutral.value)
    solara.Title(title)
    with solara.Column(style={"padding": "4px 12px", "gap": "0"}):
        goal = f" <span style='font-size:14px'>{escape(rename(base.lesson.goal))}</span>" if base.lesson else ""
        with solara.Row(style={"align-items": "center", "justify-content": "space-between"}):
            solara.HTML("div", unsafe_innerHTML=f"<h2 style='margin:0'>{escape(rename(title))}</h2>{goal}",
                        classes=["sim-title"])
            with solara.Div(classes=["sim-neutral"]):
                solara.Checkbox(label="Neutral names (Blue, Red)", value=neutral)
        with solara.lab.Tabs(dark=False):
            with solara.lab.Tab("Lesson"):
                LessonTab(cls, rename).key("lesson:" + source)
            with solara.lab.Tab("Play the computer"):
                PlayTab(base).key("play:" + source)
            with solara.lab.Tab("Tournament"):
                TournamentTab()

"""Tournament plots. Each takes data and an optional Axes, returns the Axes, and does no I/O."""

from __future__ import annotations

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..analysis.plots import PALETTE
from .evolution import Shares

LINESTYLES = ("-", "--", "-.", ":")
_MPL = tuple(int(x) for x in matplotlib.__version__.split(".")[:2])


def _axes(ax: Axes | None, size=(7, 4.2)) -> Axes:
    if ax is None:
        ax = Figure(figsize=size, layout="constrained").add_subplot()
    return ax


def payoff_heatmap(M: np.ndarray, labels: list[str], ax: Axes | None = None) -> Axes:
    """The payoff matrix (row's mean score per turn against column), values written in the cells."""
    n = len(labels)
    ax = _axes(ax, (1.2 + 0.75 * n, 0.9 + 0.6 * n))
    image = ax.imshow(M, cmap="viridis")
    ax.figure.colorbar(image, ax=ax, label="score per turn (row vs column)")
    ax.set_xticks(range(n), labels, rotation=45, ha="right")
    ax.set_yticks(range(n), labels)
    middle = (np.nanmax(M) + np.nanmin(M)) / 2
    for i in range(n):
        for j in range(n):
            ax.text(j, i, f"{M[i, j]:.2f}", ha="center", va="center", fontsize="small",
                    color="black" if M[i, j] > middle else "white")
    ax.set_xlabel("opponent")
    ax.set_ylabel("strategy")
    ax.set_title("Pairwise payoffs: mean score per turn")
    return ax


def score_boxplot(scores: np.ndarray, labels: list[str], ax: Axes | None = None) -> Axes:
    """Scores per turn across repetitions (``scores[r, i]``), strategies sorted by mean, best on top."""
    order = np.argsort(-scores.mean(axis=0))[::-1]
    ax = _axes(ax, (7, 1.2 + 0.45 * len(labels)))
    horizontal = {"orientation": "horizontal"} if _MPL >= (3, 10) else {"vert": False}
    parts = ax.boxplot([scores[:, i] for i in order], patch_artist=True, medianprops={"color": "black"},
                       **horizontal)
    for n, box in enumerate(parts["boxes"]):
        box.set_facecolor(PALETTE[order[n] % len(PALETTE)])
        box.set_alpha(0.6)
    ax.set_yticks(range(1, len(order) + 1), [labels[i] for i in order])
    ax.set_xlabel(f"mean score per turn over all opponents ({scores.shape[0]} repetitions)")
    ax.set_title("Tournament scores")
    ax.grid(axis="x", alpha=0.3)
    return ax


def population_shares(shares: Shares, labels: list[str], ax: Axes | None = None) -> Axes:
    """Share of each strategy in the population over time (replicator time, or Moran steps)."""
    ax = _axes(ax)
    for i, label in enumerate(labels):
        ax.plot(shares.times, shares.shares[:, i], color=PALETTE[i % len(PALETTE)],
                linestyle=LINESTYLES[(i // len(PALETTE)) % len(LINESTYLES)], label=label)
    ax.set_ylim(-0.02, 1.02)
    if shares.kind == "moran":
        reps = shares.counts.shape[0] if shares.counts is not None else 1
        ax.set_xlabel("Moran step (one birth and one death)")
        ax.set_title(f"Moran process: mean share over {reps} replicate{'s' * (reps != 1)}")
    else:
        ax.set_xlabel("time (replicator dynamics)")
        ax.set_title("Replicator dynamics from the payoff matrix")
    ax.set_ylabel("population share")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small", loc="best")
    return ax

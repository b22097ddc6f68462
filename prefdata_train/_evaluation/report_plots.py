"""The figures of the HTML evaluation report, each returned as a PNG `data:` URI.

Figures are drawn on matplotlib's Agg canvas directly (no `pyplot`), as in
`prefdata_train._workflows.plots`: no display needed, the user's backend untouched. Text that
comes from the data (subset and group names) is drawn with `parse_math=False`, since matplotlib
would otherwise read `$...$` in a name as a formula and fail on a malformed one.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from prefdata_train._evaluation.report_model import CalibrationBin

DPI = 100
MAX_BARS = 40  # more bars than this are unreadable; the page's table lists every group
MAX_LABEL = 40  # characters of a bar label; the table has the full name
COLORS = {"chosen": "tab:green", "rejected": "tab:red", "bar": "tab:blue", "flag": "tab:orange"}


class Bar(NamedTuple):
    """One accuracy bar: its label, the accuracy and its confidence interval (if known)."""

    label: str
    value: float
    low: float | None = None
    high: float | None = None


def finite(values: Sequence[float]) -> np.ndarray:
    """The finite values of `values` (a model can return NaN or inf; histograms cannot bin them)."""
    array = np.asarray(values, dtype=float)
    return array[np.isfinite(array)]


def to_data_uri(fig: Figure, *, dpi: int = DPI) -> str:
    """Render `fig` as PNG and return it as a `data:image/png;base64,...` URI."""
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


def accuracy_bars(bars: Sequence[Bar], *, title: str, reference: float | None = None, dpi: int = DPI) -> str:
    """Horizontal accuracy bars with confidence-interval whiskers (the first `MAX_BARS` bars).

    `reference` draws a dashed vertical line (chance level, or the overall accuracy).
    """
    shown = list(bars)[:MAX_BARS]
    fig = Figure(figsize=(7, 1.0 + 0.32 * len(shown)), layout="constrained")
    ax = fig.add_subplot()
    positions = np.arange(len(shown))[::-1]  # first bar on top
    values = [b.value for b in shown]
    # Whiskers only where both ends are known; matplotlib wants distances from the value.
    lower = [b.value - b.low if b.low is not None and b.high is not None else 0.0 for b in shown]
    upper = [b.high - b.value if b.low is not None and b.high is not None else 0.0 for b in shown]
    ax.barh(positions, values, color=COLORS["bar"], alpha=0.8, xerr=[lower, upper], capsize=3)
    ax.set_yticks(positions, [_short(b.label) for b in shown], parse_math=False)
    if reference is not None:
        ax.axvline(reference, color="black", linestyle="--", linewidth=1)
    ax.set_xlim(0.0, 1.0)
    ax.set_xlabel("accuracy")
    ax.set_title(title, parse_math=False)
    return to_data_uri(fig, dpi=dpi)


def reward_histograms(
    chosen: Sequence[float], rejected: Sequence[float], gaps: Sequence[float], *, dpi: int = DPI
) -> str:
    """Overlaid histograms of the finite chosen and rejected rewards, and of the gap of each pair."""
    chosen_a, rejected_a, gaps_a = finite(chosen), finite(rejected), finite(gaps)
    fig = Figure(figsize=(10, 3.5), layout="constrained")
    ax = fig.add_subplot(1, 2, 1)
    values = np.concatenate([chosen_a, rejected_a])
    if values.size:
        # Shared edges, so the two histograms line up bar for bar.
        bins = np.histogram_bin_edges(values, bins=int(np.clip(values.size // 4, 1, 40))).tolist()
        ax.hist(rejected_a, bins=bins, alpha=0.6, label="rejected", color=COLORS["rejected"])
        ax.hist(chosen_a, bins=bins, alpha=0.6, label="chosen", color=COLORS["chosen"])
        ax.legend()
    ax.set_xlabel("reward")
    ax.set_ylabel("completions")
    ax.set_title("reward distribution")
    gap_ax = fig.add_subplot(1, 2, 2)
    if gaps_a.size:
        # Bins span 0 too (the line drawn there): bins over gaps far from 0 alone would be slivers.
        edges = np.histogram_bin_edges(np.append(gaps_a, 0.0), bins=int(np.clip(gaps_a.size // 2, 1, 40)))
        gap_ax.hist(gaps_a, bins=edges.tolist(), color=COLORS["bar"])
    gap_ax.axvline(0.0, color="black", linewidth=1)
    gap_ax.set_xlabel("chosen - rejected")
    gap_ax.set_ylabel("pairs")
    gap_ax.set_title("reward gap per pair")
    return to_data_uri(fig, dpi=dpi)


def reliability_diagram(bins: Sequence[CalibrationBin], ece: float, *, dpi: int = DPI) -> str:
    """Observed frequency against mean predicted probability per non-empty bin, with the diagonal."""
    # (low, width, mean p, frequency) of the bins with entries; an empty bin has no mean to draw.
    filled = [
        (b.low, b.high - b.low, b.mean_p, b.frequency)
        for b in bins
        if b.n > 0 and b.mean_p is not None and b.frequency is not None
    ]
    fig = Figure(figsize=(4.5, 4.5), layout="constrained")
    ax = fig.add_subplot()
    ax.plot([0.0, 1.0], [0.0, 1.0], color="gray", linestyle="--", linewidth=1, label="perfect calibration")
    if filled:
        ax.bar(
            [f[0] for f in filled],
            [f[3] for f in filled],
            width=[f[1] for f in filled],
            align="edge",
            color=COLORS["bar"],
            alpha=0.6,
            edgecolor="white",
            label="observed",
        )
        ax.plot(
            [f[2] for f in filled],
            [f[3] for f in filled],
            "o",
            color="black",
            markersize=4,
            label="mean predicted",
        )
    ax.set_xlim(0.0, 1.0)
    ax.set_ylim(0.0, 1.0)
    ax.set_xlabel("predicted P(chosen preferred)")
    ax.set_ylabel("observed share preferred")
    ax.set_title(f"reliability (ECE {ece:.3f})")
    ax.legend(loc="upper left", fontsize="small")
    return to_data_uri(fig, dpi=dpi)

"""PNG plots of a training run and of a reward model's scores.

Figures are drawn on matplotlib's Agg canvas directly (no `pyplot`), so plotting works on a
machine without a display and never changes the user's global matplotlib backend.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from prefdata._plain_files import write_bytes_atomic

# (log key, axis title); train and eval values share an axis.
TRAINING_PANELS = (("loss", "loss"), ("accuracy", "pairwise accuracy"))


def _series(log_history: Sequence[dict[str, Any]], key: str) -> tuple[list[float], list[float]]:
    steps, values = [], []
    for entry in log_history:
        if key in entry and "step" in entry:
            steps.append(entry["step"])
            values.append(entry[key])
    return steps, values


def _save(fig: Figure, path: str | Path) -> Path:
    """Render `fig` and replace `path` with it whole (a run stopped mid-write leaves the old plot)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    FigureCanvasAgg(fig)
    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=100)
    return write_bytes_atomic(path, png.getvalue(), "plot")


def plot_training(log_history: Sequence[dict[str, Any]], path: str | Path) -> Path:
    """Draw loss and accuracy over steps (train, and eval when logged) from `trainer.state.log_history`."""
    fig = Figure(figsize=(10, 4), layout="constrained")
    for index, (key, title) in enumerate(TRAINING_PANELS):
        ax = fig.add_subplot(1, len(TRAINING_PANELS), index + 1)
        drawn = False
        for prefix, style in (("", "-"), ("eval_", "o--")):
            steps, values = _series(log_history, prefix + key)
            if steps:
                ax.plot(steps, values, style, label=f"{prefix.rstrip('_') or 'train'} {key}")
                drawn = True
        if drawn:
            ax.legend()
        else:
            ax.text(0.5, 0.5, f"no `{key}` logged\n(lower --logging-steps)", ha="center", va="center")
        ax.set_xlabel("step")
        ax.set_title(title)
    return _save(fig, path)


def plot_reward_distribution(
    chosen: Sequence[float], rejected: Sequence[float], path: str | Path, *, title: str = ""
) -> Path:
    """Draw overlaid histograms of chosen and rejected rewards, and of their gap."""
    fig = Figure(figsize=(10, 4), layout="constrained")
    ax = fig.add_subplot(1, 2, 1)
    # Shared bin edges, so the two histograms line up bar for bar.
    values = np.asarray(list(chosen) + list(rejected), dtype=float)
    bins = np.histogram_bin_edges(values, bins=int(np.clip(len(values) // 4, 1, 40))).tolist()
    ax.hist(rejected, bins=bins, alpha=0.6, label="rejected", color="tab:red")
    ax.hist(chosen, bins=bins, alpha=0.6, label="chosen", color="tab:green")
    ax.set_xlabel("reward")
    ax.set_ylabel("responses")
    ax.set_title(title or "reward distribution")
    ax.legend()
    gap_ax = fig.add_subplot(1, 2, 2)
    gaps = np.asarray(chosen, dtype=float) - np.asarray(rejected, dtype=float)
    # The axis spans 0 (the line drawn there) and the gaps, so bins must span it too: bins over the
    # gaps alone are slivers, invisible, when the gaps lie close together far from 0.
    gap_bins = np.histogram_bin_edges(np.append(gaps, 0.0), bins=int(np.clip(len(gaps) // 2, 1, 40)))
    gap_ax.hist(gaps, bins=gap_bins.tolist(), color="tab:blue")
    gap_ax.axvline(0.0, color="black", linewidth=1)
    gap_ax.set_xlabel("chosen - rejected")
    gap_ax.set_title("reward gap per pair")
    return _save(fig, path)

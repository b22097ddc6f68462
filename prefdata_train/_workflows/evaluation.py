"""Pairwise evaluation of a reward model: how often it scores the chosen response higher.

A pair counts as correct when `chosen_reward > rejected_reward` (a tie is wrong), as in TRL's
`accuracy` metric. Accuracy is reported overall, per value of a column (`by`), and, when the
data has a `margin` column, per quantile bucket of the margin.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from datasets import ClassLabel, Dataset, Value
from pydantic import BaseModel, Field

from prefdata._errors import PrefdataError
from prefdata_train._data.canonical_reader import load_canonical, pair_shape, strings_of
from prefdata_train._data.split_choice import eval_split_name, select_split
from prefdata_train._modeling.pair_scoring import score_pairs
from prefdata_train._workflows.plots import plot_reward_distribution

MARGIN_BUCKETS = 4
PLOT_FILE = "reward-distribution.png"


class GroupAccuracy(BaseModel):
    """Accuracy over the pairs of one group."""

    n: int
    accuracy: float


class MarginBucket(BaseModel):
    """Accuracy over the pairs whose margin lies in [low, high) (quantile edges; the last is closed)."""

    low: float
    high: float
    n: int
    accuracy: float


class EvaluationReport(BaseModel):
    """What `prefdata-train evaluate` prints; the per-pair rewards stay out of its JSON."""

    n_pairs: int
    accuracy: float = Field(description="Share of pairs with chosen reward > rejected reward.")
    mean_gap: float = Field(description="Mean of chosen reward - rejected reward.")
    mean_chosen: float
    mean_rejected: float
    by: str | None = Field(default=None, description="The column grouped by, if any.")
    by_group: dict[str, GroupAccuracy] = Field(default_factory=dict)
    by_margin: list[MarginBucket] = Field(default_factory=list, description="Empty without a margin column.")
    split: str | None = None
    plot: str | None = Field(default=None, description="Where the reward-distribution PNG was written.")
    chosen_rewards: list[float] = Field(default_factory=list, exclude=True, repr=False)
    rejected_rewards: list[float] = Field(default_factory=list, exclude=True, repr=False)


def _group_key(value: Any) -> str:
    """A JSON-object key for a group value: text as is, anything else as JSON (`null`, `true`, `3`)."""
    return value if isinstance(value, str) else json.dumps(value)


def check_group_column(dataset: Dataset, by: str) -> None:
    """Raise unless `by` is a column of scalar values (strings, numbers, booleans, labels)."""
    if by not in dataset.column_names:
        raise PrefdataError(
            f"no column `{by}` to group by; columns: {', '.join(dataset.column_names)}",
            fix="pass one of those to --by",
        )
    if not isinstance(dataset.features[by], (Value, ClassLabel)):
        raise PrefdataError(
            f"column `{by}` holds lists or structs, which cannot be grouped by",
            fix="group by a column of strings, numbers or booleans (e.g. `source`)",
        )


def _accuracy(correct: np.ndarray) -> GroupAccuracy:
    return GroupAccuracy(n=int(correct.size), accuracy=float(correct.mean()) if correct.size else 0.0)


def _by_group(correct: np.ndarray, values: Sequence[Any]) -> dict[str, GroupAccuracy]:
    keys = np.array([_group_key(v) for v in values], dtype=object)
    return {key: _accuracy(correct[keys == key]) for key in sorted(set(keys.tolist()))}


def _by_margin(correct: np.ndarray, margins: Sequence[float | None]) -> list[MarginBucket]:
    """Accuracy per non-empty quantile bucket of the margin; rows without a margin are left out."""
    known = np.array([m is not None for m in margins])
    if not known.any():
        return []
    values = np.array([m for m in margins if m is not None], dtype=float)
    edges = np.unique(np.quantile(values, np.linspace(0.0, 1.0, MARGIN_BUCKETS + 1)))
    # Inner edges split the buckets; a value equal to an edge goes to the upper bucket.
    index = np.searchsorted(edges[1:-1], values, side="right")
    hits = correct[known]
    if len(edges) == 1:  # every margin equal: one bucket
        edges = np.array([edges[0], edges[0]])
    buckets = []
    for b in range(len(edges) - 1):
        inside = index == b
        if inside.any():
            group = _accuracy(hits[inside])
            buckets.append(MarginBucket(low=edges[b], high=edges[b + 1], n=group.n, accuracy=group.accuracy))
    return buckets


def summarize_rewards(
    chosen: Sequence[float], rejected: Sequence[float], dataset: Dataset, *, by: str | None = None
) -> EvaluationReport:
    """Build the report from one reward per side of each row of `dataset`."""
    if not chosen:
        raise PrefdataError("no pairs to evaluate", fix="evaluate a split that has rows")
    chosen_a, rejected_a = np.asarray(chosen, dtype=float), np.asarray(rejected, dtype=float)
    correct = chosen_a > rejected_a
    return EvaluationReport(
        n_pairs=int(correct.size),
        accuracy=float(correct.mean()),
        mean_gap=float((chosen_a - rejected_a).mean()),
        mean_chosen=float(chosen_a.mean()),
        mean_rejected=float(rejected_a.mean()),
        by=by,
        by_group=_by_group(correct, dataset[by]) if by else {},
        by_margin=_by_margin(correct, dataset["margin"]) if "margin" in dataset.column_names else [],
        chosen_rewards=chosen_a.tolist(),
        rejected_rewards=rejected_a.tolist(),
    )


def evaluate_pairs(
    model: Any,
    tokenizer: Any,
    dataset: Dataset,
    *,
    by: str | None = None,
    batch_size: int = 16,
    max_length: int | None = None,
    progress: bool = False,
) -> EvaluationReport:
    """Score every pair of `dataset` with `model` and report pairwise accuracy and reward gap.

    With `progress`, a progress bar on stderr counts the responses scored.
    """
    if by:
        check_group_column(dataset, by)  # before the slow part
    chosen, rejected = score_pairs(
        model,
        tokenizer,
        dataset,
        batch_size=batch_size,
        max_length=max_length,
        progress=progress,
        desc="Evaluating",
    )
    return summarize_rewards(chosen, rejected, dataset, by=by)


def _text_length(value: Any) -> int:
    """Characters of a response: its text, or the contents of its messages."""
    return sum(len(text) for text in strings_of(value))


def longer_answer_accuracy(dataset: Dataset) -> float:
    """Accuracy of the trivial rule "the longer response is the chosen one" on `dataset`'s pairs.

    A model should beat it by a margin: data where it scores high rewards length, not quality.
    Equal lengths count as half right (a coin flip).
    """
    if len(dataset) == 0:
        raise PrefdataError("no pairs to compare", fix="use a split that has rows")
    chosen = np.array([_text_length(v) for v in dataset["chosen"]])
    rejected = np.array([_text_length(v) for v in dataset["rejected"]])
    return float(((chosen > rejected) + 0.5 * (chosen == rejected)).mean())


def default_plot_path(model_path: str | Path) -> Path:
    """Where `prefdata-train evaluate` draws the reward distribution unless told: beside the model."""
    return Path(model_path) / PLOT_FILE


def evaluate(
    model_path: str | Path,
    data_dir: str | Path,
    *,
    split: str | None = None,
    by: str | None = None,
    batch_size: int = 16,
    max_length: int | None = None,
    plot: str | Path | None = None,
    progress: bool = False,
) -> EvaluationReport:
    """Evaluate the reward model at `model_path` on a split of a canonical folder.

    `split` defaults to `test`, else `validation`. When `plot` is given, a histogram of chosen
    and rejected rewards is written there as PNG (`default_plot_path` is beside the model).
    With `progress`, a progress bar on stderr counts the responses scored.
    """
    from prefdata_train._modeling.model_loading import load_reward_model

    data = load_canonical(data_dir)
    split = split or eval_split_name(data)
    if split is None:
        raise PrefdataError(
            f"no `test` or `validation` split; the folder has {', '.join(data)}",
            where=str(data_dir),
            fix="choose a split with `--split`",
        )
    dataset = select_split(data, split, str(data_dir))
    pair_shape(dataset, f"{data_dir} [{split}]")
    if by:
        check_group_column(dataset, by)
    model, tokenizer = load_reward_model(model_path)
    report = evaluate_pairs(
        model, tokenizer, dataset, by=by, batch_size=batch_size, max_length=max_length, progress=progress
    )
    report.split = split
    if plot:
        title = f"{Path(model_path).name} on {split}: accuracy {report.accuracy:.3f}, {report.n_pairs} pairs"
        report.plot = str(
            plot_reward_distribution(report.chosen_rewards, report.rejected_rewards, plot, title=title)
        )
    return report

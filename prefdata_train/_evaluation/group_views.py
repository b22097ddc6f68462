"""Pairwise accuracy per group of pairs: per value of a column (`--by`) and per margin bucket.

Ported from `prefdata_train._workflows.evaluation` with the same behaviour, plus a Wilson
interval on every accuracy. A pair is correct when its chosen reward is strictly higher.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np

from prefdata_train._evaluation.intervals import wilson_interval
from prefdata_train._evaluation.report_model import GroupAccuracy, MarginBucket

MARGIN_BUCKETS = 4


def group_key(value: Any) -> str:
    """A JSON-object key for a group value: text as is, anything else as JSON (`null`, `true`, `3`)."""
    return value if isinstance(value, str) else json.dumps(value)


def accuracy_of(correct: np.ndarray) -> GroupAccuracy:
    """Accuracy of a boolean array with its Wilson interval (0 with interval (0, 1) when empty)."""
    n = int(correct.size)
    hits = float(correct.sum())
    return GroupAccuracy(n=n, accuracy=hits / n if n else 0.0, accuracy_ci=wilson_interval(hits, n))


def by_group(correct: np.ndarray, values: Sequence[Any]) -> dict[str, GroupAccuracy]:
    """Accuracy per distinct value (keys sorted); `values[i]` is the group of pair i."""
    keys = np.array([group_key(v) for v in values], dtype=object)
    return {key: accuracy_of(correct[keys == key]) for key in sorted(set(keys.tolist()))}


def by_margin(correct: np.ndarray, margins: Sequence[float | None]) -> list[MarginBucket]:
    """Accuracy per non-empty quantile bucket of the margin; pairs without a margin are left out."""
    known = np.array([m is not None for m in margins], dtype=bool)
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
            group = accuracy_of(hits[inside])
            buckets.append(
                MarginBucket(
                    low=float(edges[b]),
                    high=float(edges[b + 1]),
                    n=group.n,
                    accuracy=group.accuracy,
                    accuracy_ci=group.accuracy_ci,
                )
            )
    return buckets

"""Length bias: does the model prefer the longer completion, whatever its quality?

Pairs are split by which side is longer in tokens (chosen longer, chosen shorter, same
length); a model that rewards length is right far more often when the chosen completion is
the longer one. `gap` = accuracy(chosen longer) - accuracy(chosen shorter). The report flags
the model when |gap| > LENGTH_GAP_THRESHOLD and both groups have at least MIN_GROUP_PAIRS
pairs (below that, a 0.10 gap is within the noise of a Wilson interval: at 20 pairs its
half-width is about 0.2). The reward-length correlations are over every completion
(chosen and rejected alike), Pearson on the values and Spearman on their average ranks.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from prefdata_train._evaluation.group_views import accuracy_of
from prefdata_train._evaluation.item_pairs import ItemPairs
from prefdata_train._evaluation.report_model import LengthBias

LENGTH_GAP_THRESHOLD = 0.10
MIN_GROUP_PAIRS = 20


def average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n, ties sharing the mean of the ranks they span (as Spearman's rho needs)."""
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(1, len(values) + 1)
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=ranks)
    return sums[inverse] / counts[inverse]


def pearson(x: np.ndarray, y: np.ndarray) -> float | None:
    """Pearson correlation; None with fewer than two values or a constant side (undefined)."""
    if len(x) < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return None
    return float(np.corrcoef(x, y)[0, 1])


def length_bias(pairs: ItemPairs, rewards: Sequence[float], lengths: Sequence[int]) -> LengthBias:
    """Accuracy by which side is longer, and reward-length correlations over all completions."""
    correct = pairs.correct
    longer = accuracy_of(correct[pairs.chosen_length > pairs.rejected_length])
    shorter = accuracy_of(correct[pairs.chosen_length < pairs.rejected_length])
    same = accuracy_of(correct[pairs.chosen_length == pairs.rejected_length])
    gap = longer.accuracy - shorter.accuracy if longer.n and shorter.n else None
    r, n = np.asarray(rewards, dtype=float), np.asarray(lengths, dtype=float)
    enough = min(longer.n, shorter.n) >= MIN_GROUP_PAIRS
    return LengthBias(
        chosen_longer=longer,
        chosen_shorter=shorter,
        same_length=same,
        gap=gap,
        pearson=pearson(r, n),
        spearman=pearson(average_ranks(r), average_ranks(n)) if len(r) else None,
        threshold=LENGTH_GAP_THRESHOLD,
        min_group=MIN_GROUP_PAIRS,
        flagged=bool(gap is not None and enough and abs(gap) > LENGTH_GAP_THRESHOLD),
    )

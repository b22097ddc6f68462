"""The pairs of an evaluation set: every (chosen, rejected) combination of each item.

An item with c chosen and r rejected completions gives c x r pairs, in order: chosen 0 with
each rejected, then chosen 1 with each rejected, ... A plain pair (c = r = 1) gives one.
Pairwise views (accuracy, by group, calibration, length bias) are computed over these.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ItemPairs:
    """Parallel arrays, one entry per pair."""

    item: np.ndarray  # index of the item the pair comes from
    chosen: np.ndarray  # reward of its chosen completion
    rejected: np.ndarray  # reward of its rejected completion
    chosen_length: np.ndarray  # tokens of its chosen completion
    rejected_length: np.ndarray

    @property
    def correct(self) -> np.ndarray:
        """True where the chosen reward is strictly higher (a tie is wrong)."""
        return self.chosen > self.rejected


def item_pairs(
    rewards: Sequence[Sequence[float]], lengths: Sequence[Sequence[int]], n_chosen: Sequence[int]
) -> ItemPairs:
    """Expand per-completion rewards and lengths (chosen first in each item) into pairs."""
    item: list[int] = []
    chosen: list[float] = []
    rejected: list[float] = []
    chosen_len: list[int] = []
    rejected_len: list[int] = []
    for index, (reward, length, k) in enumerate(zip(rewards, lengths, n_chosen, strict=True)):
        r = len(reward) - k
        item.extend([index] * (k * r))
        for c in range(k):
            chosen.extend([reward[c]] * r)
            chosen_len.extend([length[c]] * r)
            rejected.extend(reward[k:])
            rejected_len.extend(length[k:])
    return ItemPairs(
        item=np.asarray(item, dtype=np.int64),
        chosen=np.asarray(chosen, dtype=float),
        rejected=np.asarray(rejected, dtype=float),
        chosen_length=np.asarray(chosen_len, dtype=np.int64),
        rejected_length=np.asarray(rejected_len, dtype=np.int64),
    )

"""Index arithmetic over rows that each hold a run of items (list elements, messages, pieces)."""

from __future__ import annotations

import numpy as np


def expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For rows holding `counts[i]` items: the row of every item, and its position within its row.

    `expand([2, 0, 3])` gives rows `[0, 0, 2, 2, 2]` and positions `[0, 1, 0, 1, 2]`.
    """
    counts = np.asarray(counts, dtype=np.int64)
    row = np.repeat(np.arange(len(counts)), counts)
    position = np.arange(len(row)) - np.repeat(np.cumsum(counts) - counts, counts)
    return row, position

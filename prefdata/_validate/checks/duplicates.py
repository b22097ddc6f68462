"""Exact duplicate pairs and contradicting pairs, from 8-byte hashes kept per row.

Each row keeps one 64-bit key: a hash of (prompt, {chosen, rejected}) with its lowest bit
replaced by the direction (which of the two was chosen), plus one byte saying whether chosen
equals rejected. Duplicates share key and direction; contradictions share the key with
both directions present.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from prefdata._validate.batch import BatchView
from prefdata._validate.batch_lookup import ViewOf, examples_for
from prefdata._validate.checks.base import Check
from prefdata._validate.finding_sink import FindingSink
from prefdata._validate.hashing import combine, hash_strings

_DIR = np.uint64(1)


class DuplicateCheck(Check):
    """`content.duplicate`, `content.contradiction`."""

    def __init__(self, view_of: Callable[[str], ViewOf]) -> None:
        self.view_of = view_of
        self.keys: list[np.ndarray] = []
        self.same: list[np.ndarray] = []

    def update(self, view: BatchView, sink: FindingSink) -> None:
        hp = (
            hash_strings(view.key("prompt"))
            if "prompt" in view.shape.sides
            else np.zeros(len(view), np.uint64)
        )
        hc, hr = hash_strings(view.key("chosen")), hash_strings(view.key("rejected"))
        key = combine(hp, np.minimum(hc, hr), np.maximum(hc, hr))
        self.keys.append((key & ~_DIR) | (hc > hr).astype(np.uint64))
        self.same.append(hc == hr)

    def end_split(self, split: str, sink: FindingSink) -> None:
        keys = np.concatenate(self.keys) if self.keys else np.zeros(0, np.uint64)
        same = np.concatenate(self.same) if self.same else np.zeros(0, bool)
        self.keys, self.same = [], []
        dup = _repeated(keys)
        examples_for(sink, "content.duplicate", self.view_of(split), dup, "chosen", split)
        contra = _contradicting(keys, same)
        examples_for(sink, "content.contradiction", self.view_of(split), contra, "chosen", split)


def _repeated(keys: np.ndarray) -> np.ndarray:
    """Rows whose key appeared in an earlier row."""
    if not len(keys):  # an empty split (every row dropped by convert): nothing to compare
        return np.zeros(0, np.int64)
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    later = np.concatenate([[False], ordered[1:] == ordered[:-1]])
    return np.sort(order[later])


def _contradicting(keys: np.ndarray, same: np.ndarray) -> np.ndarray:
    """Rows whose pair also appears, in this split, with chosen and rejected swapped."""
    rows = np.flatnonzero(~same)
    pair, direction = keys[rows] >> _DIR, keys[rows] & _DIR
    order = np.argsort(pair, kind="stable")
    pair, direction, rows = pair[order], direction[order], rows[order]
    if not len(pair):
        return rows
    starts = np.flatnonzero(np.concatenate([[True], pair[1:] != pair[:-1]]))
    both = np.minimum.reduceat(direction, starts) != np.maximum.reduceat(direction, starts)
    group = np.repeat(both, np.diff(np.concatenate([starts, [len(pair)]])))
    return np.sort(rows[group])

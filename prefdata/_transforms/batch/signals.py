"""Preference encodings decided for a whole batch at once, with the row path's rules.

Each function returns a `Signal`, or None when a column's Arrow type is one it does not
decide (the whole batch then goes to the row path). A row whose signal the row path would
drop or question (a flag that is neither 0 nor 1, two winners, an unknown label) is marked
`defer`: the row path converts it and names the problem.

| encoding  | winner                          | tie                                  |
| --------- | ------------------------------- | ------------------------------------ |
| `one_hot` | the response whose flag is on   | a tie column's flag is on            |
| `label`   | `winners[value]`                | `ties[value]` (the tie kind)         |
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from prefdata._transforms.batch.arrays import int_scalar, text_scalar, texts, to_bools
from prefdata._transforms.fields import signal_paths
from prefdata.records.spec import Label, OneHot, Preference

NO_TIE = -1


@dataclass
class Signal:
    """Per row: the preferred response (0 or 1), its tie kind (index into `kinds`, or `NO_TIE`), and
    whether the row path must decide it instead."""

    winner: np.ndarray
    tie: np.ndarray
    kinds: list[str]
    defer: np.ndarray


def decide(pref: Preference, batch: pa.RecordBatch) -> Signal | None:
    """The signal of every row of `batch`, or None when this encoding or a column type is not covered,
    or the batch lacks a column it reads."""
    if not set(signal_paths(pref) or []) <= set(batch.schema.names):
        return None
    if isinstance(pref, OneHot):
        return _one_hot(pref, batch)
    if isinstance(pref, Label):
        return _label(pref, batch)
    return None


def covers(pref: Preference) -> bool:
    """Whether `decide` handles this encoding at all."""
    return isinstance(pref, (OneHot, Label))


def _one_hot(pref: OneHot, batch: pa.RecordBatch) -> Signal | None:
    n = batch.num_rows
    winner, tie = np.zeros(n, dtype=np.int8), np.full(n, NO_TIE, dtype=np.int8)
    defer, decided = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    for column in pref.tie_columns:  # in order: the first tie column that is on or invalid decides
        flags = _flags(batch.column(column))
        if flags is None:
            return None
        on, bad = flags
        defer |= bad & ~decided
        tie[on & ~decided & ~defer] = 0
        decided |= on | bad
    count = np.zeros(n, dtype=np.int8)
    for i, column in enumerate(pref.columns):
        flags = _flags(batch.column(column))
        if flags is None:
            return None
        on, bad = flags
        defer |= bad & ~decided
        winner[on & ~decided] = i
        count += on
    defer |= ~decided & (count != 1)  # no winner or several: the row path drops it, with the flags shown
    if len(pref.columns) != 2:
        defer |= ~decided  # the row path's `1 - winner` assumes two responses
    return Signal(winner=winner, tie=tie, kinds=["tie"], defer=defer)


_ON_TEXT = texts(["1", "true", "True"])
_OFF_TEXT = texts(["0", "false", "False"])
_ONE, _ZERO = int_scalar(1), int_scalar(0)


def _flags(column: pa.Array) -> tuple[np.ndarray, np.ndarray] | None:
    """(on, invalid) for a flag column, as the row path reads flags: on is 1 (or true), off is 0
    (or false, or null); anything else is invalid. None for an Arrow type not covered."""
    kind = column.type
    if pa.types.is_null(kind):
        off = np.zeros(len(column), dtype=bool)
        return off, off
    if pa.types.is_boolean(kind):
        on = _bools(column)
        return on, np.zeros(len(column), dtype=bool)
    if pa.types.is_integer(kind) or pa.types.is_floating(kind):
        on, off = pc.equal(column, _ONE), pc.equal(column, _ZERO)
    elif pa.types.is_string(kind) or pa.types.is_large_string(kind):
        on, off = pc.is_in(column, value_set=_ON_TEXT), pc.is_in(column, value_set=_OFF_TEXT)
    else:
        return None
    on_np = _bools(on)
    off_np = _bools(off) | _bools(pc.is_null(column))
    return on_np, ~on_np & ~off_np


def _label(pref: Label, batch: pa.RecordBatch) -> Signal | None:
    column = batch.column(pref.column)
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return None  # the row path reads `str(value)`: only text is sure to read the same here
    n = len(column)
    winner, tie = np.zeros(n, dtype=np.int8), np.full(n, NO_TIE, dtype=np.int8)
    known = np.zeros(n, dtype=bool)
    kinds: list[str] = sorted(set(pref.ties.values()))
    for value, kind in pref.ties.items():
        hit = _bools(pc.equal(column, text_scalar(value)))
        tie[hit] = kinds.index(kind)
        known |= hit
    for value, index in pref.winners.items():
        if value in pref.ties:
            continue  # the row path looks ties up first
        hit = _bools(pc.equal(column, text_scalar(value)))
        if index not in (0, 1):
            return None
        winner[hit] = index
        known |= hit
    return Signal(winner=winner, tie=tie, kinds=kinds, defer=~known)


def _bools(values: pa.Array) -> np.ndarray:
    """A boolean array as numpy, null as False."""
    return to_bools(values)

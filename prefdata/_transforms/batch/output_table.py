"""The output table of the rows the batch lane builds itself, and the pieces it joins to it.

Pure functions over Arrow and numpy: the lane (`prefdata._engine.lane`) decides which rows they
get; the columns are the ones `rows_to_table` builds from the row path's rows for the same rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from prefdata._transforms.batch import message_columns, signals
from prefdata._transforms.batch.arrays import bool_array, from_numpy, indices, numbers
from prefdata._transforms.batch.turns import Turns


def clean_table(
    turns: Turns, signal: signals.Signal, first: int, *, explicit: bool, with_margin: bool, keep_ties: bool
) -> pa.Table:
    """The output columns of the clean rows `turns.rows` of a batch whose first row is input row `first`."""
    a_wins = signal.winner[turns.rows] == 0
    (a_start, a_step), (b_start, b_step) = turns.replies
    sides = (
        (np.where(a_wins, a_start, b_start), np.where(a_wins, a_step, b_step)),
        (np.where(a_wins, b_start, a_start), np.where(a_wins, b_step, a_step)),
    )
    columns: dict[str, pa.Array] = {}
    if explicit:
        ones = np.ones(len(turns.rows), dtype=np.int64)
        roles = np.full(len(turns.rows), message_columns.USER, dtype=np.int8)
        columns["prompt"] = message_columns.message_lists(turns.pool, turns.user[0], roles, ones)
    for name, start in zip(("chosen", "rejected"), sides, strict=True):
        parts = message_columns.interleaved(turns.user, start, turns.turns, with_first_user=not explicit)
        columns[name] = message_columns.message_lists(turns.pool, *parts)
    tie = signal.tie[turns.rows] != signals.NO_TIE
    if with_margin:  # one-hot and label signals carry no strength: 0.0 for a tie
        columns["margin"] = from_numpy(np.zeros(len(tie)), valid=tie)
    if keep_ties:
        columns["tie"] = bool_array(tie)
    columns["source_row"] = from_numpy((turns.rows + first).astype(np.int64))
    return pa.Table.from_arrays(list(columns.values()), names=list(columns))


def merge_by_source_row(fast: pa.Table, slow: pa.Table) -> pa.Table:
    """The rows of both tables in `source_row` order, as one chunk."""
    both = pa.concat_tables([fast, slow], promote_options="permissive")
    order = np.argsort(numbers(both["source_row"].combine_chunks()))
    return both.take(indices(order)).combine_chunks()


def tie_rejects(signal: signals.Signal, rows: np.ndarray, first: int, split: str) -> list[dict[str, Any]]:
    """The rejects of the tie rows `rows` (batch positions) dropped by the lane, in row order."""
    kinds = [signal.kinds[k] for k in signal.tie[rows].tolist()]
    return [
        {"split": split, "source_row": first + i, "reason": kind, "detail": ""}
        for i, kind in zip(rows.tolist(), kinds, strict=True)
    ]

"""The batch lane: converting whole Arrow record batches, with the row path's output.

```
record batch ─► signal (signals.py) ─► ties dropped ─► clean rows (turns.py) ─► columns (messages.py)
                      │ deferred                           │ not clean                       │
                      └──────────────► row path (RowConverter, one row at a time) ──► merged by source_row
```

The row path (`prefdata.transforms.pairs.RowConverter`) is the reference: the lane takes
only rows whose outcome it is sure of (a tie to drop, or a clean row to build) and hands
every other row, with the same values, to the row path, which converts it or names its
problem. The output rows, the rejects and the counts are the row path's, in the same order.

A spec is covered (`BatchPlan.for_converter`) when its preference is an encoding of
`signals.py`, its prompt is one JSON turn list of user turns and its responses are two JSON
turn lists of replies interleaved with it (the arena layout), with no tools, template
kwargs or margin column, and conversational output. Anything else converts row by row.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from prefdata.sources.files import batch_rows
from prefdata.tables import rows_to_table
from prefdata.transforms.batch import messages, signals
from prefdata.transforms.batch.arrays import bool_array, from_numpy, indices, numbers
from prefdata.transforms.batch.turns import Turns, read_turns

if TYPE_CHECKING:
    from prefdata.sources import SplitSource
    from prefdata.transforms.pairs import RowConverter

_TEXT_TYPES = (pa.string(), pa.large_string())


@dataclass
class BatchOutput:
    """What converting one record batch gave: its table (None when every row was dropped), its
    rejects in row order, and the counts."""

    table: pa.Table | None
    rejects: list[dict[str, Any]] = field(default_factory=list)
    rows_in: int = 0
    rows_out: int = 0
    dropped: Counter[str] = field(default_factory=Counter)


class BatchPlan:
    """How one spec's rows convert by batch; `for_converter` gives None for a spec not covered."""

    def __init__(self, converter: RowConverter, columns: tuple[str, str, str]) -> None:
        self.converter = converter
        self.columns = columns  # user turns, replies A, replies B
        options = converter.options
        self.explicit = options.prompt == "explicit"
        self.shape = (self.explicit, False)  # the row path's (explicit prompt, standard text)

    @classmethod
    def for_converter(cls, converter: RowConverter) -> BatchPlan | None:
        spec, options = converter.spec, converter.options
        resp = spec.responses
        if not signals.covers(spec.preference) or resp is None or len(spec.prompt) != 1:
            return None
        piece = spec.prompt[0]
        covered = (
            piece.format == "json_turns"
            and piece.role == "user"
            and not piece.optional
            and "." not in piece.column
            and resp.format == "json_turns"
            and resp.role == "assistant"
            and resp.interleave
            and len(resp.columns) == 2
            and not any("." in c for c in resp.columns)
            and converter.tools is None
            and converter.template_kwargs is None
            and converter.margin_source is None
            and options.format in ("auto", "conversational")
        )
        return cls(converter, (piece.column, resp.columns[0], resp.columns[1])) if covered else None

    def convert(self, batch: pa.RecordBatch, first: int, src: SplitSource) -> BatchOutput:
        """Convert the rows of `batch`, which are input rows `first`, `first + 1`, ... of `src`."""
        converter, n = self.converter, batch.num_rows
        everything = np.arange(n)
        names = set(batch.schema.names)
        texts = all(c in names and batch.schema.field(c).type in _TEXT_TYPES for c in self.columns)
        signal = signals.decide(converter.spec.preference, batch) if texts else None
        if signal is None:  # a column this batch lacks (files of a split differ) or holds in another type
            return self.row_path(batch, first, src, everything)
        tied = (signal.tie != signals.NO_TIE) & ~signal.defer
        ties = converter.options.ties
        if ties == "error" and tied.any():
            return self.row_path(batch, first, src, everything)  # raises, naming the row
        dropped_tie = tied if ties == "drop" else np.zeros(n, dtype=bool)
        turns = read_turns([batch.column(c) for c in self.columns], ~signal.defer & ~dropped_tie)
        if turns is None:
            return self.row_path(batch, first, src, everything)
        cut, head = self._head(batch, first, src, turns)
        if cut == n or converter.shape != self.shape:
            return join_outputs([head, self.row_path(batch, first, src, everything[cut:])])
        built = np.zeros(n, dtype=bool)
        built[turns.rows] = True
        out = self.row_path(batch, first, src, np.flatnonzero(~built & ~dropped_tie & (everything >= cut)))
        fast = self._table(turns, signal, first)
        out.table = fast if out.table is None else _merge(fast, out.table)
        out.rows_in, out.rows_out = n - cut, out.rows_out + len(turns.rows)
        _add_ties(out, signal, dropped_tie & (everything >= cut), first, src.name)
        return join_outputs([head, out]) if cut else out

    def _head(
        self, batch: pa.RecordBatch, first: int, src: SplitSource, turns: Turns
    ) -> tuple[int, BatchOutput]:
        """With no row written yet, the rows before the first clean one convert first, on the row path:
        one of them may set the split's shape. Returns where the lane takes over, and their output."""
        converter = self.converter
        if converter.shape is not None:
            return 0, BatchOutput(None)
        cut = int(turns.rows[0]) if len(turns.rows) else batch.num_rows
        head = self.row_path(batch, first, src, np.arange(cut))
        if converter.shape is None and cut < batch.num_rows:
            converter.shape = self.shape
        return cut, head

    def row_path(self, batch: pa.RecordBatch, first: int, src: SplitSource, rows: np.ndarray) -> BatchOutput:
        """Convert `rows` of `batch` one by one on the row path (its table holds their output only)."""
        from prefdata.convert import Tally, convert_unit

        tally, produced = Tally(), []
        rejects: list[dict[str, Any]] = []
        taken = batch.take(indices(rows)) if len(rows) != batch.num_rows else batch
        for i, row in zip(rows.tolist(), batch_rows(taken), strict=True):
            produced += convert_unit(self.converter, src, [first + i], row, first + i, tally, rejects.append)
        table = rows_to_table(produced) if produced else None
        return BatchOutput(table, rejects, tally.rows_in, tally.rows_out, tally.dropped)

    def _table(self, turns: Turns, signal: signals.Signal, first: int) -> pa.Table:
        """The output columns of the clean rows, as `rows_to_table` builds them from the row path's rows."""
        a_wins = signal.winner[turns.rows] == 0
        (a_start, a_step), (b_start, b_step) = turns.replies
        sides = (
            (np.where(a_wins, a_start, b_start), np.where(a_wins, a_step, b_step)),
            (np.where(a_wins, b_start, a_start), np.where(a_wins, b_step, a_step)),
        )
        columns: dict[str, pa.Array] = {}
        if self.explicit:
            ones = np.ones(len(turns.rows), dtype=np.int64)
            roles = np.full(len(turns.rows), messages.USER, dtype=np.int8)
            columns["prompt"] = messages.message_lists(turns.pool, turns.user[0], roles, ones)
        for name, start in zip(("chosen", "rejected"), sides, strict=True):
            parts = messages.interleaved(turns.user, start, turns.turns, with_first_user=not self.explicit)
            columns[name] = messages.message_lists(turns.pool, *parts)
        tie = signal.tie[turns.rows] != signals.NO_TIE
        if self.converter.with_margin:  # one-hot and label signals carry no strength: 0.0 for a tie
            columns["margin"] = from_numpy(np.zeros(len(tie)), valid=tie)
        if self.converter.options.ties == "keep":
            columns["tie"] = bool_array(tie)
        columns["source_row"] = from_numpy((turns.rows + first).astype(np.int64))
        return pa.Table.from_arrays(list(columns.values()), names=list(columns))


def join_outputs(outputs: list[BatchOutput]) -> BatchOutput:
    """The outputs of consecutive rows as one (one table chunk, rejects in order, counts added)."""
    if len(outputs) == 1:
        return outputs[0]
    joined = BatchOutput(None)
    tables = [out.table for out in outputs if out.table is not None]
    if tables:
        joined.table = pa.concat_tables(tables, promote_options="permissive").combine_chunks()
    for out in outputs:
        joined.rejects += out.rejects
        joined.rows_in += out.rows_in
        joined.rows_out += out.rows_out
        joined.dropped.update(out.dropped)
    return joined


def _merge(fast: pa.Table, slow: pa.Table) -> pa.Table:
    """The rows of both tables in `source_row` order, as one chunk."""
    both = pa.concat_tables([fast, slow], promote_options="permissive")
    order = np.argsort(numbers(both["source_row"].combine_chunks()))
    return both.take(indices(order)).combine_chunks()


def _add_ties(out: BatchOutput, signal: signals.Signal, dropped: np.ndarray, first: int, split: str) -> None:
    """Count and reject the tie rows dropped by the lane; rejects stay in row order."""
    rows = np.flatnonzero(dropped)
    if not len(rows):
        return
    kinds = [signal.kinds[k] for k in signal.tie[rows].tolist()]
    out.dropped.update(kinds)
    ties = [
        {"split": split, "source_row": first + i, "reason": kind, "detail": ""}
        for i, kind in zip(rows.tolist(), kinds, strict=True)
    ]
    out.rejects = sorted(out.rejects + ties, key=_source_row) if out.rejects else ties


def _source_row(reject: dict[str, Any]) -> int:
    return int(reject["source_row"])

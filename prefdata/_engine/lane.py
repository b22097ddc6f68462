"""The batch lane: converting whole Arrow record batches, with the row path's output.

```
record batch ─► signal (signals.py) ─► ties dropped ─► clean rows (turns.py) ─► columns (table.py)
                      │ deferred                           │ not clean                       │
                      └──────────────► row path (`prefdata._engine.rows`) ──────────► merged by source_row
```

The row path is the reference: the lane takes only rows whose outcome it is sure of (a tie to
drop, or a clean row to build) and hands every other row, with the same values, to the row
path, which converts it or names its problem. The output rows, the rejects and the counts are
the row path's, in the same order.

A spec is covered (`BatchPlan.for_converter`) when its preference is an encoding of
`signals.py`, its prompt is one JSON turn list of user turns and its responses are two JSON
turn lists of replies interleaved with it (the arena layout), with no tools, template
kwargs or margin column, and conversational output. Anything else converts row by row.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from prefdata._engine.rows import convert_unit
from prefdata._engine.work import Chunk, Converted
from prefdata._sources import SplitSource
from prefdata._sources.files import batch_rows
from prefdata._tables import rows_to_table
from prefdata._transforms.batch import signals
from prefdata._transforms.batch.arrays import indices
from prefdata._transforms.batch.output_table import clean_table, merge_by_source_row, tie_rejects
from prefdata._transforms.batch.turns import Turns, read_turns
from prefdata._transforms.pairs import RowConverter
from prefdata._transforms.split_state import SplitState

_TEXT_TYPES = (pa.string(), pa.large_string())


class BatchPlan:
    """How one spec's rows convert by batch; `for_converter` gives None for a spec not covered.

    Like the converter, a plan holds configuration only: the split's decisions are the state
    passed to `convert`, so one plan converts chunks on several threads at once.
    """

    def __init__(self, converter: RowConverter, columns: tuple[str, str, str]) -> None:
        self.converter = converter
        self.columns = columns  # user turns, replies A, replies B
        self.explicit = converter.options.prompt == "explicit"
        self.shape = (self.explicit, False)  # the row path's (explicit prompt, standard text)

    @classmethod
    def for_converter(cls, converter: RowConverter) -> BatchPlan | None:
        """The plan for `converter`'s spec and options, or None when the lane does not cover them."""
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

    def convert_chunk(self, chunk: Chunk, state: SplitState, src: SplitSource) -> Converted:
        """One chunk's result, one table (its pieces, several where it spans files or row groups, joined)."""
        total, first = Converted(), chunk.first
        for piece in chunk.batches:
            total += self.convert(piece, first, src, state)
            first += piece.num_rows
        return total.as_one_table()

    def convert(self, batch: pa.RecordBatch, first: int, src: SplitSource, state: SplitState) -> Converted:
        """Convert the rows of `batch`, which are input rows `first`, `first + 1`, ... of `src`."""
        converter, n = self.converter, batch.num_rows
        everything = np.arange(n)
        names = set(batch.schema.names)
        texts = all(c in names and batch.schema.field(c).type in _TEXT_TYPES for c in self.columns)
        signal = signals.decide(converter.spec.preference, batch) if texts else None
        if signal is None:  # a column this batch lacks (files of a split differ) or holds in another type
            return self.row_path(batch, first, src, everything, state)
        tied = (signal.tie != signals.NO_TIE) & ~signal.defer
        ties = converter.options.ties
        if ties == "error" and tied.any():
            return self.row_path(batch, first, src, everything, state)  # raises, naming the row
        dropped_tie = tied if ties == "drop" else np.zeros(n, dtype=bool)
        turns = read_turns([batch.column(c) for c in self.columns], ~signal.defer & ~dropped_tie)
        if turns is None:
            return self.row_path(batch, first, src, everything, state)
        cut, head = self._head(batch, first, src, turns, state)
        if cut == n or state.shape != self.shape:
            return (head + self.row_path(batch, first, src, everything[cut:], state)).as_one_table()
        built = np.zeros(n, dtype=bool)
        built[turns.rows] = True
        slow = np.flatnonzero(~built & ~dropped_tie & (everything >= cut))
        out = self.row_path(batch, first, src, slow, state)
        fast = clean_table(
            turns,
            signal,
            first,
            explicit=self.explicit,
            with_margin=converter.with_margin,
            keep_ties=ties == "keep",
        )
        out.tables = [merge_by_source_row(fast, out.tables[0]) if out.tables else fast]
        out.rows_in, out.rows_out = n - cut, out.rows_out + len(turns.rows)
        _add_ties(out, signal, np.flatnonzero(dropped_tie & (everything >= cut)), first, src.name)
        return (head + out).as_one_table() if cut else out

    def _head(
        self, batch: pa.RecordBatch, first: int, src: SplitSource, turns: Turns, state: SplitState
    ) -> tuple[int, Converted]:
        """With no row written yet, the rows before the first clean one convert first, on the row path:
        one of them may set the split's shape. Returns where the lane takes over, and their output."""
        if state.shape is not None:
            return 0, Converted()
        cut = int(turns.rows[0]) if len(turns.rows) else batch.num_rows
        head = self.row_path(batch, first, src, np.arange(cut), state)
        if state.shape is None and cut < batch.num_rows:
            state.shape = self.shape  # the first clean row sets it: the lane builds that shape
        return cut, head

    def row_path(
        self, batch: pa.RecordBatch, first: int, src: SplitSource, rows: np.ndarray, state: SplitState
    ) -> Converted:
        """Convert `rows` of `batch` one by one on the row path (its table holds their output only)."""
        out, produced = Converted(), []
        taken = batch.take(indices(rows)) if len(rows) != batch.num_rows else batch
        for i, row in zip(rows.tolist(), batch_rows(taken), strict=True):
            produced += convert_unit(self.converter, state, src, [first + i], row, first + i, out)
        if produced:
            out.tables.append(rows_to_table(produced))
        out.pair_drops = state.take_pair_drops()
        return out


def _add_ties(out: Converted, signal: signals.Signal, rows: np.ndarray, first: int, split: str) -> None:
    """Count and reject the tie rows (batch positions `rows`) dropped by the lane; rejects stay in row order."""
    if not len(rows):
        return
    ties = tie_rejects(signal, rows, first, split)
    out.dropped.update(reject["reason"] for reject in ties)
    out.rejects = sorted(out.rejects + ties, key=_source_row) if out.rejects else ties


def _source_row(reject: dict[str, Any]) -> int:
    return int(reject["source_row"])

"""One unit of conversion work and its result, with the one way results combine.

A split is converted in chunks: consecutive input rows, starting where a table starts.
Whatever runs a chunk (the row path, the batch lane, a worker process), it gives a
`Converted`; the results of consecutive chunks add up (`+`) to the split's, and written in
chunk order they give the same files whoever converted them.

| field        | holds                                                         |
| ------------ | ------------------------------------------------------------- |
| `tables`     | output tables, in order, one per `FLUSH_ROWS` input rows at most |
| `rejects`    | dropped input rows, in order (split, source_row, reason, detail) |
| `rows_in`, `rows_out`, `dropped`, `pair_drops` | the counts of the manifest  |
| `decided`    | a chunk converted apart: the split state it ended with (checked against the split's) |
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from prefdata._transforms.split_state import SplitState

# Input rows per Arrow table written (fewer rows out when rows are dropped). Tables end where
# the input row number reaches a multiple of it, so any chunk starting at such a multiple gives
# the tables the whole split would: that is what keeps every strategy's output identical.
FLUSH_ROWS = 4096


@dataclass
class Chunk:
    """Input rows `first`, `first + 1`, ... of a split, as the record batches that hold them."""

    first: int
    batches: list[pa.RecordBatch]


@dataclass
class Converted:
    """What converting some consecutive input rows of a split gave (see the module's table)."""

    tables: list[pa.Table] = field(default_factory=list)
    rejects: list[dict[str, Any]] = field(default_factory=list)
    rows_in: int = 0
    rows_out: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    pair_drops: Counter[str] = field(default_factory=Counter)
    decided: SplitState | None = None

    def __add__(self, later: Converted) -> Converted:
        """The result of these rows followed by `later`'s (the later state of decisions wins)."""
        return Converted(
            tables=self.tables + later.tables,
            rejects=self.rejects + later.rejects,
            rows_in=self.rows_in + later.rows_in,
            rows_out=self.rows_out + later.rows_out,
            dropped=self.dropped + later.dropped,
            pair_drops=self.pair_drops + later.pair_drops,
            decided=later.decided or self.decided,
        )

    def as_one_table(self) -> Converted:
        """The same result with its tables joined into one (the pieces of one chunk are one table)."""
        if len(self.tables) > 1:
            joined = pa.concat_tables(self.tables, promote_options="permissive").combine_chunks()
            self.tables = [joined]
        return self

    def counts(self) -> Converted:
        """The counts alone (no tables or rejects): a split's running total keeps no data."""
        return Converted(
            rows_in=self.rows_in,
            rows_out=self.rows_out,
            dropped=Counter(self.dropped),
            pair_drops=Counter(self.pair_drops),
        )

"""The two objects every reader returns: a `Source` and its `SplitSource`s."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

# A split's reader: given a batch size, yields lists of rows (plain dicts) in source order.
BatchReader = Callable[[int], Iterator[list[dict]]]
# The same, reading only the named columns (those the split has).
ColumnReader = Callable[[int, Sequence[str]], Iterator[list[dict]]]
# The same rows as Arrow record batches (columnar files only), before they become dicts.
ArrowReader = Callable[[int, Sequence[str] | None], Iterator[pa.RecordBatch]]


@dataclass
class SplitSource:
    """One split of an input, read lazily.

    `iter_batches` can be called any number of times; each call starts again from the first
    row, so row indices (0-based, in iteration order) are stable between passes.
    """

    name: str
    origin: str
    num_rows: int | None
    read: BatchReader = field(repr=False, compare=False)
    read_columns: ColumnReader | None = field(default=None, repr=False, compare=False)
    # set when the rows come from columnar files: `files.batch_rows` of each batch gives the
    # rows `iter_batches` yields (used to convert chunks of a split in worker processes)
    read_arrow: ArrowReader | None = field(default=None, repr=False, compare=False)

    def iter_batches(
        self, batch_size: int = 2048, columns: Sequence[str] | None = None
    ) -> Iterator[list[dict]]:
        """Yield the rows as plain Python dicts, in source order, at most `batch_size` at a time.

        `columns` is a hint for speed: a reader that can skip columns (`read_columns`) reads
        only those of them the split has; any other reader yields every column.
        """
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        if columns is not None and self.read_columns is not None:
            return self.read_columns(batch_size, columns)
        return self.read(batch_size)

    def sample(self, n: int = 200) -> list[dict]:
        """Return the first `n` rows (fewer when the split is shorter), reading only what is needed."""
        rows: list[dict] = []
        if n <= 0:
            return rows
        batches = self.iter_batches(min(n, 2048))
        try:
            for batch in batches:
                rows.extend(batch[: n - len(rows)])
                if len(rows) >= n:
                    break
        finally:
            # Closing the generator closes the file it holds open.
            close = getattr(batches, "close", None)
            if close is not None:
                close()
        return rows


@dataclass
class Source:
    """An opened input: its splits (in a stable order), column names and a cheap fingerprint."""

    description: str
    splits: dict[str, SplitSource]
    columns: list[str]
    fingerprint: str
    # the local files and folders read (none for a Hub id, a stream or a `datasets` object): an
    # output folder holding one of them is never replaced
    paths: list[Path] = field(default_factory=list)


def rebatch(rows: Iterable[dict], batch_size: int) -> Iterator[list[dict]]:
    """Group a stream of rows into lists of at most `batch_size` rows."""
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, batch_size)):
        yield batch


def aligned_batches(
    batches: Iterable[pa.RecordBatch], size: int
) -> Iterator[tuple[int, list[pa.RecordBatch]]]:
    """Record batches regrouped into chunks of `size` rows (the last may be shorter), in order:
    (the chunk's first row, its pieces). A chunk has several pieces where input batches end inside it."""
    first, count, pieces = 0, 0, []
    for whole in batches:
        batch = whole
        while batch.num_rows:
            part = batch.slice(0, size - count)
            pieces.append(part)
            count += part.num_rows
            batch = batch.slice(part.num_rows)
            if count == size:
                yield first, pieces
                first, count, pieces = first + count, 0, []
    if pieces:
        yield first, pieces


def union_columns(rows: Iterable[dict], initial: Iterable[str] = ()) -> list[str]:
    """Top-level keys seen in `rows`, in first-seen order, after the `initial` names."""
    seen = dict.fromkeys(initial)
    for row in rows:
        seen.update(dict.fromkeys(row))
    return list(seen)

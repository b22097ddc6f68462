"""The row path: the reference conversion, one input row (or one message tree) at a time.

Every other strategy either runs this on chunks (worker processes) or hands it each row it is
not sure of (the batch lane), so this is where a unit's rows are counted, converted or
rejected with their reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from prefdata._engine import work
from prefdata._engine.work import Chunk, Converted
from prefdata._errors import RowError
from prefdata._sources import SplitSource
from prefdata._sources.files import batch_rows
from prefdata._sources.jsonlines import FlawedRow
from prefdata._tables import rows_to_table
from prefdata._transforms.drops import Drop
from prefdata._transforms.fields import columns_read
from prefdata._transforms.pairs import RowConverter
from prefdata._transforms.split_state import SplitState

# (input rows it accounts for, the row or why it is dropped, the index it is converted as)
Unit = tuple[list[int], "dict[str, Any] | Drop", int]


def convert_units(
    units: Iterable[Unit], converter: RowConverter, state: SplitState, src: SplitSource, first: int = 0
) -> Iterator[Converted]:
    """Convert `units` (input rows from `first` on): one result per table, which ends where the input
    row number reaches a multiple of `FLUSH_ROWS` (and at the end), whatever the rows before gave."""
    flush_rows = work.FLUSH_ROWS
    flush_at = (first // flush_rows + 1) * flush_rows
    part, out = Converted(), []
    for indices, row, index in units:
        out += convert_unit(converter, state, src, indices, row, index, part)
        if first + part.rows_in >= flush_at:
            first += part.rows_in
            flush_at = (first // flush_rows + 1) * flush_rows
            yield _done(part, out, state)
            part, out = Converted(), []
    if part.rows_in:
        yield _done(part, out, state)


def _done(part: Converted, out: list[dict[str, Any]], state: SplitState) -> Converted:
    if out:
        part.tables.append(rows_to_table(out))
    part.pair_drops = state.take_pair_drops()
    return part


def convert_unit(
    converter: RowConverter,
    state: SplitState,
    src: SplitSource,
    indices: list[int],
    row: dict[str, Any] | Drop,
    index: int,
    into: Converted,
) -> list[dict[str, Any]]:
    """The output rows of one unit (none when it is dropped: then each of its input rows is rejected
    into `into`, whose counts are updated either way)."""
    into.rows_in += len(indices)
    try:
        if isinstance(row, Drop):
            raise row
        produced = converter.convert(row, src.name, index, state)
    except Drop as drop:
        into.dropped[drop.reason] += len(indices)
        for i in indices:  # a dropped tree rejects every row it was built from
            into.rejects.append(
                {"split": src.name, "source_row": i, "reason": drop.reason, "detail": drop.detail}
            )
        return []
    except RowError as exc:
        exc.where = f"{src.origin}, split {src.name}, {exc.where}"
        raise
    if getattr(converter.spec.preference, "structure", None) == "flat":
        for out in produced:  # built from several input rows (a whole tree): name them all
            out["source_rows"] = sorted(indices)
    into.rows_out += len(produced)
    return produced


def convert_chunk(converter: RowConverter, state: SplitState, src: SplitSource, chunk: Chunk) -> Converted:
    """The rows of one chunk of record batches, on the row path, as one result."""
    rows = (row for batch in chunk.batches for row in batch_rows(batch))
    units = (([chunk.first + i], row, chunk.first + i) for i, row in enumerate(rows))
    total = Converted()
    for part in convert_units(units, converter, state, src, chunk.first):
        total += part
    return total


def split_units(src: SplitSource, converter: RowConverter) -> Iterator[Unit]:
    """What a whole split converts as: each row its own unit, except in a flat message table.

    There the whole split is read into memory (memory grows with the split, for this layout
    only), each assembled tree is one unit numbered by its root's row, and rows in no tree are
    dropped as orphans.
    """
    if getattr(converter.spec.preference, "structure", None) != "flat":
        # only the columns the spec reads: the others are never decoded or turned into Python
        for index, row in _rows(src, columns_read(converter.spec)):
            yield [index], _flaw(row) or row, index
        return
    from prefdata._transforms.message_tree import assemble_flat

    rows = [row for _, row in _rows(src)]
    in_tree: set[int] = set()
    for tree, indices in assemble_flat([{} if _flaw(row) else row for row in rows]):
        in_tree.update(indices)
        yield indices, tree, indices[0]
    for index in (i for i in range(len(rows)) if i not in in_tree):
        row = rows[index]
        if flaw := _flaw(row):  # a flawed row is in no tree: its own problem, not an orphan
            yield [index], flaw, index
            continue
        detail = (
            f"parent {row.get('parent_id')!r} of message {row.get('message_id')!r} "
            "is not reachable from a root message in this split"
        )
        yield [index], Drop("orphan_message", detail), index


def _flaw(row: dict[str, Any]) -> Drop | None:
    """Why a row the reader flagged (a repeated JSON key) cannot be used; None for a sound row."""
    return Drop(row.reason, row.detail) if isinstance(row, FlawedRow) else None


def _rows(src: SplitSource, columns: list[str] | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
    index = 0
    for batch in src.iter_batches(columns=columns):
        for row in batch:
            yield index, row
            index += 1

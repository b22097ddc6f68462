"""Decoding a column of JSON text holding lists of strings (`'["hi", "and then?"]'`), a batch at a time.

No text becomes a Python object. The decoded strings of the rows stay in one Arrow array,
the *pool*: element k of row r is `pool[start[r] + k * step[r]]`. Two decoders share the work:

| value                                   | decoded by                                          |
| --------------------------------------- | --------------------------------------------------- |
| no backslash, no control character      | splitting on `"` (every quote delimits a string)     |
| anything else (`\\n`, `\\"`, `\\u00e9`, ...) | Arrow's JSON reader, with a `list<string>` schema |

The quote split keeps the text between quotes as it is; the pieces between strings must be
`[`, `,` and `]` (with spaces around them).

A row is decoded only when both decoders are sure to agree with `orjson.loads` (the row
path's parser), so a row left out is one the row path must see:

- the quote split takes only values of the exact shape above, with at least one string
  (`null` elements, numbers, `[]` are left out);
- the JSON reader reads one object per row, `{"v": <value>}`; a repeated or unknown key
  fails, and the parsed row count must equal the rows sent, so a value that closes its
  object and opens another (`'["a"]} {"v": ["b"]'`) cannot pass for two rows;
- a JSON document that fails (one row holds a number, a nested list, invalid JSON...) is cut
  in halves until the failing rows are isolated; those rows are left out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json

from prefdata._transforms.batch.arrays import (
    indices,
    numbers,
    text_bytes,
    text_scalar,
    texts,
    to_bools,
    valid,
)
from prefdata._transforms.batch.ranges import expand

MIN_PART = 64  # rows below which a failing JSON document is not cut again: its rows are left out
_BLOCK = 1 << 26  # JSON reader block size: one 4,096-row batch of long turns fits in one block
_BACKSLASH, _CONTROL_END = 0x5C, 0x20
_SCHEMA = pa.schema([("v", pa.list_(pa.string()))])
_GAPS = texts(["[", ",", "]"])
_OPEN, _CLOSE, _NOTHING = (text_scalar(t) for t in ('{"v":', "}\n", ""))


@dataclass
class Lists:
    """The decoded rows of one column: element k of row `rows[i]` is `pool[start[i] + k * step[i]]`."""

    rows: np.ndarray  # batch row numbers, ascending
    pool: pa.Array  # string
    start: np.ndarray
    length: np.ndarray
    step: np.ndarray


def decode(column: pa.Array, rows: np.ndarray) -> Lists:
    """Decode `rows` (ascending indices) of a text column; rows that are null or not sure are left out."""
    if column.null_count:
        rows = rows[valid(column)[rows]]
    column = column.cast(pa.string()) if pa.types.is_large_string(column.type) else column
    escaped = _escaped_rows(column)
    plain, tokens = _split_plain(column, rows[~escaped[rows]])
    parsed = _parse_escaped(column, rows[escaped[rows]], base=len(tokens))
    parts = [p for p in (plain, parsed) if p is not None]
    if not parts:
        empty = np.empty(0, dtype=np.int64)
        return Lists(empty, tokens, empty, empty, empty)
    pool = pa.concat_arrays([tokens, parsed.pool]) if parsed is not None else tokens
    merged = [
        np.concatenate([getattr(p, name) for p in parts]) for name in ("rows", "start", "length", "step")
    ]
    order = np.argsort(merged[0], kind="stable")
    rows_out, start, length, step = (m[order] for m in merged)
    return Lists(rows_out, pool, start, length, step)


def _escaped_rows(column: pa.Array) -> np.ndarray:
    """Rows whose text holds a backslash or a control character (line breaks included)."""
    offsets, data = text_bytes(column)
    data = data[offsets[0] : offsets[-1]]
    special = data < _CONTROL_END
    special |= data == _BACKSLASH
    hits = np.flatnonzero(special) + offsets[0]
    out = np.zeros(len(column), dtype=bool)
    if len(hits):
        out[np.searchsorted(offsets, hits, side="right") - 1] = True
    return out


def _split_plain(column: pa.Array, rows: np.ndarray) -> tuple[Lists | None, pa.Array]:
    """Decode plain rows by splitting on quotes; returns them and the pool of all pieces (strings at odd
    positions of each row's pieces, the structure between them at even positions)."""
    if len(rows) == 0:
        return None, _GAPS.slice(0, 0)
    whole = 2 * len(rows) >= len(column)  # most rows plain: split them all rather than copy them first
    split = pc.split_pattern(column if whole else column.take(indices(rows)), '"')
    tokens = split.flatten()
    offsets = numbers(split.offsets).astype(np.int64)
    at = rows if whole else np.arange(len(rows))
    first, count = (offsets[:-1] - offsets[0])[at], np.diff(offsets)[at]
    ok = (count >= 3) & (count % 2 == 1)  # at least one string, every quote closed
    rows, first, count = rows[ok], first[ok], count[ok]
    gap_row, gap = expand((count + 1) // 2)  # pieces 0, 2, ..., count - 1 lie between strings
    local = 2 * gap
    kind = np.where(local == 0, 0, np.where(local == count[gap_row] - 1, 2, 1))  # [ , ]
    gaps = tokens.take(indices(first[gap_row] + local))
    ok_gap = to_bools(pc.equal(pc.utf8_trim(gaps, " "), _GAPS.take(indices(kind))))
    keep = np.ones(len(rows), dtype=bool)
    keep[gap_row[~ok_gap]] = False
    steps = np.full(int(keep.sum()), 2, dtype=np.int64)
    return Lists(rows[keep], tokens, first[keep] + 1, (count[keep] - 1) // 2, steps), tokens


def _parse_escaped(column: pa.Array, rows: np.ndarray, base: int) -> Lists | None:
    """Decode rows with Arrow's JSON reader; pool indices start at `base`."""
    parts: list[tuple[np.ndarray, pa.ListArray]] = []
    _parse_part(column, rows, parts)
    parts = [(r, lst) for r, lst in parts if len(r)]
    if not parts:
        return None
    rows_out = np.concatenate([r for r, _ in parts])
    lists = pa.concat_arrays([lst for _, lst in parts])
    not_null = valid(lists)  # JSON `null`: left to the row path
    offsets = numbers(lists.offsets).astype(np.int64)
    length, start = np.diff(offsets), offsets[:-1] - offsets[0] + base
    keep = np.flatnonzero(not_null)
    ones = np.ones(len(keep), dtype=np.int64)
    return Lists(rows_out[keep], lists.flatten(), start[keep], length[keep], ones)


def _parse_part(column: pa.Array, rows: np.ndarray, parts: list[tuple[np.ndarray, pa.ListArray]]) -> None:
    if len(rows) == 0:
        return
    lists = _parse(column, rows)
    if lists is not None:
        parts.append((rows, lists))
        return
    if len(rows) < MIN_PART:
        return
    half = len(rows) // 2
    _parse_part(column, rows[:half], parts)
    _parse_part(column, rows[half:], parts)


def _parse(column: pa.Array, rows: np.ndarray) -> pa.ListArray | None:
    """`rows` of `column` as `list<string>`, or None when Arrow refuses the document they make."""
    try:
        values = column if len(rows) == len(column) else column.take(indices(rows))
        document = pc.binary_join_element_wise(_OPEN, values, _CLOSE, _NOTHING)
    except pa.ArrowException:  # past 32-bit offsets
        return None
    offsets, data = text_bytes(document)
    buffer = pa.py_buffer(data[offsets[0] : offsets[-1]])
    options = pa_json.ParseOptions(
        explicit_schema=_SCHEMA, newlines_in_values=True, unexpected_field_behavior="error"
    )
    try:
        table = pa_json.read_json(
            pa.BufferReader(buffer),
            read_options=pa_json.ReadOptions(block_size=_BLOCK, use_threads=False),
            parse_options=options,
        )
    except pa.ArrowException:  # invalid or unexpected JSON, or too large for one string array
        return None
    if table.num_rows != len(rows):
        return None
    return table.column(0).combine_chunks()

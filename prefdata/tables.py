"""Turning canonical Python rows into Arrow tables with a stable schema."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

# Types of the top-level columns whose values can all be null in a batch.
FIXED_TYPES = {
    "margin": pa.float64(),
    "tie": pa.bool_(),
    "tools": pa.string(),
    "source_row": pa.int64(),
}


def rows_to_table(rows: list[dict[str, Any]]) -> pa.Table:
    """An Arrow table of canonical rows; message structs carry the keys present in the batch."""
    table = pa.Table.from_pylist(rows)
    fields = [pa.field(f.name, FIXED_TYPES.get(f.name, _no_nulls(f.type))) for f in table.schema]
    return table.cast(pa.schema(fields))


def _no_nulls(t: pa.DataType) -> pa.DataType:
    """Replace all-null types (nothing seen yet) by string, recursively."""
    if pa.types.is_null(t):
        return pa.string()
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return pa.list_(pa.field(t.value_field.name, _no_nulls(t.value_type)))
    if pa.types.is_struct(t):
        return pa.struct([pa.field(f.name, _no_nulls(f.type)) for f in t])
    return t

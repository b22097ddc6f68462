"""Turning canonical Python rows into Arrow tables with a stable schema."""

from __future__ import annotations

import array
import itertools
from typing import Any

import numpy as np
import pyarrow as pa

# Types of the top-level columns whose values can all be null in a batch.
FIXED_TYPES = {
    "margin": pa.float64(),
    "tie": pa.bool_(),
    "tools": pa.string(),
    "source_row": pa.int64(),
    "source_rows": pa.list_(pa.int64()),
}


def rows_to_table(rows: list[dict[str, Any]]) -> pa.Table:
    """An Arrow table of canonical rows; message structs carry the keys present in the batch.

    The same table as `pa.Table.from_pylist(rows)` cast to `FIXED_TYPES` and `_no_nulls`
    (the first row's keys name the columns). The common columns (text, plain `{role,
    content}` messages, row numbers, margins) are assembled from their buffers: `pa.array`
    on Python lists imports pandas on first use, which would add half a second to every
    convert. Any other column goes through `pa.array`.
    """
    names = list(rows[0])
    columns = [_column(name, [row.get(name) for row in rows]) for name in names]
    return pa.Table.from_arrays(one_message_type(names, columns), names=names)


MESSAGE_COLUMNS = ("prompt", "chosen", "rejected")


def one_message_type(names: list[str], columns: list[pa.Array]) -> list[pa.Array]:
    """The columns, with `prompt`, `chosen` and `rejected` cast to one message struct (the union
    of their keys, in column order; a key a column lacks is null there).

    Every message of a dataset then has the same keys, so a turn two columns share reads back as
    equal dicts: TRL's `DPOTrainer` finds an implicit prompt by comparing chosen's and rejected's
    messages, and `tool_calls: None` on one side only would leave it no prompt at all.
    """
    kinds = [c.type for n, c in zip(names, columns, strict=True) if n in MESSAGE_COLUMNS]
    lists = list(dict.fromkeys(t for t in kinds if pa.types.is_list(t) and pa.types.is_struct(t.value_type)))
    if len(lists) < 2:
        return columns
    try:
        schemas = [pa.schema([("m", t)]) for t in lists]
        unified = pa.unify_schemas(schemas, promote_options="permissive").field("m").type
        return [c.cast(unified) if n in MESSAGE_COLUMNS else c for n, c in zip(names, columns, strict=True)]
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return columns  # a key of two kinds in two columns (the row checks prevent it): left as they are


def _column(name: str, values: list[Any]) -> pa.Array:
    built = build_column(values)
    if built is not None and built.type == FIXED_TYPES.get(name, built.type):
        return built
    inferred = pa.array(values)
    return inferred.cast(FIXED_TYPES.get(name, _no_nulls(inferred.type)))


def build_column(values: list[Any]) -> pa.Array | None:
    """The array `pa.array(values)` infers, for lists of text, `{role, content}` messages, ints
    or floats (with nulls, and at least one value); None for any other list."""
    kinds = set(map(type, values)) - {type(None)}
    if kinds == {str}:
        return _strings(values)
    if kinds == {list}:
        return _messages(values)
    if kinds == {int}:
        return _numbers(values, "q", pa.int64())
    if kinds == {float}:
        return _numbers(values, "d", pa.float64())
    return None


def _strings(values: list[Any]) -> pa.Array | None:
    texts: list[str] = [v if v is not None else "" for v in values] if None in values else values
    try:
        # one small bytes object per text, then one join: no second text-sized copy of the column
        encoded = list(map(str.encode, texts))
    except UnicodeEncodeError:  # lone surrogates: pa.array reports them
        return None
    data = b"".join(encoded)
    if len(data) >= 2**31:  # past 32-bit offsets
        return None
    offsets = array.array("i", itertools.accumulate(map(len, encoded), initial=0))
    mask, nulls = _validity(values)
    return pa.StringArray.from_buffers(len(values), pa.py_buffer(offsets), pa.py_buffer(data), mask, nulls)


def _messages(values: list[Any]) -> pa.Array | None:
    """`list<struct<role, content>>` when every message has exactly those two keys, role first."""
    lists: list[list[dict]] = [v if v is not None else [] for v in values] if None in values else values
    flat = list(itertools.chain.from_iterable(lists))
    if (
        not flat
        or set(map(type, flat)) != {dict}
        or set(map(len, flat)) != {2}
        or next(iter(flat[0])) != "role"
    ):
        return None
    try:
        roles, contents = [m["role"] for m in flat], [m["content"] for m in flat]
    except KeyError:
        return None
    role, content = build_column(roles), build_column(contents)
    if role is None or content is None or role.type != pa.string() or content.type != pa.string():
        return None
    messages = pa.StructArray.from_arrays([role, content], names=["role", "content"])
    offsets = array.array("i", itertools.accumulate(map(len, lists), initial=0))
    mask, nulls = _validity(values)
    return pa.Array.from_buffers(
        pa.list_(messages.type), len(values), [mask, pa.py_buffer(offsets)], nulls, children=[messages]
    )


def _numbers(values: list[Any], code: str, kind: pa.DataType) -> pa.Array | None:
    try:
        data = array.array(code, [v if v is not None else 0 for v in values])
    except OverflowError:  # past int64: pa.array picks another type
        return None
    mask, nulls = _validity(values)
    return pa.Array.from_buffers(kind, len(values), [mask, pa.py_buffer(data)], nulls)


def _validity(values: list[Any]) -> tuple[pa.Buffer | None, int]:
    """The validity bitmap (None when nothing is null) and the null count."""
    nulls = values.count(None)
    if not nulls:
        return None, 0
    valid = np.fromiter((v is not None for v in values), dtype=bool, count=len(values))
    return pa.py_buffer(np.packbits(valid, bitorder="little")), nulls


def _no_nulls(t: pa.DataType) -> pa.DataType:
    """Replace all-null types (nothing seen yet) by string, recursively."""
    if pa.types.is_null(t):
        return pa.string()
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return pa.list_(pa.field(t.value_field.name, _no_nulls(t.value_type)))
    if pa.types.is_struct(t):
        return pa.struct([pa.field(f.name, _no_nulls(f.type)) for f in t])
    return t


# `datasets` dtype names of the Arrow types its `Value` feature holds as they are.
_VALUE_DTYPES = {
    pa.null(): "null",
    pa.bool_(): "bool",
    **{t: str(t) for t in (pa.int8(), pa.int16(), pa.int32(), pa.int64())},
    **{t: str(t) for t in (pa.uint8(), pa.uint16(), pa.uint32(), pa.uint64())},
    pa.float16(): "float16",
    pa.float32(): "float32",
    pa.float64(): "float64",
    pa.string(): "string",
    pa.large_string(): "large_string",
    pa.binary(): "binary",
    pa.large_binary(): "large_binary",
    pa.date32(): "date32",
    pa.date64(): "date64",
}


def features_of(schema: pa.Schema) -> dict[str, Any]:
    """The `datasets` features (as `Features.to_dict()` gives them) of an Arrow schema.

    Written here for the types canonical data has, so writing an output never imports
    `datasets` (most of a small convert's start-up time); any other type is left to
    `datasets.Features.from_arrow_schema`.
    """
    try:
        return {f.name: _feature(f.type) for f in schema}
    except _NotCovered:
        from datasets import Features

        return Features.from_arrow_schema(schema.remove_metadata()).to_dict()  # type: ignore[no-any-return]


class _NotCovered(Exception):
    """An Arrow type `features_of` does not map itself."""


def _feature(t: pa.DataType) -> Any:
    if isinstance(t, pa.StructType):
        return {f.name: _feature(f.type) for f in t}
    if isinstance(t, pa.FixedSizeListType):
        return {"feature": _feature(t.value_type), "length": t.list_size, "_type": "List"}
    if isinstance(t, pa.ListType):
        return {"feature": _feature(t.value_type), "_type": "List"}
    if isinstance(t, pa.LargeListType):
        return {"feature": _feature(t.value_type), "_type": "LargeList"}
    if type(t) is pa.DataType and t in _VALUE_DTYPES:  # extension types are subclasses: not ours
        return {"dtype": _VALUE_DTYPES[t], "_type": "Value"}
    raise _NotCovered(str(t))

"""Moving values between numpy and Arrow through their buffers.

`pa.array`, `pa.scalar` and `BooleanArray.to_numpy` import pandas on first use, which adds a
quarter of a second to every `prefdata convert`; the batch steps build and read arrays here
instead, from and into the same memory.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from prefdata._tables import build_column

_KINDS = {
    np.dtype(np.int8): pa.int8(),
    np.dtype(np.int32): pa.int32(),
    np.dtype(np.int64): pa.int64(),
    np.dtype(np.float64): pa.float64(),
}


def from_numpy(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """An Arrow array of a numpy int8/int32/int64/float64 array (null where `valid` is False)."""
    values = np.ascontiguousarray(values)
    mask, nulls = None, 0
    if valid is not None and not valid.all():
        mask, nulls = pa.py_buffer(np.packbits(valid, bitorder="little")), int((~valid).sum())
    return pa.Array.from_buffers(_KINDS[values.dtype], len(values), [mask, pa.py_buffer(values)], nulls)


def indices(values: np.ndarray) -> pa.Array:
    """Row or element positions as an int64 Arrow array (for `take`)."""
    return from_numpy(np.asarray(values, dtype=np.int64))


def bool_array(values: np.ndarray) -> pa.Array:
    """An Arrow boolean array (no nulls) of a numpy bool array."""
    bits = pa.py_buffer(np.packbits(np.asarray(values, dtype=bool), bitorder="little"))
    return pa.Array.from_buffers(pa.bool_(), len(values), [None, bits])


def to_bools(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A boolean Arrow array as numpy, null read as False."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    n = len(array)
    if n == 0:
        return np.zeros(0, dtype=bool)
    out = _bits(array.buffers()[1], array.offset, n)
    return out & valid(array) if array.null_count else out


def valid(array: pa.Array) -> np.ndarray:
    """Which entries of `array` are not null."""
    bitmap = array.buffers()[0]
    if bitmap is None or not array.null_count:
        return np.ones(len(array), dtype=bool)
    return _bits(bitmap, array.offset, len(array))


def numbers(array: pa.Array) -> np.ndarray:
    """The values of a numeric Arrow array without nulls (list offsets, row numbers), as a numpy view."""
    assert not array.null_count, "numbers() reads arrays without nulls"
    dtype = np.dtype(array.type.to_pandas_dtype())
    return np.frombuffer(array.buffers()[1], dtype=dtype)[array.offset : array.offset + len(array)]


def text_bytes(column: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The offsets (one more than rows) and the value bytes of a string array, as numpy views."""
    offsets = np.frombuffer(column.buffers()[1], dtype=np.int32)[
        column.offset : column.offset + len(column) + 1
    ]
    data = column.buffers()[2]
    values = np.frombuffer(data, dtype=np.uint8) if data is not None else np.empty(0, dtype=np.uint8)
    return offsets, values


def texts(values: list[str]) -> pa.Array:
    """A string array of Python texts."""
    built = build_column(values)
    assert built is not None and built.type == pa.string(), "texts() takes a non-empty list of str"
    return built


def text_scalar(value: str) -> pa.Scalar:
    """A string scalar, for compute functions that take one."""
    return texts([value])[0]


def int_scalar(value: int) -> pa.Scalar:
    """An int64 scalar, for compute functions that take one."""
    return indices(np.array([value]))[0]


def _bits(buffer: pa.Buffer, offset: int, n: int) -> np.ndarray:
    packed = np.frombuffer(buffer, dtype=np.uint8)
    return np.unpackbits(packed, bitorder="little", count=offset + n)[offset:].astype(bool)

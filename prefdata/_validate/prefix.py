"""Common-prefix lengths of two string arrays, row by row, with numpy (no Python loop)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_PROBE = 64  # bytes compared first; only rows that agree that far get the exact comparison


def byte_buffers(values: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    arr = pc.fill_null(values, "").cast(pa.large_binary())
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset : arr.offset + len(arr) + 1]
    data_buf = arr.buffers()[2]
    data = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    return offsets, data


def _segment_lcp(
    a: np.ndarray, a_start: np.ndarray, b: np.ndarray, b_start: np.ndarray, n: np.ndarray
) -> np.ndarray:
    """Exact common-prefix length of a[a_start:a_start+n] and b[b_start:b_start+n], per segment."""
    lcp = n.copy()
    total = int(n.sum())
    if total == 0:
        return lcp
    seg = np.repeat(np.arange(len(n)), n)
    pos = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(n) - n, n)
    diff = np.flatnonzero(a[a_start[seg] + pos] != b[b_start[seg] + pos])
    segs, first = np.unique(seg[diff], return_index=True)
    lcp[segs] = pos[diff[first]]
    return lcp


def common_prefix_bytes(a: pa.Array, b: pa.Array, *, exact: bool = True) -> np.ndarray:
    """Bytes the two strings of each row share at their start.

    With `exact=False` a row whose first 64 bytes differ gets a value below 64 that is not
    exact; that is enough to tell whether one string is a prefix of the other, and cheap.
    """
    a_off, a_data = byte_buffers(a)
    b_off, b_data = byte_buffers(b)
    n = np.minimum(np.diff(a_off), np.diff(b_off))
    rows = np.arange(len(n))
    if not exact:
        probe = pc.equal(
            pc.binary_slice(a.cast(pa.large_binary()), 0, _PROBE),
            pc.binary_slice(b.cast(pa.large_binary()), 0, _PROBE),
        )
        rows = np.flatnonzero((n < _PROBE) | pc.fill_null(probe, False).to_numpy(zero_copy_only=False))
    lcp = np.minimum(n, _PROBE - 1) if not exact else np.zeros(len(n), dtype=np.int64)
    lcp[rows] = _segment_lcp(a_data, a_off[rows], b_data, b_off[rows], n[rows])
    return lcp


def strict_prefix(a: pa.Array, b: pa.Array) -> np.ndarray:
    """True where one string is a strict prefix of the other (the empty string included)."""
    a_len = pc.binary_length(pc.fill_null(a, "")).to_numpy(zero_copy_only=False)
    b_len = pc.binary_length(pc.fill_null(b, "")).to_numpy(zero_copy_only=False)
    lcp = common_prefix_bytes(a, b, exact=False)
    return (a_len != b_len) & (lcp == np.minimum(a_len, b_len))

"""64-bit hashes of strings and of rows, so set-like checks keep 8 bytes a row, not the text."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash

_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)


def hash_strings(values: pa.Array) -> np.ndarray:
    """xxh3-64 of each string (nulls hash as '')."""
    raw = pc.fill_null(values, "").cast(pa.large_binary()).to_pylist()
    return np.fromiter(map(xxhash.xxh3_64_intdigest, raw), dtype=np.uint64, count=len(raw))


def mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: spreads every input bit over the output."""
    x = x ^ (x >> np.uint64(30))
    x = x * _M1
    x = x ^ (x >> np.uint64(27))
    x = x * _M2
    return x ^ (x >> np.uint64(31))


def combine(*parts: np.ndarray) -> np.ndarray:
    """An order-dependent hash of several hash arrays."""
    out = np.zeros(len(parts[0]), dtype=np.uint64)
    for i, part in enumerate(parts):
        out = mix(out ^ part ^ np.uint64(i + 1))
    return out


def normalise_space(values: pa.Array) -> pa.Array:
    """Collapse whitespace runs to one space and trim, so prompts compare modulo spacing."""
    # split + join is several times faster than a regex replace on Arrow strings
    words = pc.utf8_split_whitespace(pc.utf8_trim_whitespace(pc.fill_null(values, "")))
    return pc.binary_join(words, pa.scalar(" ", values.type))

"""Turning message-list columns into one string per row, vectorised with pyarrow.compute.

A row's *key* is the exact serialisation used to compare responses (identical, prefix,
duplicate): messages joined by U+001E, each message `role␟name␟tool_call_id␟calls␟content`
(U+001F between fields), content last so that a reply cut short is a prefix of the full one.
A row's *content* is the message contents joined by newlines (lengths, garbage).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

MSG_SEP, FIELD_SEP, CALL_SEP, CALL_FIELD_SEP = "\x1e", "\x1f", "\x1c", "\x1d"


def _sep(sep: str) -> pa.Scalar:
    return pa.scalar(sep, pa.large_string())


def offsets_of(lists: pa.Array) -> np.ndarray:
    """Offsets (n + 1) of the flattened values of `lists`; null lists count as empty."""
    lengths = pc.fill_null(pc.list_value_length(lists), 0).to_numpy(zero_copy_only=False)
    return np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)])


def regroup(values: pa.Array, offsets: np.ndarray, sep: str, mask: pa.Array | None = None) -> pa.Array:
    """Join `values` into one string per list delimited by `offsets`."""
    lists = pa.LargeListArray.from_arrays(pa.array(offsets, pa.int64()), values, mask=mask)
    return pc.binary_join(lists, pa.scalar(sep, pa.large_string()))


def text_field(struct: pa.Array, name: str) -> pa.Array:
    """Field `name` of a struct array as large strings, '' where absent or null."""
    if name not in {struct.type.field(i).name for i in range(struct.type.num_fields)}:
        return pa.array([""] * len(struct), pa.large_string())
    values = pc.struct_field(struct, name)
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        values = values.cast(pa.large_string()) if pa.types.is_null(values.type) else _as_text(values)
    return pc.fill_null(values.cast(pa.large_string()), "")


def _as_text(values: pa.Array) -> pa.Array:
    # A non-string field (rare: numbers, nested values) is compared through its Python repr.
    return pa.array([None if v is None else str(v) for v in values.to_pylist()], pa.large_string())


def calls_text(messages: pa.Array) -> pa.Array:
    """One string per message serialising its tool calls (name, arguments, id); '' when none."""
    names = {messages.type.field(i).name for i in range(messages.type.num_fields)}
    if "tool_calls" not in names or pa.types.is_null(messages.type.field("tool_calls").type):
        return pa.array([""] * len(messages), pa.large_string())
    calls = pc.struct_field(messages, "tool_calls")
    flat = pc.list_flatten(calls)
    function = pc.struct_field(flat, "function")
    parts = [text_field(function, "name"), text_field(function, "arguments"), text_field(flat, "id")]
    one = pc.binary_join_element_wise(*parts, _sep(CALL_FIELD_SEP))
    return pc.fill_null(regroup(one, offsets_of(calls), CALL_SEP), "")


def message_keys(messages: pa.Array) -> pa.Array:
    """The key string of each message of a flattened struct array."""
    parts = [text_field(messages, "role"), text_field(messages, "name"), text_field(messages, "tool_call_id")]
    return pc.binary_join_element_wise(
        *parts, calls_text(messages), text_field(messages, "content"), _sep(FIELD_SEP)
    )


def conversation_text(lists: pa.Array) -> tuple[pa.Array, pa.Array]:
    """(key, content) strings per row of a message-list column; null lists give ''."""
    messages = pc.list_flatten(lists)
    offsets = offsets_of(lists)
    key = regroup(message_keys(messages), offsets, MSG_SEP)
    content = regroup(text_field(messages, "content"), offsets, "\n")
    return pc.fill_null(key, ""), pc.fill_null(content, "")


def without_last(lists: pa.Array) -> pa.Array:
    """Key strings of each conversation minus its last message (the implicit prompt)."""
    messages = pc.list_flatten(lists)
    offsets = offsets_of(lists)
    lengths = np.diff(offsets)
    keep = np.ones(len(messages), dtype=bool)
    keep[offsets[1:][lengths > 0] - 1] = False
    new_offsets = np.concatenate([[0], np.cumsum(np.maximum(lengths - 1, 0))])
    kept = message_keys(messages).filter(pa.array(keep))
    return pc.fill_null(regroup(kept, new_offsets, MSG_SEP), "")

"""The texts of canonical pairs, column at a time: what dedup keys and n-grams are made of.

| canonical shape | prompt text | chosen / rejected text |
| --- | --- | --- |
| explicit, standard | `prompt` | `chosen` / `rejected` |
| explicit, conversational | contents of the `prompt` messages, one per line | contents of the completion messages |
| implicit, conversational | contents of the messages before the last one of `chosen` | contents of all messages |
| implicit, standard | the longest common prefix of `chosen` and `rejected` | the whole text |

A message's text is its `content` (tool calls and names are not text a benchmark prompt shares).
"""

from __future__ import annotations

import os

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from prefdata._mix.textnorm import dedup_form


def pair_texts(table: pa.Table) -> tuple[pa.Array, pa.Array, pa.Array]:
    """(prompt, chosen, rejected) texts of every row of a canonical table, not yet normalised."""
    if "prompt" in table.column_names:
        return _text(table["prompt"]), _text(table["chosen"]), _text(table["rejected"])
    if _is_messages(table["chosen"].type):
        chosen = _combined(table["chosen"])
        return _joined(chosen, drop_last=True), _joined(chosen), _joined(_combined(table["rejected"]))
    pairs = zip(table["chosen"].to_pylist(), table["rejected"].to_pylist(), strict=True)
    prompts = [c[: len(os.path.commonprefix([c, r]))] for c, r in pairs]
    return pa.array(prompts, pa.large_string()), _text(table["chosen"]), _text(table["rejected"])


def prompt_texts(table: pa.Table) -> pa.Array:
    """The prompt text of every row (see the module docstring); a table of prompts alone works too."""
    return _text(table["prompt"]) if "prompt" in table.column_names else pair_texts(table)[0]


def _is_messages(kind: pa.DataType) -> bool:
    return pa.types.is_list(kind) or pa.types.is_large_list(kind)


def _combined(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


def _text(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    array = _combined(column)
    return _joined(array) if _is_messages(array.type) else array


def _contents(messages: pa.Array) -> tuple[pa.Array, pa.Array]:
    """(offsets starting at 0, the content of every message, nulls as empty strings)."""
    offsets = pc.subtract(messages.offsets, messages.offsets[0])
    contents = pc.fill_null(pc.struct_field(messages.flatten(), "content").cast(pa.large_string()), "")
    return offsets, contents


def _joined(messages: pa.Array, drop_last: bool = False) -> pa.Array:
    """Contents of each row's messages joined with line breaks (all but the last with `drop_last`)."""
    offsets, contents = _contents(messages)
    if drop_last:
        ends = pc.max_element_wise(pc.subtract(offsets.slice(1), 1), offsets.slice(0, len(offsets) - 1))
        keep = _ranges(offsets.slice(0, len(offsets) - 1), ends)
        contents = contents.take(keep[1])
        offsets = keep[0]
    lists = pa.LargeListArray.from_arrays(pa.array(offsets, pa.int64()), contents)
    return pc.binary_join(lists, pa.scalar("\n", pa.large_string()))


def _ranges(starts: pa.Array, ends: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Offsets and element indices of the ranges [start, end) of each row."""
    lengths = pc.subtract(ends, starts).to_numpy()
    new_offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=new_offsets[1:])
    base = np.repeat(starts.to_numpy().astype(np.int64) - new_offsets[:-1], lengths)
    indices = np.arange(new_offsets[-1], dtype=np.int64) + base
    return pa.array(new_offsets), pa.array(indices)


_FIELD = pa.scalar("\x1e", pa.large_string())  # between the parts of one message
_SIDE = pa.scalar("\x1f", pa.large_string())  # between prompt, chosen and rejected


def dedup_texts(table: pa.Table, what: str) -> tuple[pa.Array, np.ndarray]:
    """One key text per row saying everything that makes a pair (`what="pairs"`) or a prompt
    (`what="prompts"`) what it is: each message's role, content, name, tool call id and tool
    calls (as JSON), so two pairs that differ only in a tool call are different pairs; and per
    row, whether all of its text is empty (no evidence that two rows are the same).

    Each text is in the dedup form on its own (`textnorm.dedup_form`: a prompt's trailing line
    break is not a difference) and prefixed by its length, so no text can pass for another's
    separators (`a\x1fb` + `c` is not `a` + `b\x1fc`)."""
    sides = ["prompt"] if what == "prompts" else ["prompt", "chosen", "rejected"]
    parts = [_full_text(table[side]) for side in sides if side in table.column_names]
    if not parts:  # an implicit prompt: the whole of chosen holds it
        parts = [_full_text(table["chosen"])]
    texts = [text for text, _ in parts]
    key = texts[0] if len(texts) == 1 else pc.binary_join_element_wise(*texts, _SIDE)
    blank = np.logical_and.reduce([empty for _, empty in parts])
    return key, blank


def _key_field(texts: pa.Array) -> pa.Array:
    """`texts` in the dedup form, each prefixed by its length (`5:hello`)."""
    normal = dedup_form(texts)
    lengths = pc.utf8_length(normal).cast(pa.large_string())
    return pc.binary_join_element_wise(lengths, normal, pa.scalar(":", pa.large_string()))


def _full_text(column: pa.ChunkedArray | pa.Array) -> tuple[pa.Array, np.ndarray]:
    """(key text of each row, whether the row holds no text once normalised)."""
    array = _combined(column)
    if not _is_messages(array.type):
        key = _key_field(array)
        return key, pc.equal(key, pa.scalar("0:", pa.large_string())).to_numpy(zero_copy_only=False)
    offsets = pc.subtract(array.offsets, array.offsets[0])
    flat = array.flatten()
    names = [f.name for f in flat.type]
    fields = [
        _key_field(_message_field(flat, name))
        for name in ("role", "content", "name", "tool_call_id")
        if name in names
    ]
    if "tool_calls" in names:
        fields.append(_calls_text(pc.struct_field(flat, "tool_calls")))
    messages = pc.binary_join_element_wise(*fields, _FIELD) if len(fields) > 1 else fields[0]
    lists = pa.LargeListArray.from_arrays(pa.array(offsets, pa.int64()), messages)
    key = pc.binary_join(lists, pa.scalar("\n", pa.large_string()))
    contents = dedup_form(_message_field(flat, "content")) if "content" in names else None
    if contents is None:
        return key, np.ones(len(array), bool)
    per_row = pa.LargeListArray.from_arrays(pa.array(offsets, pa.int64()), contents)
    joined = pc.binary_join(per_row, pa.scalar("", pa.large_string()))
    return key, pc.equal(pc.fill_null(pc.utf8_length(joined), 0), 0).to_numpy(zero_copy_only=False)


def _message_field(flat: pa.Array, name: str) -> pa.Array:
    return pc.fill_null(pc.struct_field(flat, name).cast(pa.large_string()), "")


def _calls_text(calls: pa.Array) -> pa.Array:
    """Each message's tool calls as length-prefixed JSON text (`0:` for none); Python only for messages
    that have some."""
    import json

    lengths = pc.fill_null(pc.list_value_length(calls), 0).to_numpy(zero_copy_only=False)
    texts = ["0:"] * len(calls)
    for i in lengths.nonzero()[0].tolist():
        text = json.dumps(calls[i].as_py(), sort_keys=True, ensure_ascii=False)
        texts[i] = f"{len(text)}:{text}"
    return pa.array(texts, pa.large_string())

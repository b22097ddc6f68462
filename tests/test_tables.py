"""`rows_to_table` builds the very table (down to the IPC bytes) that `pa.Table.from_pylist` + cast gives."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import datasets
import pyarrow as pa
import pytest

from prefdata._tables import FIXED_TYPES, _no_nulls, build_column, rows_to_table


def reference(rows: list[dict]) -> pa.Table:
    """The slow, obviously right way: Arrow infers every type, then all-null types are fixed, then
    the message columns get one message type (every key any of them has)."""
    table = pa.Table.from_pylist(rows)
    fields = [pa.field(f.name, FIXED_TYPES.get(f.name, _no_nulls(f.type))) for f in table.schema]
    messages = [
        f.type
        for f in fields
        if f.name in ("prompt", "chosen", "rejected")
        and pa.types.is_list(f.type)
        and pa.types.is_struct(f.type.value_type)
    ]
    if messages:
        one = pa.unify_schemas([pa.schema([("m", t)]) for t in messages], promote_options="permissive")
        fields = [f.with_type(one.field("m").type) if f.type in messages else f for f in fields]
    return table.cast(pa.schema(fields))


def ipc_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def msg(role: str, content: str | None, **extra) -> dict:
    return {"role": role, "content": content, **extra}


_CALL = {"type": "function", "function": {"name": "f", "arguments": "{}"}, "id": "c1"}

CASES = {
    "conversational": [
        {
            "prompt": [msg("user", "hi")],
            "chosen": [msg("assistant", "a")],
            "rejected": [msg("assistant", "b")],
        },
        {"prompt": [msg("system", ""), msg("user", "q")], "chosen": [msg("assistant", None)], "rejected": []},
    ],
    "unicode": [
        {"chosen": [msg("assistant", "héllo ✓ 日本 🙂")], "rejected": [msg("assistant", "\x00\n")]},
        {"chosen": [msg("assistant", "plain")], "rejected": [msg("assistant", "ß" * 3)]},
    ],
    "null_lists_and_missing_keys": [
        {"prompt": [msg("user", "x")], "chosen": [msg("assistant", "a")], "source_row": 0},
        {"prompt": None, "chosen": [msg("assistant", "b")], "source_row": 1},
        {"chosen": [msg("assistant", "c")], "source_row": 2},  # no `prompt` key: null
        {"prompt": [msg("user", "y")], "chosen": None, "source_row": 3, "extra": 1},  # not a column
    ],
    "standard_text": [
        {"prompt": "p", "chosen": "a", "rejected": "", "margin": 1.5, "tools": None, "source_row": 0},
        {"prompt": None, "chosen": "é", "rejected": "b", "margin": None, "tools": "[]", "source_row": 7},
    ],
    "all_null_columns": [
        {"chosen": "a", "rejected": "b", "margin": None, "tools": None},
        {"chosen": "a", "rejected": "b", "margin": None, "tools": None},
    ],
    "content_all_null": [{"chosen": [msg("assistant", None)], "rejected": [msg("assistant", None)]}],
    "only_empty_lists": [
        {"prompt": [], "chosen": [msg("assistant", "a")], "rejected": [msg("assistant", "b")]}
    ],
    "tool_calls_and_names": [
        {"chosen": [msg("assistant", None, tool_calls=[_CALL])], "rejected": [msg("assistant", "b")]},
        {"chosen": [msg("tool", "42", name="f", tool_call_id="c1")], "rejected": [msg("assistant", "c")]},
    ],
    "keys_in_other_order": [
        {"chosen": [{"content": "a", "role": "assistant"}], "rejected": [msg("assistant", "b")]}
    ],
    "ties_and_kwargs": [
        {"chosen": "a", "rejected": "b", "tie": True, "chat_template_kwargs": {"enable_thinking": False}},
        {"chosen": "c", "rejected": "d", "tie": False, "chat_template_kwargs": None},
    ],
    "large_and_negative_numbers": [
        {"chosen": "a", "rejected": "b", "margin": -0.0, "source_row": 2**62},
        {"chosen": "a", "rejected": "b", "margin": float("inf"), "source_row": -1},
    ],
    "int_past_int64": [{"chosen": "a", "rejected": "b", "n": 2**63}],
    "mixed_str_and_messages": [{"chosen": "a", "rejected": [msg("assistant", "b")]}],
}


@pytest.mark.parametrize("name", CASES)
def test_same_table_and_bytes_as_from_pylist(name):
    rows = CASES[name]
    try:
        expected = reference(rows)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as exc:  # the same error, then
        with pytest.raises(type(exc)):
            rows_to_table(rows)
        return
    got = rows_to_table(rows)
    assert got.schema == expected.schema
    assert got.equals(expected)
    assert ipc_bytes(got) == ipc_bytes(expected)


def test_nan_keeps_its_bits():
    rows = [{"chosen": "a", "margin": float("nan")}, {"chosen": "b", "margin": -float("nan")}]
    assert ipc_bytes(rows_to_table(rows)) == ipc_bytes(reference(rows))


def test_many_nulls_across_bitmap_bytes():
    """Validity bitmaps over several bytes, with the last one partly used."""
    rows = [
        {"chosen": None if i % 3 == 0 else f"t{i}", "margin": None if i % 5 else i / 7} for i in range(37)
    ]
    assert ipc_bytes(rows_to_table(rows)) == ipc_bytes(reference(rows))


@pytest.mark.parametrize(
    ("values", "built"),
    [
        (["a", None], True),
        ([[msg("user", "a")], None, []], True),
        ([1, 2], True),
        ([0.5, None], True),
        ([True, False], False),  # bool is not int here
        ([None, None], False),  # all null: Arrow's null type, fixed later
        ([[]], False),  # no message at all: list<null>
        ([[msg("user", "a", name="n")]], False),  # a third key
        ([{"a": 1}], False),
    ],
)
def test_which_columns_are_built_from_buffers(values, built):
    """The fast path covers the canonical columns; the rest is left to `pa.array`."""
    assert (build_column(values) is not None) is built


def test_convert_of_a_file_imports_neither_datasets_nor_pandas(tmp_path):
    """`datasets` and pandas (which `pa.array` imports on first use) cost ~1.3 s of start-up."""
    source = tmp_path / "pairs.jsonl"
    source.write_text('{"prompt": "hi", "chosen": "a", "rejected": "b"}\n')
    code = (
        "import sys; from prefdata._convert import convert; "
        f"convert({str(source)!r}, {str(tmp_path / 'out')!r}); "
        "heavy = {'datasets', 'pandas'} & set(sys.modules); assert not heavy, heavy"
    )
    root = str(Path(__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path, env=env)
    assert datasets.load_from_disk(str(tmp_path / "out"))["train"]["chosen"] == ["a"]

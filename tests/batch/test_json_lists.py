"""`json_lists.decode` agrees with `orjson.loads` on every row it decodes, and decodes what it should."""

from __future__ import annotations

import json

import numpy as np
import orjson
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lane_support import RAW_VALUES, TURN_TEXTS

from prefdata._transforms.batch import json_lists
from prefdata._transforms.batch.json_lists import decode


def decoded(values: list[str | None]) -> dict[int, list[str | None]]:
    """Row -> decoded list, for the rows `decode` took."""
    column = pa.array(values, pa.string())
    lists = decode(column, np.arange(len(values)))
    pool = lists.pool.to_pylist()
    return {
        int(row): [pool[start + k * step] for k in range(length)]
        for row, start, length, step in zip(lists.rows, lists.start, lists.length, lists.step, strict=True)
    }


def orjson_list(value: str | None) -> list | None:
    """What the row path's parser makes of a value, when it is a list of strings or nulls."""
    try:
        parsed = orjson.loads(value) if value is not None else None
    except orjson.JSONDecodeError:
        return None
    if isinstance(parsed, list) and all(v is None or isinstance(v, str) for v in parsed):
        return parsed
    return None


@pytest.mark.parametrize("value", RAW_VALUES)
def test_traps_are_decoded_only_as_orjson_reads_them(value):
    got = decoded([value, '["fine"]'])
    assert got[1] == ["fine"]  # a bad neighbour does not spoil the row after it
    if 0 in got:
        assert got[0] == orjson_list(value)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(RAW_VALUES),
            st.lists(st.one_of(st.text(), st.sampled_from(TURN_TEXTS), st.none()), max_size=4).map(
                lambda v: json.dumps(v, ensure_ascii=False)
            ),
            st.lists(st.text(), max_size=3).map(json.dumps),
            st.none(),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_every_decoded_row_is_what_orjson_reads(values):
    for row, items in decoded(values).items():
        assert items == orjson_list(values[row])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.text(), min_size=1, max_size=4), min_size=1, max_size=20), st.booleans())
def test_every_list_of_strings_is_decoded(lists, ascii_only):
    """Valid turn lists are all taken (escapes, unicode and control characters included)."""
    values = [json.dumps(v, ensure_ascii=ascii_only) for v in lists]
    assert decoded(values) == dict(enumerate(lists))


def test_plain_values_skip_the_json_reader(monkeypatch):
    """Values with nothing to unescape are split on their quotes, never parsed."""
    monkeypatch.setattr(json_lists, "_parse", lambda *a: pytest.fail("JSON reader called"))
    assert decoded(['["a", "b c"]', '[ "x" ,"y"]']) == {0: ["a", "b c"], 1: ["x", "y"]}


def test_a_failing_document_is_cut_until_the_bad_rows_are_isolated(monkeypatch):
    monkeypatch.setattr(json_lists, "MIN_PART", 4)
    values = ['["a\\n"]'] * 40
    values[17] = '["a\\n", 3]'
    got = decoded(values)
    assert 17 not in got
    assert len(got) >= 36 and all(got[i] == ["a\n"] for i in got)


def test_large_string_columns_are_decoded():
    column = pa.array(['["a"]', '["b\\"c"]'], pa.large_string())
    lists = decode(column, np.arange(2))
    assert list(lists.rows) == [0, 1]

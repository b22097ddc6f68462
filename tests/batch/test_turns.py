"""Clean-row checks of `turns.read_turns`, and the helpers under them."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pyarrow as pa
import pytest

from prefdata._transforms.batch import arrays, turns
from prefdata._transforms.batch.ranges import expand


def test_space_codes_are_pythons_whitespace():
    assert {chr(c) for c in turns.SPACE_CODES} == {chr(c) for c in range(0x110000) if chr(c).isspace()}


@pytest.mark.parametrize(
    "text",
    ["", " ", "\u3000", "\x1c\x1d", " \n\t", "\u200b", " a", "\u3000x", "x", "\x85", "\xa0 \xa0"]
    + [" " * 70, " " * 70 + "x", "\u3000" * 65 + "y", " " * 63 + "\u3000"],
)
def test_blank_is_pythons_blank(text):
    pool = pa.array(["first", text, None])
    got = turns._blank_at(pool, np.array([1, 0, 2]))
    assert got.tolist() == [not text or text.isspace(), False, False]


def columns(rows):
    return [pa.array([json.dumps(r[i]) for r in rows]) for i in range(3)]


def test_clean_rows_and_why_others_are_not():
    rows = [
        (["q"], ["a"], ["b"]),  # clean
        (["q", "q2"], ["a", "a2"], ["b", "b2"]),  # clean, two turns
        (["q"], ["same"], ["same"]),  # first replies equal: the shared prompt is longer
        (["q"], ["a", "extra"], ["b"]),  # turn counts differ
        (["q"], [" "], ["b"]),  # blank reply
        (["\u3000"], ["a"], ["b"]),  # blank first user turn
        (["q", ""], ["a", "a2"], ["b", "b2"]),  # an empty later user turn is kept, as the row path keeps it
        (["q"], [None], ["b"]),  # null reply
        ([], [], []),  # no turn
    ]
    got = turns.read_turns(columns(rows), np.ones(len(rows), dtype=bool))
    assert got is not None
    assert list(got.rows) == [0, 1, 6]
    assert list(got.turns) == [1, 2, 2]


def test_candidates_limit_the_rows():
    rows = [(["q"], ["a"], ["b"])] * 3
    got = turns.read_turns(columns(rows), np.array([True, False, True]))
    assert list(got.rows) == [0, 2]


def test_expand():
    row, position = expand(np.array([2, 0, 3]))
    assert list(row) == [0, 0, 2, 2, 2]
    assert list(position) == [0, 1, 0, 1, 2]


def test_arrays_round_trip_without_pandas():
    code = (
        "import sys, numpy as np\n"
        "from prefdata._transforms.batch import arrays\n"
        "v = np.array([True, False, True, True, False, False, True, False, True])\n"
        "a = arrays.bool_array(v)\n"
        "assert (arrays.to_bools(a.slice(3)) == v[3:]).all()\n"
        "f = arrays.from_numpy(np.arange(4.0), valid=np.array([True, False, True, True]))\n"
        "assert f.null_count == 1 and (arrays.valid(f) == [True, False, True, True]).all()\n"
        "assert list(arrays.numbers(arrays.indices(np.arange(5)).slice(2))) == [2, 3, 4]\n"
        "assert 'pandas' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    assert arrays.to_bools(pa.array([True, None, False])).tolist() == [True, False, False]

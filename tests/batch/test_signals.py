"""Batch signals decide as the row path's encoders decide, or defer the row to it."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from prefdata._transforms.batch import signals
from prefdata._transforms.drops import Drop
from prefdata._transforms.encodings import label, one_hot
from prefdata.records.options import ConvertOptions
from prefdata.records.spec import Label, OneHot

ONE_HOT = OneHot(encoding="one_hot", columns=["a", "b"], tie_columns=["t"])
LABEL = Label(
    encoding="label",
    column="winner",
    winners={"model_a": 0, "model_b": 1},
    ties={"tie": "tie", "tie (bothbad)": "tie_both_bad"},
)
FLAGS = {
    pa.int64(): [0, 1, 2, -1, None],
    pa.float64(): [0.0, 1.0, 0.5, float("nan"), -0.0, None],
    pa.string(): ["0", "1", "true", "True", "false", "False", "yes", "", None],
    pa.bool_(): [True, False, None],
}


def row_path(encode, pref, row):
    """(winner, tie kind) the row path gives, or None when it drops the row."""
    try:
        choice = encode(row, pref, None, ConvertOptions(), "k")[0]
    except Drop:
        return None
    return choice.chosen, choice.tie


def batch_path(pref, batch):
    got = signals.decide(pref, batch)
    assert got is not None
    return [
        None if got.defer[i] else (int(got.winner[i]), None if got.tie[i] < 0 else got.kinds[got.tie[i]])
        for i in range(batch.num_rows)
    ]


@pytest.mark.parametrize("kind", list(FLAGS))
def test_one_hot_flags_of_every_type(kind):
    values = FLAGS[kind]
    rows = [{"a": a, "b": b, "t": t} for a in values for b in values for t in values]
    batch = pa.RecordBatch.from_pylist(rows, schema=pa.schema([(c, kind) for c in "abt"]))
    decided = batch_path(ONE_HOT, batch)
    for row, got in zip(rows, decided, strict=True):
        if got is not None:  # a deferred row is the row path's to decide
            assert got == row_path(one_hot, ONE_HOT, row), row
    assert sum(d is not None for d in decided) >= 3  # the usual 1/0/0 patterns are decided here


def test_labels():
    values = ["model_a", "model_b", "tie", "tie (bothbad)", "draw", "", None]
    batch = pa.RecordBatch.from_pylist(
        [{"winner": v} for v in values], schema=pa.schema([("winner", pa.string())])
    )
    decided = batch_path(LABEL, batch)
    assert decided[:4] == [(0, None), (1, None), (0, "tie"), (0, "tie_both_bad")]
    assert decided[4:] == [None, None, None]
    for value, got in zip(values[:4], decided[:4], strict=True):
        assert got == row_path(label, LABEL, {"winner": value})


def test_uncovered_types_go_to_the_row_path():
    batch = pa.RecordBatch.from_pylist([{"a": [1], "b": [0], "t": [0]}])
    assert signals.decide(ONE_HOT, batch) is None
    ints = pa.RecordBatch.from_pylist([{"winner": 1}])
    assert signals.decide(LABEL, ints) is None


def test_three_responses_defer():
    pref = OneHot(encoding="one_hot", columns=["a", "b", "c"], tie_columns=[])
    batch = pa.RecordBatch.from_pylist([{"a": 1, "b": 0, "c": 0}])
    assert np.all(signals.decide(pref, batch).defer)

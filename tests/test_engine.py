"""The conversion engine: one result type with one merge, explicit per-split state, strategy by argument."""

from __future__ import annotations

import json
import threading
from collections import Counter

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import prefdata
from prefdata import ConvertOptions
from prefdata._engine.lane import BatchPlan
from prefdata._engine.ordered import reconciled
from prefdata._engine.work import Chunk, Converted
from prefdata._layouts import builtin_spec
from prefdata._transforms.pairs import RowConverter
from prefdata._transforms.split_state import SplitState


def _arena(path, n=40):
    rows = {
        "model_a": ["m"] * n,
        "model_b": ["n"] * n,
        "prompt": [json.dumps([f"q{i}"]) for i in range(n)],
        "response_a": [json.dumps([f"a{i}"]) for i in range(n)],
        "response_b": [json.dumps([f"b{i}"]) for i in range(n)],
        "winner_model_a": [1] * n,
        "winner_model_b": [0] * n,
        "winner_tie": [0] * n,
    }
    pq.write_table(pa.table(rows), path)
    return path


def test_results_add_up_in_order():
    a = Converted([pa.table({"x": [1]})], [{"source_row": 0}], 2, 1, Counter(tie=1), Counter(no_margin=1))
    b = Converted([pa.table({"x": [2]})], [{"source_row": 3}], 3, 2, Counter(tie=1, bad_value=1))
    total = a + b
    assert [t["x"].to_pylist() for t in total.tables] == [[1], [2]]
    assert [r["source_row"] for r in total.rejects] == [0, 3]
    assert (total.rows_in, total.rows_out) == (5, 3)
    assert total.dropped == Counter(tie=2, bad_value=1) and total.pair_drops == Counter(no_margin=1)
    assert total.as_one_table().tables[0]["x"].to_pylist() == [1, 2]


def test_the_library_reads_no_environment_variable(tmp_path, monkeypatch):
    """Only the CLI maps PREFDATA_WORKERS / PREFDATA_BATCH; `convert`'s arguments decide."""
    monkeypatch.setenv("PREFDATA_WORKERS", "not a number")
    monkeypatch.setenv("PREFDATA_BATCH", "0")
    calls = []
    real = BatchPlan.convert_chunk
    monkeypatch.setattr(BatchPlan, "convert_chunk", lambda self, *a: calls.append(1) or real(self, *a))
    source = _arena(tmp_path / "arena.parquet")
    on = prefdata.convert(source, workers=2, batch=True)
    assert calls  # the lane ran, whatever PREFDATA_BATCH says
    calls.clear()
    off = prefdata.convert(source, workers=1, batch=False)
    assert not calls
    assert on.dataset["train"].to_list() == off.dataset["train"].to_list()


def test_one_converter_serves_splits_at_once():
    """The decisions of a split live in its state: a converter shared by two splits on two threads
    keeps each split's decisions apart (an extra message key that is text in one, a number in the other)."""
    spec = builtin_spec("trl-conversational")
    converter = RowConverter(spec, ConvertOptions(), ["prompt", "chosen", "rejected"])

    def row(lang):
        return {
            "prompt": [{"role": "user", "content": "q", "lang": lang}],
            "chosen": [{"role": "assistant", "content": "a"}],
            "rejected": [{"role": "assistant", "content": "b"}],
        }

    states = {"text": SplitState(), "number": SplitState()}
    out: dict[str, list] = {"text": [], "number": []}

    def run(name, value):
        for i in range(200):
            out[name] += converter.convert(value, name, i, states[name])

    threads = [
        threading.Thread(target=run, args=(name, row(v))) for name, v in (("text", "en"), ("number", 7))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(out["text"]) == len(out["number"]) == 200  # none dropped for the other split's kinds
    assert states["text"].key_kinds.kinds == {"lang": "text"}
    assert states["number"].key_kinds.kinds == {"lang": "number"}


def test_a_chunk_that_decided_otherwise_is_converted_again():
    split = SplitState()
    split.shape = (True, True)
    agreeing, contrary = SplitState(), SplitState()
    agreeing.shape, contrary.shape = (True, True), (True, False)
    chunks = [Chunk(0, []), Chunk(10, [])]
    results = [Converted(rows_in=10, decided=agreeing), Converted(rows_in=10, decided=contrary)]
    again = []

    def convert_again(chunk, state):
        again.append((chunk.first, state.shape))
        return Converted(rows_in=10, dropped=Counter(bad_value=10), decided=state)

    got = list(reconciled(zip(chunks, results, strict=True), split, convert_again))
    assert again == [(10, (True, True))]  # converted again from the split's state
    assert got[0] is results[0] and got[1].dropped == Counter(bad_value=10)
    assert split.shape == (True, True)


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        ({"workers": -1}, "workers=-1"),
        ({"workers": "2"}, "workers='2'"),
        ({"batch": "no"}, "batch='no' is not True or False"),
        ({"overwrite": 1}, "overwrite=1 is not True or False"),
        ({"spec": 42}, "spec=42 is a int"),
        ({"options": {"ties": "sometimes"}}, "options: ties"),
        ({"options": {"no_such_option": 1}}, "options: no_such_option"),
        ({"options": ["ties"]}, "is a list"),
    ],
)
def test_arguments_of_the_wrong_kind_are_named(tmp_path, arguments, words):
    """A wrong argument to `prefdata.convert` is a `PrefdataError` naming it, before any reading."""
    with pytest.raises(prefdata.PrefdataError) as refused:
        prefdata.convert(tmp_path / "not read.parquet", **arguments)
    assert words in refused.value.what and refused.value.fix


def test_options_may_be_a_mapping_of_their_fields(tmp_path):
    source = _arena(tmp_path / "arena.parquet")
    given = prefdata.convert(source, options={"ties": "keep"})
    assert given.manifest.options == ConvertOptions(ties="keep")

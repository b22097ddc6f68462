"""`prefdata._engine`: which splits take the batch lane, and the reader thread under it."""

from __future__ import annotations

import itertools
import json
import threading

import pyarrow.parquet as pq
import pytest
from lane_support import files, lane, write_parquet

import prefdata
from prefdata import ConvertOptions
from prefdata._engine.ordered import prefetched
from prefdata._engine.split import plan_for
from prefdata._errors import SourceError
from prefdata._layouts import builtin_spec
from prefdata._sources import open_source
from prefdata._transforms.pairs import RowConverter


def _split_and_converter(path, layout="arena-human-preference", options=None):
    src = open_source(path)
    return src.splits["train"], RowConverter(builtin_spec(layout), options or ConvertOptions(), src.columns)


def _arena(tmp_path, n=20):
    rows = [
        {
            "model_a": "m",
            "model_b": "n",
            "prompt": json.dumps([f"q{i}"]),
            "response_a": json.dumps([f"a{i}"]),
            "response_b": json.dumps([f"b{i}"]),
            "winner_model_a": 1,
            "winner_model_b": 0,
            "winner_tie": 0,
        }
        for i in range(n)
    ]
    return write_parquet(rows, "int", tmp_path / "arena.parquet")


def test_which_splits_take_the_lane(tmp_path):
    source = _arena(tmp_path)
    split, converter = _split_and_converter(source)
    assert plan_for(split, converter) is not None
    standard = RowConverter(builtin_spec("arena-human-preference"), ConvertOptions(format="standard"), [])
    assert plan_for(split, standard) is None  # text output is the row path's
    jsonl = tmp_path / "arena.jsonl"
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in pq.read_table(source).to_pylist()))
    assert plan_for(*_split_and_converter(jsonl)) is None  # JSON Lines rows are Python already
    assert plan_for(split, converter, batch=False) is None


def test_other_layouts_convert_row_by_row(hh_sample, tmp_path):
    split, converter = _split_and_converter(hh_sample, "hh-rlhf")
    assert plan_for(split, converter) is None


def test_prefetched_yields_everything_in_order():
    with prefetched(iter(range(100)), 3) as items:
        assert list(items) == list(range(100))


def test_a_read_error_is_raised_where_the_item_was_due():
    def reading():
        yield 1
        yield 2
        raise SourceError("cannot read parquet file (truncated)", where="x.parquet")

    got = []
    with pytest.raises(SourceError, match="truncated"), prefetched(reading(), 2) as items:
        got.extend(items)
    assert got == [1, 2]


def test_a_consumer_that_stops_stops_the_reader():
    before = threading.active_count()
    with prefetched(itertools.count(), 2) as items:
        assert next(items) == 0
    assert threading.active_count() == before  # joined: no reader left behind


def test_a_lane_conversion_leaves_no_thread_behind(tmp_path):
    source = _arena(tmp_path, 200)
    before = threading.active_count()
    with lane(True, workers=2, flush_rows=16) as how:
        prefdata.convert(source, tmp_path / "out", **how)
    assert threading.active_count() == before


def test_in_memory_conversion_takes_the_lane_too(tmp_path):
    """Nothing written: the lane's tables and rejects reach the `DatasetDict` and the result as the row path's."""
    rows = pq.read_table(_arena(tmp_path, 50)).to_pylist()
    for i in range(0, 50, 7):
        rows[i]["winner_tie"], rows[i]["winner_model_a"] = 1, 0
    rows[3]["response_b"] = json.dumps([" "])
    source = write_parquet(rows, "int", tmp_path / "mixed.parquet")
    results = []
    for enabled in (False, True):
        with lane(enabled, workers=2, flush_rows=16) as how:
            results.append(prefdata.convert(source, **how))
    by_rows, by_lane = results
    assert by_lane.dataset["train"].to_list() == by_rows.dataset["train"].to_list()
    assert by_lane.rejects == by_rows.rejects
    assert [r.reason for r in by_lane.rejects][:2] == ["tie", "empty_response"]
    assert by_lane.manifest.splits == by_rows.manifest.splits


def test_files_of_a_split_without_some_columns(tmp_path):
    """A shard lacking the tie column (or holding a turn list as another type) converts row by row."""
    rows = pq.read_table(_arena(tmp_path, 30)).to_pylist()
    folder = tmp_path / "shards"
    folder.mkdir()
    write_parquet(rows[:15], "int", folder / "train-0.parquet")
    pq.write_table(
        pq.read_table(folder / "train-0.parquet").drop_columns(["winner_tie"]), folder / "train-1.parquet"
    )
    outputs = []
    for enabled in (False, True):
        with lane(enabled, workers=0, flush_rows=8) as how:
            prefdata.convert(folder, tmp_path / str(enabled), **how)
        outputs.append(files(tmp_path / str(enabled)))
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[1]["prefdata.json"])["splits"]["train"]["rows_out"] == 30

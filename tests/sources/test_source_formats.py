"""open_source on single files: every format, row order, batching, and the error for each bad input."""

from __future__ import annotations

import gzip
import json

import datasets
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from prefdata._errors import SourceError
from prefdata._sources import SUPPORTED_EXTENSIONS, open_source

ROWS = [
    {"prompt": "2+2?", "chosen": "4", "rejected": "5", "score": 1},
    {"prompt": "capital of France?", "chosen": "Paris", "rejected": "Rome", "score": 2},
    {"prompt": "multi\nline", "chosen": 'yes, "quoted"', "rejected": "no", "score": 3},
]


def _rows(path, **kwargs) -> list[dict]:
    source = open_source(path, **kwargs)
    return [row for split in source.splits.values() for batch in split.iter_batches(2) for row in batch]


def _jsonl(rows: list[dict]) -> bytes:
    return b"".join(json.dumps(row).encode() + b"\n" for row in rows)


@pytest.mark.parametrize("name", ["data.jsonl", "data.json", "data.jsonl.gz", "data.json.gz"])
def test_json_lines_in_every_extension(tmp_path, name):
    path = tmp_path / name
    data = _jsonl(ROWS)
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    source = open_source(path)
    assert source.description == name
    assert list(source.splits) == ["train"]
    assert source.columns == ["prompt", "chosen", "rejected", "score"]
    assert source.splits["train"].num_rows is None
    assert _rows(path) == ROWS


@pytest.mark.parametrize("name", ["data.json", "data.json.gz"])
def test_json_array(tmp_path, name):
    path = tmp_path / name
    data = json.dumps(ROWS, indent=2).encode()
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    assert _rows(path) == ROWS


def test_mixed_types_blank_lines_bom_and_crlf(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"a": 1}\r\n\n   \n{"a": "text", "b": [1, {"c": null}]}\r\n')
    source = open_source(path)
    assert _rows(path) == [{"a": 1}, {"a": "text", "b": [1, {"c": None}]}]
    assert source.columns == ["a", "b"]


def test_parquet(tmp_path):
    path = tmp_path / "data.parquet"
    pq.write_table(pa.Table.from_pylist(ROWS), path, row_group_size=2)
    source = open_source(path)
    assert source.splits["train"].num_rows == 3
    assert _rows(path) == ROWS


def test_csv_with_embedded_newlines_reads_strings(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text('prompt,chosen,rejected,score\n"multi\nline","yes, ""quoted""",no,3\nq,,b,007\n')
    assert _rows(path) == [
        {"prompt": "multi\nline", "chosen": 'yes, "quoted"', "rejected": "no", "score": "3"},
        {"prompt": "q", "chosen": "", "rejected": "b", "score": "007"},
    ]


@pytest.mark.parametrize("writer", [pa.ipc.new_stream, pa.ipc.new_file])
def test_arrow_stream_and_file(tmp_path, writer):
    path = tmp_path / "data.arrow"
    table = pa.Table.from_pylist(ROWS)
    with pa.OSFile(str(path), "wb") as sink, writer(sink, table.schema) as out:
        for batch in table.to_batches(max_chunksize=2):
            out.write_batch(batch)
    source = open_source(path)
    assert source.splits["train"].num_rows == 3
    assert _rows(path) == ROWS


def test_arrow_written_by_datasets(tmp_path):
    dataset = datasets.Dataset.from_list(ROWS)
    dataset.save_to_disk(str(tmp_path / "saved"))
    assert _rows(tmp_path / "saved" / "data-00000-of-00001.arrow") == ROWS


def test_batches_respect_batch_size_and_sample_is_the_start(tmp_path):
    path = tmp_path / "many.jsonl"
    path.write_bytes(_jsonl([{"i": i} for i in range(10)]))
    split = open_source(path).splits["train"]
    assert [len(batch) for batch in split.iter_batches(4)] == [4, 4, 2]
    assert split.sample(3) == [{"i": 0}, {"i": 1}, {"i": 2}]
    assert split.sample(50) == [{"i": i} for i in range(10)]
    # Each pass starts again from the first row.
    assert [row["i"] for batch in split.iter_batches() for row in batch] == list(range(10))


def test_sample_stops_before_a_bad_line(tmp_path):
    path = tmp_path / "late_error.jsonl"
    # open_source samples 200 rows for the columns: put the bad line after them.
    path.write_bytes(_jsonl([{"i": i} for i in range(300)]) + b"{oops\n")
    split = open_source(path).splits["train"]
    assert split.sample(3) == [{"i": 0}, {"i": 1}, {"i": 2}]
    with pytest.raises(SourceError, match="line 301"):
        list(split.iter_batches())


def test_invalid_json_line_names_file_line_and_excerpt(tmp_path):
    path = tmp_path / "broken.jsonl"
    path.write_bytes(b'{"a": 1}\n\n{"a": 2, oops}\n')
    with pytest.raises(SourceError) as info:
        _rows(path)
    message = str(info.value)
    assert "broken.jsonl, line 3" in message
    assert "invalid JSON" in message and "oops" in message


def test_line_that_is_not_an_object(tmp_path):
    path = tmp_path / "list.jsonl"
    path.write_bytes(b'{"a": 1}\n[1, 2]\n')
    with pytest.raises(SourceError, match=r"list.jsonl, line 2: expected a JSON object, got an array"):
        _rows(path)


def test_json_array_item_that_is_not_an_object(tmp_path):
    path = tmp_path / "array.json"
    path.write_text('[{"a": 1}, "b"]')
    with pytest.raises(SourceError, match=r"array.json, array item 1: expected a JSON object, got a string"):
        _rows(path)


def test_non_utf8_line(tmp_path):
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(b'{"a": "ok"}\n{"a": "caf\xe9"}\n')
    with pytest.raises(SourceError, match=r"latin1.jsonl, line 2: line is not valid UTF-8"):
        _rows(path)


def test_truncated_gzip(tmp_path):
    path = tmp_path / "cut.jsonl.gz"
    data = gzip.compress(_jsonl([{"text": "x" * 50, "i": i} for i in range(2000)]))
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(SourceError, match=r"cut.jsonl.gz: file is truncated or corrupt") as info:
        _rows(path)
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_gz_that_is_not_gzip(tmp_path):
    path = tmp_path / "plain.jsonl.gz"
    path.write_bytes(_jsonl(ROWS))
    with pytest.raises(SourceError, match="file is truncated or corrupt"):
        open_source(path)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("empty.jsonl", b""),
        ("blank.jsonl", b"\n \n\n"),
        ("empty.json", b"[]"),
        ("empty.jsonl.gz", gzip.compress(b"")),
        ("empty.csv", b""),
        ("header_only.csv", b"prompt,chosen,rejected\n"),
        ("empty.parquet", b""),
    ],
)
def test_empty_file(tmp_path, name, content):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(SourceError, match="file is empty: no rows"):
        _rows(tmp_path / name)


def test_corrupt_parquet(tmp_path):
    path = tmp_path / "bad.parquet"
    path.write_bytes(b"not parquet at all")
    with pytest.raises(SourceError, match=r"bad.parquet: cannot read .parquet file"):
        open_source(path)


def test_unknown_extension_lists_supported_ones(tmp_path):
    path = tmp_path / "data.xlsx"
    path.write_bytes(b"x")
    with pytest.raises(SourceError, match="unsupported file type '.xlsx'") as info:
        open_source(path)
    assert all(ext in info.value.fix for ext in SUPPORTED_EXTENSIONS)


def test_missing_file(tmp_path):
    with pytest.raises(SourceError, match="no such file or folder"):
        open_source(tmp_path / "nope.jsonl")


def test_subset_on_a_local_file_is_an_error(tmp_path):
    path = tmp_path / "data.jsonl"
    path.write_bytes(_jsonl(ROWS))
    with pytest.raises(SourceError, match="subset 'default' given"):
        open_source(path, subset="default")


def test_split_selection_lists_available_splits(tmp_path):
    path = tmp_path / "data.jsonl"
    path.write_bytes(_jsonl(ROWS))
    assert list(open_source(path, split="train").splits) == ["train"]
    with pytest.raises(SourceError, match="no split 'test'; available: train"):
        open_source(path, split="test")


def test_fingerprint_is_stable_and_follows_changes(tmp_path):
    path = tmp_path / "data.jsonl"
    path.write_bytes(_jsonl(ROWS))
    first = open_source(path).fingerprint
    assert first == open_source(path).fingerprint
    assert len(first) == 64 and int(first, 16) >= 0
    path.write_bytes(_jsonl(ROWS[:2]))
    assert open_source(path).fingerprint != first


def test_real_hh_rlhf_sample(hh_sample):
    source = open_source(hh_sample)
    assert source.columns == ["chosen", "rejected"]
    rows = [row for batch in source.splits["train"].iter_batches() for row in batch]
    assert len(rows) == 2312
    assert rows[0]["chosen"].startswith("\n\nHuman:")


def test_real_oasst_sample(oasst_sample):
    source = open_source(oasst_sample)
    rows = [row for batch in source.splits["train"].iter_batches(30) for row in batch]
    assert len(rows) == 100
    assert "message_tree_id" in source.columns and isinstance(rows[0]["prompt"], dict)

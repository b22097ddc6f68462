"""Canonical data in parquet, jsonl and folders of split files is read with its splits."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq

from prefdata._validate import validate
from tests.validate.conftest import clean_standard


def test_single_parquet_file_is_train(tmp_path):
    rows = clean_standard()
    rows[1]["chosen"] = ""
    path = tmp_path / "prefs.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path)
    report = validate(path)
    assert list(report.splits) == ["train"]
    assert [e.row for e in report.finding("content.empty").examples] == [1]


def test_folder_of_split_files(tmp_path):
    rows = clean_standard()
    (tmp_path / "data").mkdir()
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "data" / "train-00000-of-00001.parquet")
    (tmp_path / "data" / "test.jsonl").write_text("\n".join(json.dumps(r) for r in rows[:2]) + "\n")
    report = validate(tmp_path / "data")
    assert sorted(report.splits) == ["test", "train"]
    assert report.finding("splits.prompt_leak").breakdown == {"train->test": 2}


def test_batches_across_row_groups_keep_row_numbers(tmp_path, monkeypatch):
    import prefdata._validate.reading as reading

    monkeypatch.setattr(reading, "BATCH_ROWS", 3)
    rows = clean_standard(10)
    rows[8]["rejected"] = rows[8]["chosen"]
    rows[7] = dict(rows[1])
    path = tmp_path / "p.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=2)
    assert len(list(reading.open_canonical(path).splits["train"].batches())) > 2
    report = validate(path)
    assert [e.row for e in report.finding("content.identical").examples] == [8]
    duplicate = report.finding("content.duplicate").examples[0]
    assert (duplicate.row, duplicate.excerpt) == (7, rows[1]["chosen"])


def test_convert_side_files_are_not_splits(tmp_path):
    pq.write_table(pa.Table.from_pylist(clean_standard()), tmp_path / "train.parquet")
    (tmp_path / "rejects.jsonl").write_text(
        '{"split": "train", "source_row": 3, "reason": "tie", "detail": ""}\n'
    )
    assert list(validate(tmp_path).splits) == ["train"]


def test_corrupt_arrow_file_is_a_source_error(write):
    import pytest

    from prefdata._errors import SourceError

    folder = write(clean_standard(50))
    arrow = next(folder.rglob("*.arrow"))
    arrow.write_bytes(arrow.read_bytes()[:400])
    with pytest.raises(SourceError):
        validate(folder)

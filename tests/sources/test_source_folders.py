"""open_source on folders: split naming conventions, save_to_disk folders, file order, fingerprints."""

from __future__ import annotations

import json
from pathlib import Path

import datasets
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from prefdata._errors import SourceError
from prefdata._sources import open_source
from prefdata._sources.folder import split_of


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))


def _write_parquet(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows), path)


def _all_rows(split) -> list[dict]:
    return [row for batch in split.iter_batches() for row in batch]


@pytest.mark.parametrize(
    ("relative", "split"),
    [
        ("train.jsonl", "train"),
        ("test-00000-of-00002.parquet", "test"),
        ("data/train-00001-of-00002.parquet", "train"),
        ("data/train_prefs-00000-of-00001.parquet", "train_prefs"),
        ("dev.csv", "validation"),
        ("my-valid_set.json", "validation"),
        ("eval_0.jsonl.gz", "test"),
        ("training/part1.jsonl", "train"),
        ("test/shard.parquet", "test"),
        ("contest.jsonl", None),  # "test" inside a word is not a keyword
        ("data.jsonl", None),
    ],
)
def test_split_names_follow_datasets_conventions(relative, split):
    assert split_of(Path(relative)) == split


def test_folder_of_sharded_parquet_splits(tmp_path):
    _write_parquet(tmp_path / "data/test-00000-of-00001.parquet", [{"i": 10}])
    _write_parquet(tmp_path / "data/train-00001-of-00002.parquet", [{"i": 2}, {"i": 3}])
    _write_parquet(tmp_path / "data/train-00000-of-00002.parquet", [{"i": 0}, {"i": 1}])
    (tmp_path / "README.md").write_text("# card")  # not data: ignored
    source = open_source(tmp_path)
    assert list(source.splits) == ["train", "test"]
    train = source.splits["train"]
    assert train.num_rows == 4  # from the Parquet footers
    assert _all_rows(train) == [{"i": 0}, {"i": 1}, {"i": 2}, {"i": 3}]  # shards in name order
    assert _all_rows(source.splits["test"]) == [{"i": 10}]


def test_folder_without_split_names_is_one_train_split(tmp_path):
    _write_jsonl(tmp_path / "b.jsonl", [{"x": 2}])
    _write_jsonl(tmp_path / "a.jsonl", [{"x": 1, "y": 0}])
    _write_jsonl(tmp_path / ".hidden.jsonl", [{"x": 99}])
    source = open_source(tmp_path)
    assert list(source.splits) == ["train"]
    assert _all_rows(source.splits["train"]) == [{"x": 1, "y": 0}, {"x": 2}]
    assert source.columns == ["x", "y"]


def test_keyword_files_and_split_selection(tmp_path):
    _write_jsonl(tmp_path / "test.jsonl", [{"s": "test"}])
    _write_jsonl(tmp_path / "train.jsonl", [{"s": "train"}])
    _write_jsonl(tmp_path / "dev.jsonl", [{"s": "dev"}])
    source = open_source(tmp_path)
    assert list(source.splits) == ["train", "validation", "test"]
    only = open_source(tmp_path, split="validation")
    assert list(only.splits) == ["validation"]
    assert _all_rows(only.splits["validation"]) == [{"s": "dev"}]
    with pytest.raises(SourceError, match="no split 'dev'; available: train, validation, test"):
        open_source(tmp_path, split="dev")


def test_files_that_name_no_split_beside_ones_that_do_are_an_error(tmp_path):
    _write_jsonl(tmp_path / "train.jsonl", [{"a": 1}])
    _write_jsonl(tmp_path / "extra.jsonl", [{"a": 2}])
    with pytest.raises(SourceError, match="these do not: extra.jsonl"):
        open_source(tmp_path)


def test_folder_without_data_files(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(SourceError, match="folder has no data files"):
        open_source(tmp_path)


def test_empty_file_in_a_later_split_fails_at_open(tmp_path):
    _write_jsonl(tmp_path / "train.jsonl", [{"a": 1}])
    (tmp_path / "test.jsonl").write_text("")
    with pytest.raises(SourceError, match="test.jsonl: file is empty"):
        open_source(tmp_path)


def test_folder_fingerprint_covers_every_file(tmp_path):
    _write_jsonl(tmp_path / "train.jsonl", [{"a": 1}])
    _write_jsonl(tmp_path / "test.jsonl", [{"a": 2}])
    first = open_source(tmp_path).fingerprint
    assert open_source(tmp_path).fingerprint == first
    _write_jsonl(tmp_path / "test.jsonl", [{"a": 2}, {"a": 3}])
    assert open_source(tmp_path).fingerprint != first


def test_save_to_disk_datasetdict(tmp_path):
    rows = [{"prompt": f"p{i}", "chosen": "c", "rejected": "r"} for i in range(5)]
    dataset_dict = datasets.DatasetDict(
        {"test": datasets.Dataset.from_list(rows[:2]), "train": datasets.Dataset.from_list(rows[2:])}
    )
    dataset_dict.save_to_disk(str(tmp_path / "saved"), num_shards={"test": 1, "train": 2})
    source = open_source(tmp_path / "saved")
    assert list(source.splits) == ["test", "train"]  # the order of dataset_dict.json
    assert source.columns == ["prompt", "chosen", "rejected"]
    assert source.splits["train"].num_rows == 3
    assert _all_rows(source.splits["train"]) == rows[2:]  # two shards, in order
    assert len(list((tmp_path / "saved" / "train").glob("*.arrow"))) == 2


def test_save_to_disk_dataset(tmp_path):
    rows = [{"messages": [{"role": "user", "content": "hi"}], "n": i} for i in range(3)]
    datasets.Dataset.from_list(rows).save_to_disk(str(tmp_path / "saved"))
    source = open_source(tmp_path / "saved")
    assert list(source.splits) == ["train"]
    assert source.splits["train"].num_rows == 3
    assert _all_rows(source.splits["train"]) == rows


def test_save_to_disk_with_missing_data_file(tmp_path):
    datasets.Dataset.from_list([{"a": 1}]).save_to_disk(str(tmp_path / "saved"))
    (tmp_path / "saved" / "data-00000-of-00001.arrow").unlink()
    with pytest.raises(SourceError, match="data files missing: data-00000-of-00001.arrow"):
        open_source(tmp_path / "saved")


def test_reads_what_the_canonical_writer_wrote(tmp_path):
    from prefdata._writer import CanonicalWriter

    table = pa.Table.from_pylist([{"chosen": "a", "rejected": "b", "source_row": 0}])
    with CanonicalWriter(tmp_path / "out") as writer:
        writer.write("train", table)
        writer.write("test", table.schema.empty_table())
        writer.commit("{}")
    source = open_source(tmp_path / "out")
    assert _all_rows(source.splits["train"]) == table.to_pylist()
    assert source.splits["test"].num_rows == 0 and _all_rows(source.splits["test"]) == []

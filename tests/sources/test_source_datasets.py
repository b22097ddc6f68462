"""open_source on in-memory `datasets` objects and on Hub ids (through a local folder: no network)."""

from __future__ import annotations

import json

import datasets
import pytest

from prefdata._errors import SourceError
from prefdata._sources import memory, open_source

ROWS = [{"prompt": f"p{i}", "chosen": f"c{i}", "rejected": f"r{i}"} for i in range(7)]


def _all_rows(split, batch_size: int = 3) -> list[dict]:
    return [row for batch in split.iter_batches(batch_size) for row in batch]


def test_in_memory_dataset():
    source = open_source(datasets.Dataset.from_list(ROWS))
    assert source.description == "in-memory Dataset"
    split = source.splits["train"]
    assert split.num_rows == 7
    assert [len(batch) for batch in split.iter_batches(3)] == [3, 3, 1]
    assert _all_rows(split) == ROWS
    assert source.columns == ["prompt", "chosen", "rejected"]


def test_dataset_with_indices_mapping_is_read_in_its_order():
    shuffled = datasets.Dataset.from_list(ROWS).select([6, 0, 3])
    assert _all_rows(open_source(shuffled).splits["train"]) == [ROWS[6], ROWS[0], ROWS[3]]


def test_in_memory_dataset_dict_and_split_selection():
    dataset_dict = datasets.DatasetDict(
        {"train": datasets.Dataset.from_list(ROWS[:5]), "test": datasets.Dataset.from_list(ROWS[5:])}
    )
    source = open_source(dataset_dict)
    assert list(source.splits) == ["train", "test"]
    assert source.splits["test"].num_rows == 2
    assert _all_rows(source.splits["test"]) == ROWS[5:]
    only = open_source(dataset_dict, split="test")
    assert list(only.splits) == ["test"]
    with pytest.raises(SourceError, match="available: train, test"):
        open_source(dataset_dict, split="validation")


def test_in_memory_fingerprint_is_the_datasets_fingerprint_digest():
    dataset = datasets.Dataset.from_list(ROWS)
    assert open_source(dataset).fingerprint == open_source(dataset).fingerprint
    other = datasets.Dataset.from_list(ROWS[:3])
    assert open_source(other).fingerprint != open_source(dataset).fingerprint


def test_iterable_dataset_and_dict():
    iterable = datasets.Dataset.from_list(ROWS).to_iterable_dataset()
    source = open_source(iterable)
    split = source.splits["train"]
    assert split.num_rows is None
    assert _all_rows(split) == ROWS
    assert _all_rows(split) == ROWS  # a second pass starts again
    assert split.sample(2) == ROWS[:2]
    assert source.fingerprint == open_source(iterable).fingerprint
    iterable_dict = datasets.IterableDatasetDict({"test": iterable})
    assert _all_rows(open_source(iterable_dict).splits["test"]) == ROWS


def test_subset_is_refused_for_in_memory_data():
    with pytest.raises(SourceError, match="subset 'x' given"):
        open_source(datasets.Dataset.from_list(ROWS), subset="x")


def test_unsupported_python_object():
    with pytest.raises(SourceError, match="cannot read a list"):
        open_source(ROWS)


def _hub_like_folder(root):
    """A script-free dataset repository layout, as on the Hub."""
    (root / "data").mkdir(parents=True)
    for split, rows in [("train", ROWS[:4]), ("test", ROWS[4:])]:
        text = "".join(json.dumps(row) + "\n" for row in rows)
        (root / "data" / f"{split}-00000-of-00001.jsonl").write_text(text)
    return root


def test_load_with_datasets_streams_a_script_free_repository(tmp_path):
    folder = _hub_like_folder(tmp_path / "repo")
    loaded = memory._load_with_datasets(str(folder), None, None)
    assert isinstance(loaded, datasets.IterableDatasetDict)
    splits = memory.in_memory_splits(loaded, "hub:test")
    assert sorted(splits) == ["test", "train"]
    assert _all_rows(splits["train"]) == ROWS[:4]
    one = memory._load_with_datasets(str(folder), None, "test")
    assert _all_rows(memory.in_memory_splits(one, "hub:test")["test"]) == ROWS[4:]


def test_load_with_datasets_wraps_errors(tmp_path):
    folder = _hub_like_folder(tmp_path / "repo")
    with pytest.raises(SourceError, match="cannot load dataset") as info:
        memory._load_with_datasets(str(folder), None, "nope")
    assert "--split" in info.value.fix


def test_hub_id_goes_through_load_with_datasets(tmp_path, monkeypatch):
    folder = _hub_like_folder(tmp_path / "repo")
    calls = []

    def local_loader(path_or_id, subset, split):
        calls.append((path_or_id, subset, split))
        return datasets.load_dataset(str(folder), split=split, streaming=True)

    monkeypatch.chdir(tmp_path)  # "org/name" must not exist as a local path
    monkeypatch.setattr(memory, "_load_with_datasets", local_loader)
    source = open_source("org/name", split="train", subset="en")
    assert calls == [("org/name", "en", "train")]
    assert source.description == "hub:org/name (en)"
    assert list(source.splits) == ["train"]
    assert _all_rows(source.splits["train"]) == ROWS[:4]
    assert source.columns == ["prompt", "chosen", "rejected"]


@pytest.mark.parametrize("name", ["missing.jsonl", "org/missing.parquet", "just-a-name", "a/b/c"])
def test_missing_paths_are_not_taken_for_hub_ids(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(memory, "_load_with_datasets", pytest.fail)
    with pytest.raises(SourceError, match="no such file or folder"):
        open_source(name)

"""The train split is chosen in one place: `fit` (a folder path) and `RewardTrainer(train_dataset=path)`
take the same split, and refuse the same folders with the same error."""

from __future__ import annotations

import pytest
from cli_data import standard_split, write_manifest
from datasets import DatasetDict

from prefdata._errors import SourceError
from prefdata_train._data.split_choice import resolve_train, training_splits


def _folder(tmp_path, splits: dict[str, int]):
    path = tmp_path / "data"
    DatasetDict({name: standard_split(n) for name, n in splits.items()}).save_to_disk(str(path))
    write_manifest(path, "standard", "explicit")
    return path


@pytest.mark.parametrize(
    ("splits", "expected"),
    [({"train": 4, "test": 2}, "train"), ({"only": 3}, "only"), ({"test": 3}, "test")],
)
def test_fit_and_the_trainer_train_on_the_same_split(tmp_path, splits, expected):
    path = _folder(tmp_path, splits)
    name, train, _, _ = training_splits(path)
    assert name == expected
    assert resolve_train(path)["source_row"] == train["source_row"]
    assert len(train) == splits[expected]


def test_several_splits_and_no_train_split_is_the_same_error_for_both(tmp_path):
    path = _folder(tmp_path, {"dev": 3, "holdout": 2})
    with pytest.raises(SourceError) as from_fit:
        training_splits(path)
    with pytest.raises(SourceError) as from_trainer:
        resolve_train(path)
    assert str(from_fit.value) == str(from_trainer.value)
    assert "no `train` split and several others (dev, holdout)" in str(from_fit.value)
    assert "--split" not in str(from_fit.value)  # fit has no --split option to point at

"""The canonical folder module: its metadata files are what `datasets` writes and reads, its split
naming is the one rule convert, validate and the leak check share, and no other module spells
its file names."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import datasets
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from prefdata import _canonical_folder as cf
from prefdata._errors import SourceError
from prefdata._pids import pid_alive
from prefdata._sources import open_source
from prefdata._sources.files import SUPPORTED_EXTENSIONS
from prefdata._tables import features_of
from prefdata._validate import validate
from prefdata._validate.reading import open_canonical
from prefdata._writer import CanonicalWriter

ROOT = Path(__file__).resolve().parents[1]
ROWS = [{"prompt": f"question {i}", "chosen": f"good {i}", "rejected": f"bad {i}"} for i in range(3)]


def _saved_by_datasets(tmp_path: Path) -> Path:
    out = tmp_path / "by-datasets"
    train, test = datasets.Dataset.from_list(ROWS), datasets.Dataset.from_list(ROWS[:1])
    datasets.DatasetDict({"train": train, "test": test}).save_to_disk(str(out))
    return out


def test_metadata_text_is_byte_for_byte_what_save_to_disk_writes(tmp_path):
    out = _saved_by_datasets(tmp_path)
    state = (out / "train" / cf.STATE_FILE).read_text(encoding="utf-8")
    assert cf.state_text(json.loads(state)["_fingerprint"]) == state
    info = (out / "train" / cf.INFO_FILE).read_text(encoding="utf-8")
    features = features_of(pa.Table.from_pylist(ROWS).schema)
    assert cf.info_text(features) == info
    assert cf.dataset_dict_text(["train", "test"]) == (out / cf.DATASET_DICT_FILE).read_text(encoding="utf-8")
    assert sorted(p.name for p in (out / "train").iterdir()) == sorted(
        [cf.DATA_FILE, cf.INFO_FILE, cf.STATE_FILE]
    )


def test_the_writers_folder_is_read_by_datasets_and_by_the_one_reader(tmp_path):
    with CanonicalWriter(tmp_path / "out") as writer:
        writer.write("train", pa.Table.from_pylist(ROWS))
        writer.write("test", pa.Table.from_pylist(ROWS[:1]))
        out = writer.commit('{"prefdata_version": "test"}')
    loaded = datasets.load_from_disk(str(out))
    assert list(loaded) == ["train", "test"] and loaded["train"]["chosen"] == ["good 0", "good 1", "good 2"]
    assert cf.saved_split_files(out) == {
        "train": [out / "train" / cf.DATA_FILE],
        "test": [out / "test" / cf.DATA_FILE],
    }
    # the same rows give the same bytes (a fingerprint of the data, no timestamp)
    with CanonicalWriter(tmp_path / "again") as writer:
        writer.write("train", pa.Table.from_pylist(ROWS))
        writer.write("test", pa.Table.from_pylist(ROWS[:1]))
        again = writer.commit('{"prefdata_version": "test"}')
    for name in (cf.STATE_FILE, cf.INFO_FILE, cf.DATA_FILE):
        assert (out / "train" / name).read_bytes() == (again / "train" / name).read_bytes()


def test_a_single_dataset_folder_is_one_split_named_by_its_state(tmp_path):
    datasets.Dataset.from_list(ROWS, split="validation").save_to_disk(str(tmp_path / "one"))
    assert list(cf.saved_split_files(tmp_path / "one")) == ["validation"]


def test_a_removed_split_folder_is_named_with_a_fix(tmp_path):
    out = _saved_by_datasets(tmp_path)
    for path in (out / "test").iterdir():
        path.unlink()
    (out / "test").rmdir()
    with pytest.raises(SourceError) as missing:
        cf.saved_split_files(out)
    assert "split folder 'test' is missing" in missing.value.what
    assert missing.value.fix and cf.DATASET_DICT_FILE in missing.value.fix
    with pytest.raises(SourceError) as plain:
        cf.saved_split_files(tmp_path)  # no dataset at all: the plain message, with its fix
    assert "not a `save_to_disk` dataset folder" in plain.value.what and plain.value.fix


def test_no_data_extension_is_a_split_keyword():
    # split_of reads keywords from the whole file name: an extension must never be one
    for ext in SUPPORTED_EXTENSIONS:
        assert cf.split_role(f"data{ext}") is None


@pytest.mark.parametrize(
    ("names", "splits"),
    [
        (
            ["data/train_prefs-00000-of-00001.parquet", "data/test_prefs-00000-of-00001.parquet"],
            ["test_prefs", "train_prefs"],
        ),
        (["my-dev.parquet", "train.parquet"], ["train", "validation"]),
        (["prefs.parquet"], ["train"]),
    ],
)
def test_validate_names_a_folders_splits_as_convert_does(tmp_path, names, splits):
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist(ROWS), tmp_path / name)
    assert list(open_source(tmp_path).splits) == splits
    assert list(open_canonical(tmp_path).splits) == splits


def test_validate_refuses_a_folder_convert_refuses(tmp_path):
    for name in ("train.parquet", "extra.parquet"):  # one names a split, one does not
        pq.write_table(pa.Table.from_pylist(ROWS), tmp_path / name)
    from prefdata._errors import SourceError

    with pytest.raises(SourceError, match="extra.parquet"):
        open_source(tmp_path)
    with pytest.raises(SourceError, match="extra.parquet"):
        open_canonical(tmp_path)


@pytest.mark.parametrize(
    ("train", "other", "leak"),
    [("train_prefs", "test_prefs", True), ("train", "val", True), ("train", "contest", False)],
)
def test_the_leak_check_reads_split_roles_by_the_same_keywords(tmp_path, train, other, leak):
    out = tmp_path / "data"
    pairs = datasets.Dataset.from_list(ROWS)
    datasets.DatasetDict({train: pairs, other: pairs}).save_to_disk(str(out))
    finding = validate(out).finding("splits.prompt_leak")
    assert (finding is not None) == leak
    if leak:
        assert finding.breakdown == {f"{train}->{other}": 3}


FILE_NAMES = {
    cf.MANIFEST_FILE,
    cf.REJECTS_FILE,
    cf.DATA_FILE,
    cf.DATASET_DICT_FILE,
    cf.INFO_FILE,
    cf.STATE_FILE,
}


def test_no_module_spells_the_folders_file_names():
    spelled = []
    for package in ("prefdata", "prefdata_train"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if path == ROOT / "prefdata" / "_canonical_folder.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Constant) and node.value in FILE_NAMES:
                    spelled.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value}")
    assert spelled == []


def test_pid_alive_tells_a_running_process_from_one_that_is_gone():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # reaped: its pid names no process (until the system reuses it)
    assert pid_alive(os.getpid()) and not pid_alive(child.pid)

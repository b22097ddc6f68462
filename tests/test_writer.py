"""CanonicalWriter: save_to_disk format, schema unification, determinism, atomicity, overwrite rules."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import datasets
import orjson
import pyarrow as pa
import pytest

from prefdata._errors import OutputError
from prefdata._writer import DATA_FILE, CanonicalWriter, remove_stale_staging

MANIFEST = '{"prefdata_version": "test"}'


def _pair(i: int, tool_call: bool = False) -> dict:
    reply = {"role": "assistant", "content": f"answer {i}"}
    if tool_call:
        call = {"type": "function", "function": {"name": "get", "arguments": '{"q": 1}'}, "id": f"c{i}"}
        reply = {"role": "assistant", "content": None, "tool_calls": [call]}
    return {
        "prompt": [{"role": "user", "content": f"question {i}"}],
        "chosen": [reply],
        "rejected": [{"role": "assistant", "content": f"bad {i}"}],
        "source_row": i,
    }


def _table(rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(rows)


def _write_sample(out: Path, **kwargs) -> Path:
    with CanonicalWriter(out, **kwargs) as writer:
        writer.write("train", _table([_pair(0), _pair(1)]))
        writer.write("train", _table([_pair(2, tool_call=True)]))
        writer.write("test", _table([_pair(3)]).to_batches()[0])
        writer.add_reject({"split": "train", "source_row": 7, "reason": "tie", "detail": "equal scores"})
        return writer.commit(MANIFEST)


def _siblings(path: Path) -> list[str]:
    return sorted(entry.name for entry in path.parent.iterdir())


def test_output_loads_as_datasetdict_with_unified_schema(tmp_path):
    out = _write_sample(tmp_path / "out")
    loaded = datasets.load_from_disk(str(out))
    assert isinstance(loaded, datasets.DatasetDict)
    assert list(loaded) == ["train", "test"]
    train = loaded["train"]
    assert train["source_row"] == [0, 1, 2]
    # Rows of the first batch gained the later `tool_calls` key as null; the later row kept its call.
    assert train[0]["chosen"][0] == {"role": "assistant", "content": "answer 0", "tool_calls": None}
    assert train[2]["chosen"][0]["tool_calls"][0]["function"] == {"name": "get", "arguments": '{"q": 1}'}
    assert train[2]["chosen"][0]["content"] is None
    assert loaded["test"]["source_row"] == [3]
    assert sorted(p.name for p in (out / "train").iterdir()) == [DATA_FILE, "dataset_info.json", "state.json"]


def test_rejects_and_manifest_are_written(tmp_path):
    out = _write_sample(tmp_path / "out")
    assert (out / "prefdata.json").read_text() == MANIFEST
    lines = (out / "rejects.jsonl").read_bytes().splitlines()
    assert [orjson.loads(line) for line in lines] == [
        {"split": "train", "source_row": 7, "reason": "tie", "detail": "equal scores"}
    ]


def test_no_rejects_file_without_rejects(tmp_path):
    with CanonicalWriter(tmp_path / "out") as writer:
        writer.write("train", _table([_pair(0)]))
        out = writer.commit(MANIFEST)
    assert not (out / "rejects.jsonl").exists()


def test_reject_without_required_keys_is_refused(tmp_path):
    with CanonicalWriter(tmp_path / "out") as writer, pytest.raises(ValueError, match="reason"):
        writer.add_reject({"split": "train", "source_row": 1, "detail": ""})


def test_same_calls_give_byte_identical_folders(tmp_path):
    first, second = _write_sample(tmp_path / "a"), _write_sample(tmp_path / "b")
    files = sorted(str(p.relative_to(first)) for p in first.rglob("*") if p.is_file())
    assert files == sorted(str(p.relative_to(second)) for p in second.rglob("*") if p.is_file())
    for name in files:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_matches_datasets_save_to_disk_byte_for_byte(tmp_path):
    table = _table([_pair(i) for i in range(4)])
    datasets.DatasetDict({"train": datasets.Dataset(table)}).save_to_disk(str(tmp_path / "ref"))
    with CanonicalWriter(tmp_path / "out") as writer:
        writer.write("train", table)
        writer.commit(MANIFEST)
    for name in ["dataset_dict.json", f"train/{DATA_FILE}", "train/dataset_info.json"]:
        assert (tmp_path / "ref" / name).read_bytes() == (tmp_path / "out" / name).read_bytes(), name
    ref_state = json.loads((tmp_path / "ref/train/state.json").read_text())
    our_state = json.loads((tmp_path / "out/train/state.json").read_text())
    assert ref_state.keys() == our_state.keys()
    assert {k: v for k, v in ref_state.items() if k != "_fingerprint"} == {
        k: v for k, v in our_state.items() if k != "_fingerprint"
    }


def test_fingerprint_follows_content(tmp_path):
    def fingerprint(out: Path, rows: list[dict]) -> str:
        with CanonicalWriter(out) as writer:
            writer.write("train", _table(rows))
            writer.commit(MANIFEST)
        return json.loads((out / "train/state.json").read_text())["_fingerprint"]

    assert fingerprint(tmp_path / "a", [_pair(0)]) == fingerprint(tmp_path / "b", [_pair(0)])
    assert fingerprint(tmp_path / "c", [_pair(0)]) != fingerprint(tmp_path / "d", [_pair(1)])


def test_empty_split_is_written_with_its_schema(tmp_path):
    schema = _table([_pair(0)]).schema
    with CanonicalWriter(tmp_path / "out") as writer:
        writer.write("train", _table([_pair(0)]))
        writer.write("test", schema.empty_table())
        out = writer.commit(MANIFEST)
    loaded = datasets.load_from_disk(str(out))
    assert loaded["test"].num_rows == 0
    assert loaded["test"].column_names == ["prompt", "chosen", "rejected", "source_row"]


def test_null_column_is_promoted_by_a_later_batch(tmp_path):
    with CanonicalWriter(tmp_path / "out") as writer:
        writer.write("train", _table([{"chosen": "a", "margin": None}]))
        writer.write("train", _table([{"chosen": "b", "margin": 0.5}]))
        writer.write("train", _table([{"chosen": "c"}]))  # a column absent from a batch is null
        out = writer.commit(MANIFEST)
    train = datasets.load_from_disk(str(out))["train"]
    assert train["margin"] == [None, 0.5, None]
    assert train.features["margin"] == datasets.Value("float64")


def test_incompatible_types_raise_output_error(tmp_path):
    with CanonicalWriter(tmp_path / "out") as writer:
        writer.write("train", _table([{"chosen": "a"}]))
        with pytest.raises(OutputError, match="incompatible schemas"):
            writer.write("train", _table([{"chosen": [{"role": "assistant", "content": "b"}]}]))
    assert _siblings(tmp_path / "out") == []


def test_refuses_existing_folder_without_overwrite(tmp_path):
    out = _write_sample(tmp_path / "out")
    with pytest.raises(OutputError, match="already exists") as info:
        CanonicalWriter(out)
    assert "--overwrite" in info.value.fix
    assert _siblings(out) == ["out"]


def test_refuses_to_overwrite_a_folder_prefdata_did_not_write(tmp_path):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.tex").write_text("years of work")
    with pytest.raises(OutputError, match="not written by prefdata"):
        CanonicalWriter(precious, overwrite=True)
    assert (precious / "thesis.tex").read_text() == "years of work"


def test_refuses_a_file_and_a_symlink(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="not a folder"):
        CanonicalWriter(tmp_path / "file", overwrite=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "link").symlink_to(elsewhere)
    with pytest.raises(OutputError, match="symlink"):
        CanonicalWriter(tmp_path / "sub" / "link", overwrite=True)


def test_refuses_an_unwritable_parent(tmp_path, monkeypatch):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    # Tests may run as root, who can write anywhere: make the permission check see the mode.
    monkeypatch.setattr(os, "access", lambda path, mode: not str(path).startswith(str(locked)))
    with pytest.raises(OutputError, match="not writable"):
        CanonicalWriter(locked / "out")
    assert list(locked.iterdir()) == []


def test_refuses_to_replace_a_folder_holding_an_input(tmp_path):
    out = _write_sample(tmp_path / "out")
    source = out / "train" / "raw.jsonl"
    source.write_text("{}")
    for inputs in ([source], [out], [tmp_path]):  # inside it, it, holding it
        with pytest.raises(OutputError, match="inside the|is the output"):
            CanonicalWriter(out, overwrite=True, inputs=inputs)
    assert source.read_text() == "{}" and _siblings(out) == ["out"]


def test_overwrite_replaces_a_prefdata_folder(tmp_path):
    out = _write_sample(tmp_path / "out")
    with CanonicalWriter(out, overwrite=True) as writer:
        writer.write("validation", _table([_pair(9)]))
        writer.commit('{"second": true}')
    assert (out / "prefdata.json").read_text() == '{"second": true}'
    assert list(datasets.load_from_disk(str(out))) == ["validation"]
    assert not (out / "rejects.jsonl").exists()  # nothing of the old output is left
    assert _siblings(out) == ["out"]  # neither staging nor the moved-aside old folder remain


def test_abort_leaves_nothing(tmp_path):
    writer = CanonicalWriter(tmp_path / "out")
    writer.write("train", _table([_pair(0)]))
    writer.add_reject({"split": "train", "source_row": 1, "reason": "empty", "detail": ""})
    writer.abort()
    assert _siblings(tmp_path / "out") == []
    with pytest.raises(OutputError, match="already committed or aborted"):
        writer.write("train", _table([_pair(1)]))


def test_exception_inside_with_leaves_no_output(tmp_path):
    with pytest.raises(RuntimeError, match="crash"), CanonicalWriter(tmp_path / "out") as writer:
        writer.write("train", _table([_pair(0)]))
        raise RuntimeError("crash")
    assert _siblings(tmp_path / "out") == []


def test_exception_while_overwriting_keeps_the_old_output(tmp_path):
    out = _write_sample(tmp_path / "out")
    before = (out / f"train/{DATA_FILE}").read_bytes()
    with pytest.raises(RuntimeError), CanonicalWriter(out, overwrite=True) as writer:
        writer.write("train", _table([_pair(5)]))
        raise RuntimeError("crash")
    assert (out / f"train/{DATA_FILE}").read_bytes() == before
    assert _siblings(out) == ["out"]


def test_staging_is_hidden_sibling_until_commit(tmp_path):
    with CanonicalWriter(tmp_path / "out") as writer:
        writer.write("train", _table([_pair(0)]))
        assert _siblings(tmp_path / "out") == [f".out.prefdata-staging-{os.getpid()}"]
        writer.commit(MANIFEST)
    assert _siblings(tmp_path / "out") == ["out"]


def _dead_pid() -> int:
    process = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    return int(process.stdout)


def test_stale_staging_of_a_dead_process_is_removed(tmp_path):
    dead = _dead_pid()
    stale = tmp_path / f".out.prefdata-staging-{dead}"
    (stale / "train").mkdir(parents=True)
    other_output = tmp_path / f".other.prefdata-staging-{dead}"  # another output's staging: not ours
    other_output.mkdir()
    live = tmp_path / f".out.prefdata-staging-{os.getppid()}"  # a live process: kept
    live.mkdir()
    with CanonicalWriter(tmp_path / "out") as writer:
        assert not stale.exists()
        writer.write("train", _table([_pair(0)]))
        writer.commit(MANIFEST)
    assert other_output.exists() and live.exists()


def test_moved_aside_output_is_kept_when_it_is_the_only_copy(tmp_path):
    aside = tmp_path / f".out.prefdata-old-{_dead_pid()}"
    aside.mkdir()
    assert remove_stale_staging(tmp_path / "out") == []
    assert aside.exists()


def test_output_appearing_before_commit_is_not_replaced(tmp_path):
    writer = CanonicalWriter(tmp_path / "out")
    writer.write("train", _table([_pair(0)]))
    (tmp_path / "out").mkdir()  # another process wrote there meanwhile
    (tmp_path / "out" / "theirs.txt").write_text("keep")
    with pytest.raises(OutputError, match="already exists"):
        writer.commit(MANIFEST)
    assert _siblings(tmp_path / "out") == ["out"]  # our staging is gone too
    assert (tmp_path / "out" / "theirs.txt").read_text() == "keep"


def test_commit_without_splits_is_refused(tmp_path):
    with CanonicalWriter(tmp_path / "out") as writer, pytest.raises(OutputError, match="no split"):
        writer.commit(MANIFEST)


@pytest.mark.parametrize("name", ["", "..", "a/b", ".hidden"])
def test_bad_split_names_are_refused(tmp_path, name):
    with CanonicalWriter(tmp_path / "out") as writer, pytest.raises(OutputError, match="invalid split"):
        writer.write(name, _table([_pair(0)]))


def test_parent_folders_are_created(tmp_path):
    out = tmp_path / "a" / "b" / "out"
    with CanonicalWriter(out) as writer:
        writer.write("train", _table([_pair(0)]))
        writer.commit(MANIFEST)
    assert datasets.load_from_disk(str(out))["train"].num_rows == 1

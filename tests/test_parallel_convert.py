"""Worker-process conversion (`prefdata._engine.processes`) writes exactly what the sequential loop writes."""

from __future__ import annotations

import importlib
import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import prefdata
from prefdata import ConvertOptions, convert
from prefdata._cli.environment import engine_settings, workers_setting
from prefdata._engine import processes, scratch, work
from prefdata._engine.split import resolve_workers
from prefdata._errors import PrefdataError, RowError
from prefdata._sources import open_source
from prefdata._transforms.pairs import RowConverter

convert_module = importlib.import_module("prefdata._convert")  # `prefdata.convert` is also the function

ROWS = 700


@pytest.fixture
def small_chunks(monkeypatch):
    """Tables of 16 input rows, chunks of 32, and any split big enough for workers; the batch lane
    (which would take these arena rows) is off, so worker processes convert them."""
    monkeypatch.setattr(work, "FLUSH_ROWS", 16)
    monkeypatch.setattr(processes, "CHUNK_FLUSHES", 2)
    monkeypatch.setattr(processes, "MIN_ROWS", 0)


def _arena_file(folder: Path) -> Path:
    """Arena-shaped rows: ties, null and empty replies, some multi-turn; several row groups."""
    prompts, a, b, wins = [], [], [], []
    for i in range(ROWS):
        turns = 1 + (i % 7 == 0) * (1 + i % 3)
        prompts.append(json.dumps([f"question {i} turn {t}" for t in range(turns)]))
        a.append(json.dumps([None if i % 23 == 0 else f"answer a {i}.{t}" for t in range(turns)]))
        b.append(json.dumps(["" if i % 29 == 0 else f"answer b {i}.{t}" for t in range(turns)]))
        wins.append(i % 3)
    table = pa.table(
        {
            "model_a": ["m1"] * ROWS,
            "model_b": ["m2"] * ROWS,
            "prompt": prompts,
            "response_a": a,
            "response_b": b,
            "winner_model_a": [int(w == 0) for w in wins],
            "winner_model_b": [int(w == 1) for w in wins],
            "winner_tie": [int(w == 2) for w in wins],
        }
    )
    path = folder / "arena.parquet"
    pq.write_table(table, path, row_group_size=150)  # row groups cut across chunks and tables
    return path


def _convert(source: Path, out: Path, workers: int, monkeypatch, **kwargs) -> prefdata.ConvertResult:
    """Convert on `workers` processes, the batch lane off (it would take the arena rows)."""
    return convert(source, out, workers=workers, batch=False, **kwargs)


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("ties", ["drop", "keep"])
def test_parallel_output_is_byte_identical(tmp_path, monkeypatch, small_chunks, ties):
    source = _arena_file(tmp_path)
    options = ConvertOptions(ties=ties)
    calls = []
    real = processes.convert_in_processes
    monkeypatch.setattr(processes, "convert_in_processes", lambda *a: calls.append(a[3]) or real(*a))
    seq = _convert(source, tmp_path / "seq", 0, monkeypatch, options=options)
    assert calls == []  # workers=0: the sequential loop
    par = _convert(source, tmp_path / "par", 2, monkeypatch, options=options)
    assert calls == [2]
    seq_files, par_files = _files(tmp_path / "seq"), _files(tmp_path / "par")
    assert "rejects.jsonl" in seq_files and "prefdata.json" in seq_files
    assert seq_files == par_files
    report = par.manifest.splits["train"]
    assert report.rows_in == ROWS and report.dropped.get("empty_response")
    assert report.rows_out == par.dataset["train"].num_rows == seq.dataset["train"].num_rows
    assert (ties == "drop") == ("tie" in report.dropped)


def test_parallel_in_memory_output_matches(tmp_path, monkeypatch, small_chunks):
    source = _arena_file(tmp_path)
    seq = _convert(source, None, 1, monkeypatch)
    par = _convert(source, None, 3, monkeypatch)
    assert par.dataset["train"].to_list() == seq.dataset["train"].to_list()
    assert [r.model_dump() for r in par.rejects] == [r.model_dump() for r in seq.rejects]
    assert par.manifest == seq.manifest


def test_tie_error_names_the_same_row(tmp_path, monkeypatch, small_chunks):
    source = _arena_file(tmp_path)
    errors = []
    for workers in (0, 2):
        with pytest.raises(RowError) as caught:
            _convert(
                source, tmp_path / f"out{workers}", workers, monkeypatch, options=ConvertOptions(ties="error")
            )
        errors.append((caught.value.what, caught.value.where, caught.value.fix))
        assert not (tmp_path / f"out{workers}").exists()
    assert errors[0] == errors[1]
    assert errors[0][1].endswith("split train, row 2")


def test_mixed_shape_chunk_is_checked_against_the_split_shape(tmp_path, monkeypatch, small_chunks):
    """Rows 40-79 come out as message lists (as if their format differed): the sequential loop drops
    them for not matching row 0; a worker starting at row 64 sees that shape first, and its chunk
    must be converted again with the split's shape."""
    real = RowConverter._standard
    monkeypatch.setattr(
        RowConverter,
        "_standard",
        lambda self, *sides: real(self, *sides) and "MSG" not in sides[1][0]["content"],
    )
    rows = [
        {"prompt": f"q{i}", "chosen": f"good {i}" + (" MSG" if 40 <= i < 80 else ""), "rejected": f"bad {i}"}
        for i in range(200)
    ]
    source = tmp_path / "mixed.parquet"
    pq.write_table(pa.Table.from_pylist(rows), source, row_group_size=64)
    _convert(source, tmp_path / "seq", 0, monkeypatch, spec="trl-standard")
    par = _convert(source, tmp_path / "par", 2, monkeypatch, spec="trl-standard")
    assert _files(tmp_path / "seq") == _files(tmp_path / "par")
    assert par.manifest.splits["train"].dropped == {"bad_value": 40}
    assert {r.source_row for r in par.rejects} == set(range(40, 80))
    assert "earlier rows are text" in par.rejects[-1].detail


def configured_workers() -> int:
    """What the CLI converts with: `PREFDATA_WORKERS` mapped by the CLI, resolved by the library."""
    return resolve_workers(workers_setting())


def test_workers_setting(monkeypatch):
    monkeypatch.setenv("PREFDATA_WORKERS", "3")
    assert configured_workers() == 3
    monkeypatch.setenv("PREFDATA_WORKERS", "0")
    assert configured_workers() == 1
    monkeypatch.delenv("PREFDATA_WORKERS")
    assert configured_workers() == min(len(os.sched_getaffinity(0)), processes.MAX_WORKERS)
    monkeypatch.setenv("PREFDATA_WORKERS", "many")
    with pytest.raises(PrefdataError, match="PREFDATA_WORKERS"):
        configured_workers()


def test_batch_setting(monkeypatch):
    monkeypatch.delenv("PREFDATA_BATCH", raising=False)
    assert engine_settings()["batch"] is True
    monkeypatch.setenv("PREFDATA_BATCH", "0")
    assert engine_settings()["batch"] is False
    monkeypatch.setenv("PREFDATA_BATCH", "1")
    assert engine_settings()["batch"] is True


@pytest.mark.parametrize("workers", [-1, 1.5, "2", True])
def test_workers_argument_is_checked(tmp_path, workers):
    with pytest.raises(PrefdataError, match="workers="):
        convert(_arena_file(tmp_path), workers=workers)


def test_small_or_unsplittable_splits_stay_sequential(tmp_path, monkeypatch):
    source = _arena_file(tmp_path)
    jsonl = tmp_path / "rows.jsonl"
    jsonl.write_text('{"prompt": "q", "chosen": "a", "rejected": "b"}\n')
    for path in (source, jsonl):  # 700 rows < MIN_ROWS; JSON Lines cannot be read in chunks
        src = open_source(path)
        split = next(iter(src.splits.values()))
        converter = RowConverter(convert_module.resolve_spec(None, src)[0], ConvertOptions(), src.columns)
        assert processes.workers_for(split, converter, 4) == 1
    monkeypatch.setattr(processes, "MIN_ROWS", 0)
    src = open_source(source)
    converter = RowConverter(convert_module.resolve_spec(None, src)[0], ConvertOptions(), src.columns)
    assert processes.workers_for(src.splits["train"], converter, 4) == 4


def test_scratch_of_dead_runs_is_removed(tmp_path, monkeypatch):
    """A run killed mid-split leaves its chunk files; the next run removes them, not a live run's."""
    monkeypatch.setattr(scratch, "_scratch_parent", lambda: str(tmp_path))
    dead = tmp_path / f"{scratch.SCRATCH_PREFIX}999999999-abc"  # above any pid_max
    live = tmp_path / f"{scratch.SCRATCH_PREFIX}{os.getppid()}-abc"
    for folder in (dead, live):
        folder.mkdir()
        (folder / "in-0-0.arrow").write_bytes(b"x")
    made = Path(scratch.make_scratch())
    assert not dead.exists() and live.exists()
    assert made.parent == tmp_path and made.name.startswith(f"{scratch.SCRATCH_PREFIX}{os.getpid()}-")


def test_message_key_kinds_follow_the_split_not_the_worker(tmp_path, monkeypatch, small_chunks):
    """An extra message key is text in rows 0-19 and a number after: the sequential loop drops every
    later row (a column has one type). A worker whose first chunk holds only numbers must not
    decide otherwise: its chunk is converted again with the split's kinds."""
    rows = [
        {
            "prompt": [{"role": "user", "content": f"q{i}", "lang": "en" if i < 20 else i}],
            "chosen": [{"role": "assistant", "content": f"good {i}"}],
            "rejected": [{"role": "assistant", "content": f"bad {i}"}],
        }
        for i in range(300)
    ]
    parts = [pa.Table.from_pylist(rows[:20]), pa.Table.from_pylist(rows[20:])]
    folder = tmp_path / "shards"
    folder.mkdir()
    for n, part in enumerate(parts):  # one type per file: the kinds change between shards
        pq.write_table(part, folder / f"train-{n}.parquet", row_group_size=40)
    _convert(folder, tmp_path / "seq", 0, monkeypatch, spec="trl-conversational")
    par = _convert(folder, tmp_path / "par", 3, monkeypatch, spec="trl-conversational")
    assert _files(tmp_path / "seq") == _files(tmp_path / "par")
    assert par.manifest.splits["train"].dropped == {"bad_value": 280}
    assert par.manifest.splits["train"].rows_out == 20

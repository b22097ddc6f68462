"""Pipes, FIFOs and /dev/stdin as inputs: read once into a temporary file, format told by the first
bytes, fingerprinted by the bytes read; the same rows as the file they came from."""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from prefdata import convert
from prefdata._errors import SourceError
from prefdata._sources import open_source, stream

REPO = Path(__file__).resolve().parents[2]
ROWS = [
    {"prompt": "2+2?", "chosen": "4", "rejected": "5"},
    {"prompt": "capital of France?", "chosen": "Paris", "rejected": "Rome"},
    {"prompt": "multi\nline", "chosen": 'yes, "quoted"', "rejected": "no"},
]
JSONL = b"".join(json.dumps(row).encode() + b"\n" for row in ROWS)


def _fifo(tmp_path: Path, data: bytes) -> Path:
    """A named pipe a thread writes `data` into (what `<(cat file)` gives a command)."""
    path = tmp_path / "pipe"
    os.mkfifo(path)

    def feed() -> None:
        with contextlib.suppress(BrokenPipeError), open(path, "wb") as pipe:  # blocks until read
            pipe.write(data)  # a reader that stops early (a refused format) closes the pipe

    threading.Thread(target=feed, daemon=True).start()
    return path


def _all_rows(source) -> list[dict]:
    return [row for split in source.splits.values() for batch in split.iter_batches(2) for row in batch]


def test_stdin_of_a_real_process_converts_like_the_file(tmp_path):
    raw = tmp_path / "raw.jsonl"
    raw.write_bytes(JSONL)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "prefdata", "convert", "/dev/stdin", str(out)],
        input=JSONL,
        capture_output=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    reference = convert(raw, tmp_path / "reference").out_dir
    assert sorted(os.listdir(out)) == sorted(os.listdir(reference))
    data = "train/data-00000-of-00001.arrow"
    assert (out / data).read_bytes() == (reference / data).read_bytes()
    manifest = json.loads((out / "prefdata.json").read_text())
    assert manifest["source"] == "/dev/stdin"
    assert manifest["source_fingerprint"] == hashlib.sha256(JSONL).hexdigest()


def test_stdin_redirected_from_a_file_is_read_as_a_stream(tmp_path):
    """`prefdata convert /dev/stdin < raw.jsonl`: /dev/stdin leads to the file, whose format no
    extension of that name says; its bytes do."""
    raw = tmp_path / "raw.gz"  # an extension that says nothing of the JSON inside
    raw.write_bytes(gzip.compress(JSONL))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with raw.open("rb") as stdin:
        proc = subprocess.run(
            [sys.executable, "-m", "prefdata", "convert", "/dev/stdin", str(tmp_path / "out")],
            stdin=stdin,
            capture_output=True,
            env=env,
            timeout=120,
        )
    assert proc.returncode == 0, proc.stderr.decode()
    manifest = json.loads((tmp_path / "out" / "prefdata.json").read_text())
    assert manifest["splits"]["train"]["rows_in"] == JSONL.count(b"\n")


def test_a_gzipped_real_sample_through_a_fifo(tmp_path, hh_sample):
    """The real hh-rlhf sample, gzip bytes as they are: decompressed on the way, every row read."""
    data = hh_sample.read_bytes()
    source = open_source(_fifo(tmp_path, data))
    assert source.fingerprint == hashlib.sha256(data).hexdigest()
    expected = [json.loads(line) for line in gzip.decompress(data).splitlines() if line.strip()]
    assert _all_rows(source) == expected
    assert _all_rows(source) == expected  # read again: the stream itself is read only once


def test_several_gzip_members_are_read_like_zcat(tmp_path):
    data = gzip.compress(JSONL[:40]) + gzip.compress(JSONL[40:])
    assert _all_rows(open_source(_fifo(tmp_path, data))) == ROWS


def test_parquet_through_a_fifo(tmp_path):
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(ROWS), buffer)
    source = open_source(_fifo(tmp_path, buffer.getvalue()))
    assert source.splits["train"].num_rows == 3 and _all_rows(source) == ROWS


def test_json_array_through_a_fifo(tmp_path):
    assert _all_rows(open_source(_fifo(tmp_path, b"\n  " + json.dumps(ROWS).encode()))) == ROWS


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"prompt,chosen,rejected\na,b,c\n", "cannot tell the format of the stream"),
        (b"", "the stream is empty"),
        (gzip.compress(JSONL)[:-12], "the gzip stream is truncated"),
        (b"\x1f\x8b" + b"\x00" * 30, "the gzip stream is corrupt"),
    ],
    ids=["csv", "empty", "truncated-gzip", "corrupt-gzip"],
)
def test_a_stream_that_cannot_be_read_says_why(tmp_path, data, says):
    pipe = _fifo(tmp_path, data)
    with pytest.raises(SourceError, match=says) as raised:
        open_source(pipe)
    assert raised.value.where == str(pipe)


def test_a_bad_line_is_named_by_the_stream_and_line(tmp_path):
    pipe = _fifo(tmp_path, JSONL + b'{"prompt": \n')
    with pytest.raises(SourceError) as raised:
        _all_rows(open_source(pipe))
    assert raised.value.where == f"{pipe}, line 4"


def test_no_room_for_the_copy_is_a_clear_error(tmp_path, monkeypatch):
    """The temporary copy on a full disk (/dev/full answers every write with ENOSPC)."""
    monkeypatch.setattr(stream, "_unnamed_file", lambda: open("/dev/full", "r+b"))  # noqa: SIM115
    with pytest.raises(SourceError, match="cannot copy the stream into a temporary file") as raised:
        open_source(_fifo(tmp_path, JSONL * 40_000))
    assert "TMPDIR" in raised.value.fix

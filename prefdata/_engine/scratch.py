"""The scratch folder worker processes exchange chunks through, as Arrow stream files.

Named by the process that made it, in /dev/shm when it has room (memory, no disk writes); a
run killed before any worker could clean up leaves one, which the next run removes.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pyarrow as pa

from prefdata._pids import pid_alive

SCRATCH_ROOM = 4 << 30  # free bytes /dev/shm needs to hold the chunks in flight
SCRATCH_PREFIX = "prefdata-chunks-"


def make_scratch() -> str:
    """A new scratch folder named by this process; those of processes that died are removed first."""
    parent = _scratch_parent() or tempfile.gettempdir()
    for stale in Path(parent).glob(f"{SCRATCH_PREFIX}*"):
        pid = stale.name[len(SCRATCH_PREFIX) :].split("-")[0]
        if pid.isdigit() and not pid_alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)
    return tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-", dir=parent)


def remove_scratch(path: str) -> None:
    """Remove a scratch folder and whatever is left in it."""
    shutil.rmtree(path, ignore_errors=True)


def write_pieces(pieces: list[pa.RecordBatch], stem: str) -> list[str]:
    """One Arrow file per run of pieces with one schema (files of a split may differ)."""
    runs: list[list[pa.RecordBatch]] = []
    for piece in pieces:
        if runs and runs[-1][0].schema.equals(piece.schema):
            runs[-1].append(piece)
        else:
            runs.append([piece])
    return [write_file(pa.Table.from_batches(run), f"{stem}-{n}.arrow") for n, run in enumerate(runs)]


def write_file(table: pa.Table, path: str) -> str:
    """`table` as an Arrow stream file at `path`; returns `path`."""
    with pa.OSFile(path, "wb") as sink, pa.ipc.new_stream(sink, table.schema) as stream:
        stream.write_table(table)
    return path


def read_file(path: str) -> pa.Table:
    """The table of an Arrow stream file, memory-mapped (it stays readable once the file is removed)."""
    return pa.ipc.open_stream(pa.memory_map(path)).read_all()


def _scratch_parent() -> str | None:
    """/dev/shm when it has room (memory, no disk writes), else the usual temporary folder."""
    try:
        stat = os.statvfs("/dev/shm")
    except OSError:
        return None
    return "/dev/shm" if stat.f_bavail * stat.f_frsize >= SCRATCH_ROOM else None

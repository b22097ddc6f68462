"""Opening a canonical preference dataset as Arrow record batches, one split at a time.

Accepted inputs: a `save_to_disk` folder (a DatasetDict or a single Dataset), a folder of
parquet / jsonl / json / arrow files (splits named as convert names them, see
`prefdata._canonical_folder.split_of`: `train-00000-of-00001.parquet` is `train`, `dev.jsonl`
is `validation`), a single such file (split `train`), or an in-memory `datasets.Dataset` /
`DatasetDict`. Nothing is loaded whole except JSON lines files, which Arrow cannot read
lazily without fixing their types first.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.json as pa_json
import pyarrow.parquet as pq

from prefdata._canonical_folder import (
    SIDE_FILES,
    TRAIN_SPLIT,
    group_by_split,
    is_saved_dataset,
    saved_split_files,
)
from prefdata._errors import SourceError
from prefdata._validate.manifest_reading import read_manifest

BATCH_ROWS = 65_536
DATA_SUFFIXES = (".parquet", ".jsonl", ".json", ".arrow", ".jsonl.gz", ".json.gz")


@dataclass
class SplitInput:
    """One split: its schema and a way to stream its record batches (again, when needed)."""

    name: str
    schema: pa.Schema
    open_batches: Callable[[], Iterator[pa.RecordBatch]]

    def batches(self, rows: int | None = None) -> Iterator[pa.RecordBatch]:
        """Stream the split in batches of about `rows` rows (small source batches are merged)."""
        rows = rows or BATCH_ROWS
        pending: list[pa.RecordBatch] = []
        size = 0
        for batch in self._checked_batches():
            pending.append(batch)
            size += batch.num_rows
            if size >= rows:
                yield _merge(pending)
                pending, size = [], 0
        if size:
            yield _merge(pending)

    def _checked_batches(self) -> Iterator[pa.RecordBatch]:
        """The source batches; a read error mid-file becomes a `SourceError` (exit status 2)."""
        try:
            yield from self.open_batches()
        except (pa.ArrowInvalid, OSError) as exc:
            raise SourceError(f"cannot read split `{self.name}`: {exc}") from None

    def take(self, rows: np.ndarray) -> pa.RecordBatch:
        """The rows at the given 0-based indices (a re-scan that stops after the last one)."""
        wanted = np.unique(np.asarray(rows, dtype=np.int64))
        if not len(wanted):
            return pa.RecordBatch.from_pylist([], schema=self.schema)
        parts, start = [], 0
        for batch in self.batches():
            local = wanted[(wanted >= start) & (wanted < start + batch.num_rows)] - start
            if len(local):
                parts.append(batch.take(pa.array(local)))
            start += batch.num_rows
            if start > wanted[-1]:
                break
        return _merge(parts) if parts else pa.RecordBatch.from_pylist([], schema=self.schema)


@dataclass
class CanonicalInput:
    """The splits of a dataset to validate, and its manifest when it has one."""

    path: str
    splits: dict[str, SplitInput]
    manifest: dict[str, Any] | None = field(default=None)


def _merge(batches: list[pa.RecordBatch]) -> pa.RecordBatch:
    if len(batches) == 1:
        return batches[0]
    table = pa.Table.from_batches(batches).combine_chunks()
    return table.to_batches()[0] if table.num_rows else batches[0]


def open_canonical(path: str | Path, splits: list[str] | None = None) -> CanonicalInput:
    """Open `path` (folder or file) as a canonical dataset, keeping only `splits` when given."""
    p = Path(path)
    if not p.exists():
        raise SourceError(f"no such file or folder: {p}", fix="check the path")
    found = _open_folder(p) if p.is_dir() else {TRAIN_SPLIT: _open_file(p, TRAIN_SPLIT)}
    manifest = read_manifest(p)
    return CanonicalInput(str(p), _select(found, splits, str(p)), manifest)


def from_dataset(data: Any, splits: list[str] | None = None) -> CanonicalInput:
    """Wrap an in-memory `datasets.Dataset` or `DatasetDict` (no copy of the Arrow data)."""
    parts = dict(data) if hasattr(data, "keys") else {TRAIN_SPLIT: data}
    found = {name: _dataset_split(name, ds) for name, ds in parts.items()}
    return CanonicalInput("<dataset>", _select(found, splits, "<dataset>"))


def _dataset_split(name: str, ds: Any) -> SplitInput:
    def batches() -> Iterator[pa.RecordBatch]:
        for table in ds.with_format("arrow").iter(batch_size=BATCH_ROWS):
            yield from table.to_batches()

    return SplitInput(name, ds.data.schema, batches)


def _select(found: dict[str, SplitInput], splits: list[str] | None, where: str) -> dict[str, SplitInput]:
    if not found:
        raise SourceError("no data files found", where=where, fix="give a save_to_disk folder or data files")
    if not splits:
        return found
    missing = [s for s in splits if s not in found]
    if missing:
        raise SourceError(f"no split named {missing}; the splits are {sorted(found)}", where=where)
    return {s: found[s] for s in splits}


def _open_folder(p: Path) -> dict[str, SplitInput]:
    if is_saved_dataset(p):
        # convert's reader: the same split names, and the same refusal of a split or data file
        # listed outside the folder (`../elsewhere/train`), of broken JSON and of missing files
        return {name: _open_files(files, name) for name, files in saved_split_files(p).items()}
    files = sorted(
        f for f in p.rglob("*") if f.is_file() and f.name.endswith(DATA_SUFFIXES) and f.name not in SIDE_FILES
    )
    # convert's rule for the split names of a folder of data files, so both name splits alike
    return {name: _open_files(fs, name) for name, fs in group_by_split(files, p).items()}


def _open_files(files: list[Path], name: str) -> SplitInput:
    parts = [_open_file(f, name) for f in files]
    if len(parts) == 1:
        return parts[0]

    def batches() -> Iterator[pa.RecordBatch]:
        for part in parts:
            yield from part.open_batches()

    return SplitInput(name, parts[0].schema, batches)


def _open_file(f: Path, name: str) -> SplitInput:
    suffix = f.name.removesuffix(".gz").rsplit(".", 1)[-1]
    try:
        if suffix == "parquet":
            schema = pq.read_schema(f)
            # pre_buffer caches column chunks ahead and grows with the file: keep memory flat
            return SplitInput(
                name, schema, lambda: pq.ParquetFile(f, pre_buffer=False).iter_batches(BATCH_ROWS)
            )
        if suffix == "arrow":
            return _open_arrow(f, name)
        if suffix in ("jsonl", "json"):
            table = _read_json(f)
            return SplitInput(name, table.schema, lambda: iter(table.to_batches(BATCH_ROWS)))
    except (pa.ArrowInvalid, OSError) as exc:
        raise SourceError(f"cannot read the file: {exc}", where=str(f)) from None
    raise SourceError(
        f"unknown file type `{f.suffix}`", where=str(f), fix="use parquet, jsonl, json or arrow"
    )


def _read_json(f: Path) -> pa.Table:
    with pa.input_stream(str(f), compression="detect") as stream:
        head = stream.read(1)
    if head == b"[":
        rows = json.loads(pa.input_stream(str(f), compression="detect").read())
        return pa.Table.from_pylist(rows)
    return pa_json.read_json(pa.input_stream(str(f), compression="detect"))


def _open_arrow(f: Path, name: str) -> SplitInput:
    def reader() -> Any:
        try:
            return pa.ipc.open_stream(pa.memory_map(str(f)))
        except pa.ArrowInvalid:  # the IPC file format, not the stream `save_to_disk` writes
            return pa.ipc.open_file(pa.memory_map(str(f)))

    def batches() -> Iterator[pa.RecordBatch]:
        r = reader()
        if isinstance(r, pa.ipc.RecordBatchFileReader):
            yield from (r.get_batch(i) for i in range(r.num_record_batches))
        else:
            yield from r

    return SplitInput(name, reader().schema, batches)

"""Atomic writing of the canonical output folder, in the on-disk format of `DatasetDict.save_to_disk`.

```
out/                                  (appears only at commit, by one rename)
  dataset_dict.json                   {"splits": [...]}, in first-written order
  prefdata.json                       the manifest, as given to commit()
  rejects.jsonl                       one JSON object per dropped row (only when there are some)
  <split>/data-00000-of-00001.arrow   Arrow IPC stream, schema metadata as `datasets` writes it
  <split>/dataset_info.json           the `datasets` features of the schema
  <split>/state.json                  fingerprint = digest of the data file's bytes
```

Rows are streamed to disk as they are written. Batches of one split may have different
schemas (a later batch adds `tool_calls` to messages): the schemas are unified (missing
fields become null) and the split is re-written once at commit, only when they differed.
The same calls produce byte-identical folders: no timestamps, no random names. The file names
and the metadata files' text come from `prefdata._canonical_folder`.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

import orjson
import pyarrow as pa
import xxhash

from prefdata._canonical_folder import (
    DATA_FILE,
    DATASET_DICT_FILE,
    INFO_FILE,
    MANIFEST_FILE,
    REJECTS_FILE,
    STATE_FILE,
    dataset_dict_text,
    info_text,
    state_text,
)
from prefdata._errors import OutputError
from prefdata._output_target import (
    check_split_name,
    check_target,
    make_parent,
    output_os_error,
    remove_stale_staging,
    remove_tree,
    warn_left,
)
from prefdata._tables import features_of

__all__ = [
    "DATA_FILE",
    "MANIFEST_FILE",
    "REJECTS_FILE",
    "CanonicalWriter",
    "output_os_error",
    "remove_stale_staging",
]

REJECT_KEYS = ("split", "source_row", "reason", "detail")
_REJECT_KEY_SET = frozenset(REJECT_KEYS)


class CanonicalWriter:
    """Write splits and rejects into a hidden staging folder, then rename it into place at commit.

    Usage: `with CanonicalWriter(out) as writer: writer.write("train", table); writer.commit(manifest)`.
    Leaving the `with` block without a commit (an exception included) removes the staging folder.
    """

    def __init__(
        self,
        out_dir: str | os.PathLike[str],
        *,
        overwrite: bool = False,
        inputs: Sequence[str | os.PathLike[str]] = (),
    ) -> None:
        """`inputs`: the files and folders being read, which an overwritten output must not hold."""
        self.out_dir = Path(os.path.abspath(out_dir))
        self.overwrite = overwrite
        self.inputs = [Path(path) for path in inputs]
        check_target(self.out_dir, overwrite, self.inputs)
        make_parent(self.out_dir.parent)
        remove_stale_staging(self.out_dir)
        self.staging = self.out_dir.parent / f".{self.out_dir.name}.prefdata-staging-{os.getpid()}"
        shutil.rmtree(self.staging, ignore_errors=True)  # our own leftover from an earlier writer
        try:
            self.staging.mkdir()
        except OSError as exc:
            raise output_os_error(exc, self.out_dir.parent, "cannot create the staging folder") from None
        self._splits: dict[str, _SplitWriter] = {}
        self._rejects: _RejectsFile | None = None
        self._closed = False

    def write(self, split: str, table: pa.Table | pa.RecordBatch) -> None:
        """Append rows to `split` (an empty table creates the split with its schema)."""
        self._check_open()
        if split not in self._splits:
            check_split_name(split)
            self._splits[split] = _SplitWriter(self.staging / split)
        if isinstance(table, pa.RecordBatch):
            table = pa.Table.from_batches([table])
        try:
            self._splits[split].write(table.replace_schema_metadata(None))
        except OSError as exc:
            raise output_os_error(exc, self.out_dir) from None

    def add_reject(self, reject: dict) -> None:
        """Record one dropped row (`split`, `source_row`, `reason`, `detail`, extra keys kept)."""
        self.add_rejects([reject])

    def add_rejects(self, rejects: list[dict]) -> None:
        """Record dropped rows, in order, with one write."""
        self._check_open()
        for reject in rejects:
            if not reject.keys() >= _REJECT_KEY_SET:
                missing = [key for key in REJECT_KEYS if key not in reject]
                raise ValueError(f"reject lacks {', '.join(missing)}: {reject!r}")
        try:
            if self._rejects is None:
                self._rejects = _RejectsFile(self.staging / REJECTS_FILE)
            self._rejects.add(rejects)
        except OSError as exc:
            raise output_os_error(exc, self.out_dir) from None

    def commit(self, manifest_json: str) -> Path:
        """Finish every split, write the manifest and metadata, fsync, and rename into place."""
        self._check_open()
        if not self._splits:
            raise OutputError("nothing to commit: no split was written", where=str(self.out_dir))
        try:
            self._finish_staging(manifest_json)
            check_target(self.out_dir, self.overwrite, self.inputs)  # it may have appeared since we started
            self._replace_target()
        except OSError as exc:
            self.abort()  # a failed commit cannot be retried: leave nothing behind
            raise output_os_error(exc, self.out_dir) from None
        except BaseException:
            self.abort()
            raise
        self._closed = True
        return self.out_dir

    def abort(self) -> None:
        """Discard everything written so far (the output folder is left as it was)."""
        for writer in self._splits.values():
            with contextlib.suppress(OSError):  # a full disk fails the last flush: discarded anyway
                writer.close()
        if self._rejects is not None:
            with contextlib.suppress(OSError):
                self._rejects.close()
        shutil.rmtree(self.staging, ignore_errors=True)
        self._closed = True

    def __enter__(self) -> CanonicalWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if not self._closed:
            self.abort()

    def _check_open(self) -> None:
        if self._closed:
            raise OutputError("the writer was already committed or aborted", where=str(self.out_dir))

    def _finish_staging(self, manifest_json: str) -> None:
        for writer in self._splits.values():
            writer.finish()
        if self._rejects is not None:
            self._rejects.close()
        _write_text(self.staging / DATASET_DICT_FILE, dataset_dict_text(list(self._splits)))
        _write_text(self.staging / MANIFEST_FILE, manifest_json)
        _fsync_tree(self.staging)

    def _replace_target(self) -> None:
        """Rename staging into place; an old output is moved aside first and removed after."""
        aside = self.out_dir.parent / f".{self.out_dir.name}.prefdata-old-{os.getpid()}"
        had_old = self.out_dir.exists()
        if had_old:
            os.rename(self.out_dir, aside)
        try:
            os.rename(self.staging, self.out_dir)
        except OSError as exc:
            if had_old:
                os.rename(aside, self.out_dir)
            raise OutputError(f"cannot move the output into place ({exc})", where=str(self.out_dir)) from None
        _fsync_path(self.out_dir.parent)
        if had_old and not remove_tree(aside):  # the new output is in place: say what is left
            warn_left(aside, "the replaced output")


class _SplitWriter:
    """One split's data: Arrow stream segments, one per schema change, merged at finish."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir()
        self.segments: list[Path] = []
        self.schema: pa.Schema | None = None
        self._sink: pa.NativeFile | None = None
        self._stream: pa.ipc.RecordBatchStreamWriter | None = None

    def write(self, table: pa.Table) -> None:
        if self.schema is None or not table.schema.equals(self.schema):
            unified = (
                table.schema if self.schema is None else _unify([self.schema, table.schema], self.folder)
            )
            if self.schema is None or not unified.equals(self.schema):
                self._open_segment(unified)
            if not table.schema.equals(unified):  # a first batch already fits: no casts
                table = conform(table, unified)
        assert self._stream is not None
        self._stream.write_table(table)

    def _open_segment(self, schema: pa.Schema) -> None:
        self.close()
        path = self.folder / f"segment-{len(self.segments):05d}.arrow"
        self.segments.append(path)
        self.schema = schema
        self._sink = pa.OSFile(str(path), "wb")
        self._stream = pa.ipc.new_stream(self._sink, with_features_metadata(schema))

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._sink.close()  # type: ignore[union-attr]
            self._stream = self._sink = None

    def finish(self) -> None:
        """Leave one data file with the unified schema, and write dataset_info.json and state.json."""
        self.close()
        assert self.schema is not None
        data = self.folder / DATA_FILE
        if len(self.segments) == 1:
            os.rename(self.segments[0], data)
        else:
            _merge_segments(self.segments, self.schema, data)
        _write_split_metadata(self.folder, self.schema, data)


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """Cast `table` to `schema`: columns in schema order, absent columns and struct fields null."""
    columns = []
    for field in schema:
        if field.name in table.column_names:
            columns.append(table[field.name].cast(field.type))
        else:
            columns.append(pa.nulls(table.num_rows, field.type))
    return pa.Table.from_arrays(columns, schema=schema)


def with_features_metadata(schema: pa.Schema) -> pa.Schema:
    """The schema with the `huggingface` metadata `datasets` puts in the Arrow files it saves."""
    info = {"info": {"features": _features(schema)}}
    return schema.with_metadata({"huggingface": json.dumps(info)})


def _features(schema: pa.Schema) -> dict:
    return features_of(schema.remove_metadata())


def _unify(schemas: list[pa.Schema], where: Path) -> pa.Schema:
    try:
        return pa.unify_schemas(schemas, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise OutputError(
            f"batches of one split have incompatible schemas ({exc})",
            where=f"split {where.name}",
            fix="give each column one type in every batch",
        ) from None


def _merge_segments(segments: list[Path], schema: pa.Schema, data: Path) -> None:
    """Re-write the segments into one file with the unified schema, batch by batch."""
    with pa.OSFile(str(data), "wb") as sink, pa.ipc.new_stream(sink, with_features_metadata(schema)) as out:
        for segment in segments:
            with pa.memory_map(str(segment)) as source:
                for batch in pa.ipc.open_stream(source):
                    out.write_table(conform(pa.Table.from_batches([batch]), schema))
            segment.unlink()


def _write_split_metadata(folder: Path, schema: pa.Schema, data: Path) -> None:
    _write_text(folder / INFO_FILE, info_text(_features(schema)))
    _write_text(folder / STATE_FILE, state_text(file_digest(data)[:16]))


class _RejectsFile:
    """rejects.jsonl, appended one orjson line at a time (created on the first reject)."""

    def __init__(self, path: Path) -> None:
        self._handle = open(path, "wb")  # noqa: SIM115 - kept open across add() calls

    def add(self, rejects: list[dict]) -> None:
        # default=str: a detail holding an odd value must not lose the whole output.
        lines = [orjson.dumps(reject, default=str, option=orjson.OPT_APPEND_NEWLINE) for reject in rejects]
        self._handle.write(b"".join(lines))

    def close(self) -> None:
        self._handle.close()


def _write_text(path: Path, text: str) -> None:
    path.write_bytes(text.encode("utf-8"))


def file_digest(path: Path) -> str:
    """xxh3-128 of the file's bytes: a fingerprint, not a security check, so the fast hash.

    Read into one reused buffer: a memory map would count the whole file in the process's
    resident memory, and new buffers per read would fault in fresh pages."""
    digest, buffer = xxhash.xxh3_128(), bytearray(_DIGEST_BUFFER)
    view = memoryview(buffer)
    with open(path, "rb", buffering=0) as handle:
        while size := handle.readinto(buffer):
            digest.update(view[:size])
    return digest.hexdigest()


_DIGEST_BUFFER = 4 << 20


def _fsync_tree(root: Path) -> None:
    """fsync every file and folder under `root`, so the rename publishes complete data."""
    for folder, _, files in os.walk(root):
        for name in files:
            _fsync_path(Path(folder) / name)
        _fsync_path(Path(folder))


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

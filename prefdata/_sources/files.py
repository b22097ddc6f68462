"""Reading one data file of any supported format as rows, and fingerprinting files cheaply."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

import pyarrow as pa

from prefdata._errors import SourceError
from prefdata._sources import columnar
from prefdata._sources.jsonlines import iter_json_rows
from prefdata._sources.sniff import check_text_bytes
from prefdata._sources.source import rebatch

BatchT = TypeVar("BatchT", pa.RecordBatch, pa.Table)

SUPPORTED_EXTENSIONS = (".jsonl", ".json", ".jsonl.gz", ".json.gz", ".parquet", ".csv", ".arrow")

_BATCHED: dict[str, Callable[[Path, int], Iterator[pa.RecordBatch]]] = {
    ".parquet": columnar.iter_parquet_batches,
    ".csv": columnar.iter_csv_batches,
    ".arrow": columnar.iter_arrow_batches,
}


def extension(path: Path) -> str | None:
    """The supported extension `path` ends with (longest match), or None."""
    name = path.name.lower()
    matches = [ext for ext in SUPPORTED_EXTENSIONS if name.endswith(ext)]
    return max(matches, key=len) if matches else None


def check_file(path: Path) -> str:
    """Return the extension of `path`; raise SourceError for an unsupported type or an empty file."""
    ext = extension(path)
    if ext is None:
        raise SourceError(
            f"unsupported file type {''.join(path.suffixes) or '(no extension)'!r}",
            where=str(path),
            fix=f"convert it to one of {', '.join(SUPPORTED_EXTENSIONS)}",
        )
    if path.stat().st_size == 0:
        raise SourceError("file is empty: no rows", where=str(path))
    check_text_bytes(path, ext)  # a name that lies (gzip, Parquet or UTF-16 as .jsonl) is said so
    return ext


def iter_file_batches(
    path: Path, batch_size: int, columns: Sequence[str] | None = None, kind: str | None = None
) -> Iterator[list[dict]]:
    """Rows of one file, as lists of at most `batch_size` dicts; read errors become SourceError.

    With `columns`, rows of Parquet, CSV and Arrow files hold only those of them the file has
    (JSON rows keep every key). `kind` (an extension such as ".jsonl") gives the format of a
    file whose name does not (a spooled stream).
    """
    ext = kind or check_file(path)
    try:
        if ext == ".parquet":  # picked by the reader: the other columns are never decoded
            for batch in columnar.iter_parquet_batches(path, batch_size, columns):
                yield batch_rows(batch)
        elif ext in _BATCHED:
            for batch in _BATCHED[ext](path, batch_size):
                yield batch_rows(_pick(batch, columns))
        else:
            yield from rebatch(iter_json_rows(path), batch_size)
    except (pa.ArrowException, OSError) as exc:
        raise SourceError(f"cannot read {ext} file ({exc})", where=str(path), fix=_fix(ext)) from None


def iter_file_arrow(
    path: Path, batch_size: int, columns: Sequence[str] | None = None, kind: str | None = None
) -> Iterator[pa.RecordBatch]:
    """The record batches `iter_file_batches` turns into rows, for Parquet, CSV and Arrow files."""
    ext = kind or check_file(path)
    try:
        if ext == ".parquet":
            yield from columnar.iter_parquet_batches(path, batch_size, columns)
        else:
            for batch in _BATCHED[ext](path, batch_size):
                yield _pick(batch, columns)
    except (pa.ArrowException, OSError) as exc:
        raise SourceError(f"cannot read {ext} file ({exc})", where=str(path), fix=_fix(ext)) from None


def batch_rows(batch: pa.RecordBatch) -> list[dict]:
    """`batch.to_pylist()`, with the rows zipped in C rather than built key by key.

    Decimal columns (SQL exports) become floats first (`plain_numbers`)."""
    columns = plain_numbers(batch).to_pydict()
    if not columns:  # zip() of nothing is empty: keep one (empty) row per row
        return [{} for _ in range(batch.num_rows)]
    return [dict(zip(columns, values, strict=True)) for values in zip(*columns.values(), strict=True)]


def plain_numbers(batch: BatchT) -> BatchT:
    """`batch` with every decimal type (at any depth) cast to float64.

    Python reads a decimal as `decimal.Decimal`, which no score, margin or label reader takes
    as a number: a Parquet file of decimal scores would lose every row as `bad_value`. A float
    keeps 15 significant digits, more than any score or margin carries."""
    schema = pa.schema([field.with_type(_float_decimals(field.type)) for field in batch.schema])
    return batch if schema.equals(batch.schema) else batch.cast(schema)


def _float_decimals(kind: pa.DataType) -> pa.DataType:
    if pa.types.is_decimal(kind):
        return pa.float64()
    if pa.types.is_struct(kind):
        return pa.struct(
            [kind.field(i).with_type(_float_decimals(kind.field(i).type)) for i in range(kind.num_fields)]
        )
    if pa.types.is_list(kind):
        return pa.list_(kind.value_field.with_type(_float_decimals(kind.value_type)))
    if pa.types.is_large_list(kind):
        return pa.large_list(kind.value_field.with_type(_float_decimals(kind.value_type)))
    return kind


def _pick(batch: pa.RecordBatch, columns: Sequence[str] | None) -> pa.RecordBatch:
    if columns is None:
        return batch
    wanted = set(columns)
    return batch.select([name for name in batch.schema.names if name in wanted])


def _fix(ext: str) -> str:
    return f"check that the file is valid {ext.lstrip('.')} (it may be truncated or have another format)"


def file_num_rows(path: Path, kind: str | None = None) -> int | None:
    """Row count when the format stores it (Parquet, Arrow), else None."""
    ext = kind or check_file(path)
    try:
        if ext == ".parquet":
            return columnar.parquet_num_rows(path)
        if ext == ".arrow":
            return columnar.arrow_num_rows(path)
    except (pa.ArrowException, OSError) as exc:
        raise SourceError(f"cannot read {ext} file ({exc})", where=str(path), fix=_fix(ext)) from None
    return None


def files_fingerprint(paths: Sequence[Path], root: Path) -> str:
    """A hex digest of the files' names (relative to `root`), sizes and modification times."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        stat = path.stat()
        relative = path.relative_to(root) if path != root else Path(path.name)
        digest.update(f"{relative.as_posix()}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()

"""Reading Parquet, CSV and Arrow IPC files by record batches (memory stays flat).

| file       | read with                                                  | rows known |
| ---------- | ---------------------------------------------------------- | ---------- |
| `.parquet` | `pyarrow.parquet.ParquetFile.iter_batches`                 | yes (footer) |
| `.csv`     | `pyarrow.csv.open_csv`, every column a string, newlines allowed in quoted values | no |
| `.arrow`   | Arrow IPC stream (as `datasets` writes) or IPC file, memory-mapped | yes |
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from prefdata._errors import SourceError


def iter_parquet_batches(
    path: Path, batch_size: int, columns: Sequence[str] | None = None
) -> Iterator[pa.RecordBatch]:
    """Record batches of a Parquet file, at most `batch_size` rows each.

    With `columns`, only those the file has are read (the others are never decoded).
    """
    # pre_buffer keeps every row group read so far in memory; without it memory stays flat
    with pq.ParquetFile(path, pre_buffer=False, buffer_size=1 << 20) as parquet:
        check_unique(parquet.schema_arrow.names, str(path))
        if parquet.metadata.num_rows == 0:
            raise SourceError("file has no rows", where=str(path), fix="remove the empty file")
        wanted = None if columns is None else set(columns)
        picked = None if wanted is None else [n for n in parquet.schema_arrow.names if n in wanted]
        # one thread: decoding columns on several barely helps, and competes with conversion workers
        yield from parquet.iter_batches(batch_size=batch_size, columns=picked, use_threads=False)


def parquet_num_rows(path: Path) -> int:
    """Row count from the Parquet footer (no data read)."""
    return pq.ParquetFile(path).metadata.num_rows


def iter_csv_batches(path: Path, batch_size: int) -> Iterator[pa.RecordBatch]:
    """Record batches of a CSV file with a header row; every column is read as a string.

    Strings keep values exact ("007" stays "007"); typing columns from a first block would
    fail mid-file when a later block disagrees.
    """
    parse = pa_csv.ParseOptions(newlines_in_values=True)
    names = _csv_header(path, parse)
    if not names:
        raise SourceError("file is empty: no rows", where=str(path))
    check_unique(names, str(path))
    convert = pa_csv.ConvertOptions(column_types={name: pa.string() for name in names})
    count, block = 0, _CSV_BLOCK
    while True:
        read = pa_csv.ReadOptions(block_size=block, skip_rows_after_names=count)
        try:
            for batch in pa_csv.open_csv(
                path, read_options=read, parse_options=parse, convert_options=convert
            ):
                count += batch.num_rows
                yield from _slices(batch, batch_size)
            break
        except pa.ArrowInvalid as exc:
            if "straddl" not in str(exc) or block >= _CSV_MAX_BLOCK:
                raise _csv_error(path, exc, names, count) from None
            block *= 16  # a row longer than a read block: read on from row `count` with larger blocks
    if count == 0:
        raise SourceError("file is empty: no rows", where=str(path), fix="a CSV needs a header row and rows")


_CSV_BLOCK, _CSV_MAX_BLOCK = 1 << 20, 1 << 30


def _csv_error(path: Path, exc: pa.ArrowInvalid, names: list[str], count: int) -> SourceError:
    """A CSV read error naming the column (not its number) and the rows it lies in."""
    text = str(exc)
    for number, name in enumerate(names):
        text = text.replace(f"column #{number}:", f"column `{name}`:")
    fix = (
        "re-encode the file as UTF-8"
        if "UTF8" in text
        else "check the quoting and the number of values per row"
    )
    return SourceError(f"invalid CSV ({text}) at data row {count + 1} or later", where=str(path), fix=fix)


def check_unique(names: list[str], where: str) -> None:
    """Refuse a header that repeats a column name: all but one of the columns would be lost."""
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise SourceError(
            f"column name(s) {', '.join(f'`{n}`' for n in repeated)} appear more than once in the header",
            where=where,
            fix="rename the repeated columns",
        )


def _csv_header(path: Path, parse: pa_csv.ParseOptions) -> list[str]:
    try:
        return list(pa_csv.open_csv(path, parse_options=parse).schema.names)
    except pa.ArrowInvalid as exc:
        if "Empty CSV file" in str(exc):
            return []
        raise _csv_error(path, exc, [], 0) from None
    except UnicodeDecodeError as exc:  # pyarrow decodes the header's names only when asked for them
        raise SourceError(
            f"the header row is not valid UTF-8 (byte {exc.start}: {exc.object[exc.start : exc.start + 1]!r})",
            where=str(path),
            fix="re-encode the file as UTF-8",
        ) from None


def iter_arrow_batches(path: Path, batch_size: int) -> Iterator[pa.RecordBatch]:
    """Record batches of an Arrow IPC stream or file, memory-mapped, at most `batch_size` rows each."""
    with pa.memory_map(str(path)) as source:
        for batch in _ipc_batches(source):
            yield from _slices(batch, batch_size)


def arrow_num_rows(path: Path) -> int:
    """Row count of an Arrow IPC file; cheap because the batches are memory-mapped, not copied."""
    with pa.memory_map(str(path)) as source:
        return sum(batch.num_rows for batch in _ipc_batches(source))


def _ipc_batches(source: pa.MemoryMappedFile) -> Iterator[pa.RecordBatch]:
    try:
        reader = pa.ipc.open_stream(source)
    except pa.ArrowInvalid:
        # Not a stream: try the IPC file format (with a footer).
        source.seek(0)
        file_reader = pa.ipc.open_file(source)
        for index in range(file_reader.num_record_batches):
            yield file_reader.get_batch(index)
        return
    yield from reader


def _slices(batch: pa.RecordBatch, batch_size: int) -> Iterator[pa.RecordBatch]:
    for offset in range(0, batch.num_rows, batch_size):
        yield batch.slice(offset, batch_size)

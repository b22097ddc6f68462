"""Reading Parquet, CSV and Arrow IPC files by record batches (memory stays flat).

| file       | read with                                                  | rows known |
| ---------- | ---------------------------------------------------------- | ---------- |
| `.parquet` | `pyarrow.parquet.ParquetFile.iter_batches`                 | yes (footer) |
| `.csv`     | `pyarrow.csv.open_csv`, every column a string, newlines allowed in quoted values | no |
| `.arrow`   | Arrow IPC stream (as `datasets` writes) or IPC file, memory-mapped | yes |
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from prefdata.errors import SourceError


def iter_parquet_batches(path: Path, batch_size: int) -> Iterator[pa.RecordBatch]:
    """Record batches of a Parquet file, at most `batch_size` rows each."""
    # pre_buffer keeps every row group read so far in memory; without it memory stays flat
    with pq.ParquetFile(path, pre_buffer=False, buffer_size=1 << 20) as parquet:
        yield from parquet.iter_batches(batch_size=batch_size)


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
    convert = pa_csv.ConvertOptions(column_types={name: pa.string() for name in names})
    reader = pa_csv.open_csv(path, parse_options=parse, convert_options=convert)
    count = 0
    for batch in reader:
        count += batch.num_rows
        yield from _slices(batch, batch_size)
    if count == 0:
        raise SourceError("file is empty: no rows", where=str(path), fix="a CSV needs a header row and rows")


def _csv_header(path: Path, parse: pa_csv.ParseOptions) -> list[str]:
    try:
        return list(pa_csv.open_csv(path, parse_options=parse).schema.names)
    except pa.ArrowInvalid as exc:
        if "Empty CSV file" in str(exc):
            return []
        raise


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

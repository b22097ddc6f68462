"""Converting a large split of columnar files in worker processes, with the sequential output.

`PREFDATA_WORKERS` (environment) sets how many worker processes convert a split: 0 or 1
converts in this process; unset, min(available CPUs, 4). A split is converted in parallel
only when it comes from Parquet, CSV or Arrow files (a `save_to_disk` folder included) with a
stored row count of at least `MIN_ROWS`, its layout converts each row alone (not a flat
message table), it has no `chat_template_kwargs` (their accepted types follow earlier rows),
and the platform is Linux (workers are forked).

How: this process reads the split's record batches (only the columns the spec reads) and cuts
them into chunks of `CHUNK_FLUSHES * FLUSH_ROWS` rows, so every chunk starts where the
sequential loop starts a new table. Chunks travel as Arrow files in a scratch folder (in
/dev/shm when it has room; removed at the end, by the workers when this process is killed, and
by the next run when it was killed before any worker started): a worker memory-maps them, where
pickles through a pipe would copy every byte several times. A worker turns its chunk into the
same row dicts, converts them with its own copy of the converter, and sends back its tables (as
Arrow files beside the chunk), the rejects, the counts and the pair drops. This process takes
the results in chunk order and writes them as the sequential loop would: the output folder is
byte-identical, and an error (`--ties error` naming its row) is raised here as the sequential
loop raises it. Workers die with this process (`prefdata.parent_death`); on an error or an
interrupt here they are terminated at once.

One state spans chunks: every row of a split must have the first output row's shape. A worker
starts with no shape; when a chunk's first shape is not the split's, that chunk is converted
again here with the split's shape (only mixed splits pay for it).
"""

from __future__ import annotations

import copy
import multiprocessing
import os
import shutil
import sys
import tempfile
from collections import Counter, deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pyarrow as pa

from prefdata.errors import PrefdataError
from prefdata.parent_death import die_with_parent, interrupts_held
from prefdata.sources.files import batch_rows
from prefdata.sources.source import aligned_batches
from prefdata.transforms.fields import columns_read

if TYPE_CHECKING:
    from prefdata.convert import Tally
    from prefdata.sinks import Sink
    from prefdata.sources import SplitSource
    from prefdata.transforms.pairs import RowConverter

MIN_ROWS = 20_000  # below this, starting processes costs more than it saves
CHUNK_FLUSHES = 1  # tables (of FLUSH_ROWS input rows) per chunk
MAX_WORKERS = 4
Shape = tuple[bool, bool]
SCRATCH_ROOM = 4 << 30  # free bytes /dev/shm needs to hold the chunks in flight
SCRATCH_PREFIX = "prefdata-chunks-"
# (first input row, Arrow files of its rows for a worker, the same rows here for a re-run)
Chunk = tuple[int, list[str], list[pa.RecordBatch]]
T = TypeVar("T")
R = TypeVar("R")

# The split being converted, set before the workers fork (they inherit it, nothing is pickled).
_JOB: tuple[RowConverter, SplitSource, str] | None = None


@dataclass
class ChunkResult:
    """What converting one chunk gave, in the order the sequential loop would have written it."""

    tally: Tally | None = None
    tables: list[Any] = field(default_factory=list)  # pa.Table here, Arrow file paths from a worker
    rejects: list[dict[str, Any]] = field(default_factory=list)
    pair_drops: Counter[str] = field(default_factory=Counter)
    shape: Shape | None = None  # the chunk's first output shape, when it started with none
    error: tuple[type[PrefdataError], str, str, str] | None = None


def workers_for(src: SplitSource, converter: RowConverter) -> int:
    """How many worker processes convert `src` (1: convert it in this process)."""
    if src.read_arrow is None or src.num_rows is None or src.num_rows < MIN_ROWS:
        return 1
    if getattr(converter.spec.preference, "structure", None) == "flat" or converter.template_kwargs:
        return 1
    if not sys.platform.startswith("linux"):  # fork is unsafe on macOS and absent on Windows
        return 1
    return configured_workers()


def configured_workers() -> int:
    """`PREFDATA_WORKERS`, else min(available CPUs, `MAX_WORKERS`)."""
    value = os.environ.get("PREFDATA_WORKERS", "").strip()
    if not value:
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        return min(cpus, MAX_WORKERS)
    try:
        return max(int(value), 1)
    except ValueError:
        raise PrefdataError(
            f"PREFDATA_WORKERS={value!r} is not a whole number",
            fix="set it to 0 or 1 (convert in one process) or to a number of worker processes",
        ) from None


def convert_parallel(
    src: SplitSource, converter: RowConverter, sink: Sink, progress: bool, workers: int
) -> Tally:
    """Convert `src` in chunks on `workers` processes; write the results in order, as the sequential loop."""
    global _JOB
    from prefdata.convert import FLUSH_ROWS, Tally

    total, split_shape = Tally(), converter.shape
    bar = progress_bar(src, progress)
    scratch = _make_scratch()
    _JOB = (converter, src, scratch)
    # workers die with this process, whatever kills it; if it dies, they remove what it leaves
    guard = (os.getpid(), [scratch, *sink.transient_paths()])
    pool = ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("fork"), initializer=die_with_parent, initargs=guard
    )
    try:
        with interrupts_held():
            pool.submit(int)  # forks every worker now, with no interrupt raised in the middle
        chunks = _chunks(src, columns_read(converter.spec), FLUSH_ROWS * CHUNK_FLUSHES, scratch)
        submitted = ((chunk, pool.submit(_run_chunk, chunk[0], chunk[1])) for chunk in chunks)
        for (first, _, pieces), result in in_order(submitted, 2 * workers):
            if result.shape is not None and split_shape is not None and result.shape != split_shape:
                result = convert_chunk(converter, src, first, pieces, split_shape, None)
            _raise_error(result)
            split_shape = split_shape or result.shape
            _merge(result, total, converter, sink, src.name)
            if bar is not None:
                bar.update(result.tally.rows_in if result.tally else 0)
    except BaseException:
        _stop_workers(pool)  # an error or an interrupt: chunks under way are not waited for
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _JOB = None
        shutil.rmtree(scratch, ignore_errors=True)
        if bar is not None:
            bar.close()
    converter.shape = split_shape
    return total


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Terminate the pool's worker processes (their chunks are discarded; the pool is then broken)."""
    # `_processes` is private, but the only handle on the pool's workers; stable since Python 3.2
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.terminate()


def convert_chunk(
    base: RowConverter,
    src: SplitSource,
    first: int,
    batches: list[Any],
    shape: Shape | None,
    scratch: str | None,
) -> ChunkResult:
    """Convert the rows of one chunk (input rows from `first` on) with a fresh copy of `base`.

    With `scratch`, its tables are written to Arrow files there and their paths returned.
    """
    from prefdata.convert import convert_units

    converter = copy.copy(base)  # the copy's state is its own: rows of other chunks never touch it
    converter.pair_drops, converter.shape, converter.kwargs_type = Counter(), shape, None
    result = ChunkResult(pair_drops=converter.pair_drops)
    rows = [row for batch in batches for row in batch_rows(batch)]
    units = (([first + i], row, first + i) for i, row in enumerate(rows))

    def write(_split: str, table: pa.Table) -> None:
        if scratch is None:
            result.tables.append(table)
        else:
            result.tables.append(_write_file(table, f"{scratch}/out-{first}-{len(result.tables)}.arrow"))

    try:
        result.tally = convert_units(units, converter, src, write, result.rejects.append, first)
    except PrefdataError as exc:  # sent as parts: a pickled PrefdataError loses `where` and `fix`
        result.error = (type(exc), exc.what, exc.where, exc.fix)
    result.shape = converter.shape if shape is None else None
    return result


def _run_chunk(first: int, paths: list[str]) -> ChunkResult:
    assert _JOB is not None, "workers are forked after _JOB is set"
    converter, src, scratch = _JOB
    tables = [_read_file(path) for path in paths]
    for path in paths:
        os.unlink(path)  # mapped, the data stays readable; a killed run leaves less behind
    return convert_chunk(converter, src, first, tables, None, scratch)


def in_order(submitted: Iterator[tuple[T, Future[R]]], window: int) -> Iterator[tuple[T, R]]:
    """(item, result) in the order of `submitted`, a lazy stream of (item, its future): at most
    `window` items are drawn (submitted) ahead of the one whose result is due, so memory stays flat."""
    pending: deque[tuple[T, Future[R]]] = deque()
    for entry in submitted:
        pending.append(entry)
        if len(pending) >= window:
            item, future = pending.popleft()
            yield item, future.result()
    while pending:
        item, future = pending.popleft()
        yield item, future.result()


def _chunks(src: SplitSource, columns: list[str] | None, size: int, scratch: str) -> Iterator[Chunk]:
    """(first input row, Arrow files holding its rows, its batches) for chunks of `size` rows, in order.

    Files, not pickles: a worker memory-maps them, where a pipe would copy every byte four times.
    """
    assert src.read_arrow is not None
    for first, pieces in aligned_batches(src.read_arrow(size, columns), size):
        yield first, _write_pieces(pieces, f"{scratch}/in-{first}"), pieces


def _write_pieces(pieces: list[pa.RecordBatch], stem: str) -> list[str]:
    """One Arrow file per run of pieces with one schema (files of a split may differ)."""
    runs: list[list[pa.RecordBatch]] = []
    for piece in pieces:
        if runs and runs[-1][0].schema.equals(piece.schema):
            runs[-1].append(piece)
        else:
            runs.append([piece])
    return [_write_file(pa.Table.from_batches(run), f"{stem}-{n}.arrow") for n, run in enumerate(runs)]


def _merge(result: ChunkResult, total: Tally, converter: RowConverter, sink: Sink, split: str) -> None:
    """Write one chunk's tables and rejects, and add its counts to the split's."""
    assert result.tally is not None
    for table in result.tables:
        if isinstance(table, str):
            path, table = table, _read_file(table)
            os.unlink(path)  # the table stays readable: the mapping outlives the name
        sink.write(split, table)
    for reject in result.rejects:
        sink.reject(reject)
    total.rows_in += result.tally.rows_in
    total.rows_out += result.tally.rows_out
    total.dropped.update(result.tally.dropped)
    total.wrote = total.wrote or result.tally.wrote
    converter.pair_drops.update(result.pair_drops)


def _raise_error(result: ChunkResult) -> None:
    if result.error is not None:
        kind, what, where, fix = result.error
        raise kind(what, where=where, fix=fix)


def _write_file(table: pa.Table, path: str) -> str:
    with pa.OSFile(path, "wb") as sink, pa.ipc.new_stream(sink, table.schema) as stream:
        stream.write_table(table)
    return path


def _read_file(path: str) -> pa.Table:
    return pa.ipc.open_stream(pa.memory_map(path)).read_all()


def _make_scratch() -> str:
    """A new scratch folder named by this process; those of processes that died are removed first."""
    parent = _scratch_parent() or tempfile.gettempdir()
    for stale in Path(parent).glob(f"{SCRATCH_PREFIX}*"):
        pid = stale.name[len(SCRATCH_PREFIX) :].split("-")[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)
    return tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-", dir=parent)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _scratch_parent() -> str | None:
    """/dev/shm when it has room (memory, no disk writes), else the usual temporary folder."""
    try:
        stat = os.statvfs("/dev/shm")
    except OSError:
        return None
    return "/dev/shm" if stat.f_bavail * stat.f_frsize >= SCRATCH_ROOM else None


def progress_bar(src: SplitSource, progress: bool) -> Any:
    if not (progress and sys.stderr.isatty()):
        return None
    from tqdm import tqdm

    return tqdm(total=src.num_rows, desc=f"convert {src.name}", unit="row", file=sys.stderr)

"""Worker processes as a strategy: the row path on chunks of a large split, with the sequential output.

A split is converted by worker processes only when it comes from Parquet, CSV or Arrow files (a
`save_to_disk` folder included) with a stored row count of at least `MIN_ROWS`, its layout
converts each row alone (not a flat message table), it has no `chat_template_kwargs` (their
accepted types follow earlier rows), and the platform is Linux (workers are forked).

How: this process reads the split's record batches (only the columns the spec reads) and cuts
them into chunks of `CHUNK_FLUSHES * FLUSH_ROWS` rows, so every chunk starts where the
sequential loop starts a new table. Chunks travel as Arrow files in a scratch folder (in
/dev/shm when it has room; removed at the end, by the workers when this process is killed, and
by the next run when it was killed before any worker started): a worker memory-maps them, where
pickles through a pipe would copy every byte several times. A worker converts its chunk on the
row path from a snapshot of the split's state, and sends back its tables (as Arrow files beside
the chunk), the rejects, the counts and the decisions it made. The results are taken in chunk
order (`prefdata._engine.ordered`): a chunk that decided otherwise than the split (its first
shape, say) is converted again here. Workers die with this process (`prefdata._parent_death`);
on an error or an interrupt here they are terminated at once.

What a worker needs (the converter, the split, the scratch folder) reaches it through the fork,
as the pool initializer's arguments: nothing is set in this process for it.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from prefdata._engine import work
from prefdata._engine.batches import chunks_of
from prefdata._engine.ordered import in_order, reconciled
from prefdata._engine.rows import convert_chunk
from prefdata._engine.scratch import make_scratch, read_file, remove_scratch, write_file, write_pieces
from prefdata._engine.work import Chunk, Converted
from prefdata._errors import PrefdataError
from prefdata._parent_death import die_with_parent, interrupts_held
from prefdata._sources import SplitSource
from prefdata._transforms.fields import columns_read
from prefdata._transforms.pairs import RowConverter
from prefdata._transforms.split_state import SplitState

MIN_ROWS = 20_000  # below this, starting processes costs more than it saves
CHUNK_FLUSHES = 1  # tables (of FLUSH_ROWS input rows) per chunk
MAX_WORKERS = 4


def default_workers() -> int:
    """min(available CPUs, `MAX_WORKERS`): what `workers=None` means."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return min(cpus, MAX_WORKERS)


def workers_for(src: SplitSource, converter: RowConverter, workers: int) -> int:
    """How many worker processes convert `src` when `workers` are allowed (1: convert it in this process)."""
    if src.read_arrow is None or src.num_rows is None or src.num_rows < MIN_ROWS:
        return 1
    if getattr(converter.spec.preference, "structure", None) == "flat" or converter.template_kwargs:
        return 1
    if not sys.platform.startswith("linux"):  # fork is unsafe on macOS and absent on Windows
        return 1
    return workers


@dataclass(frozen=True)
class _Job:
    """What every worker needs, inherited through the fork (never pickled)."""

    converter: RowConverter
    src: SplitSource
    scratch: str


@dataclass
class _Sent:
    """A worker's result: its tables as Arrow files, or the error it stopped on, sent as parts
    (a pickled `PrefdataError` loses `where` and `fix`)."""

    result: Converted
    files: list[str] = field(default_factory=list)
    error: tuple[type[PrefdataError], str, str, str] | None = None


def convert_in_processes(
    src: SplitSource, converter: RowConverter, state: SplitState, workers: int, leftovers: Sequence[str]
) -> Iterator[Converted]:
    """The results of `src`'s chunks converted on `workers` processes, in order, as the sequential loop's.

    `leftovers`: folders the workers remove if this process dies (its unfinished output).
    """
    scratch = make_scratch()
    job = _Job(converter, src, scratch)
    # workers die with this process, whatever kills it; if it dies, they remove what it leaves
    pool = ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_start_worker,
        initargs=(job, os.getpid(), [scratch, *leftovers]),
    )
    try:
        with interrupts_held():
            pool.submit(int)  # forks every worker now, with no interrupt raised in the middle
        size = work.FLUSH_ROWS * CHUNK_FLUSHES
        chunks = (
            (chunk, _shipped(chunk, scratch)) for chunk in chunks_of(src, columns_read(converter.spec), size)
        )
        submitted = (
            (chunk, pool.submit(_run_chunk, chunk.first, paths, state.snapshot())) for chunk, paths in chunks
        )
        received = ((chunk, _received(sent)) for chunk, sent in in_order(submitted, 2 * workers))
        yield from reconciled(
            received, state, lambda chunk, now: _converted_apart(converter, now, src, chunk)
        )
    except BaseException:  # GeneratorExit too: the consumer stopped early
        _stop_workers(pool)  # an error or an interrupt: chunks under way are not waited for
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        remove_scratch(scratch)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Terminate the pool's worker processes (their chunks are discarded; the pool is then broken),
    so that the pool's shutdown returns at once.

    A worker terminated while it sends its result leaves half a message in the result pipe, and
    the pool's manager thread would wait for the rest forever (this process holds the pipe's
    write end too, so no end-of-file comes): `shutdown(wait=True)`, and the interpreter's exit,
    would hang. Once the workers are gone, this process closes its write end: the wait ends in
    an end-of-file, which the pool takes for a broken pool."""
    # `_processes` and `_result_queue` are private, but the only handles on the pool's workers
    # and their result pipe; both stable since Python 3.2
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(_JOIN_S)
        if process.is_alive():
            process.kill()
            process.join()
    writer = getattr(getattr(pool, "_result_queue", None), "_writer", None)
    if writer is not None:
        writer.close()


_JOIN_S = 5.0  # a terminated worker that has not died by then is killed


def _shipped(chunk: Chunk, scratch: str) -> list[str]:
    """The chunk's rows as Arrow files for a worker (files, not pickles: a worker memory-maps them)."""
    return write_pieces(chunk.batches, f"{scratch}/in-{chunk.first}")


def _converted_apart(converter: RowConverter, state: SplitState, src: SplitSource, chunk: Chunk) -> Converted:
    """A chunk on the row path from its own state; the decisions it made travel with the result."""
    result = convert_chunk(converter, state, src, chunk)
    result.decided = state
    return result


def _received(sent: _Sent) -> Converted:
    """A worker's result with its tables read back, or its error raised here as the sequential loop
    raises it. (A row's error does not depend on the split's state, so raising it before the
    state is checked names the row the sequential loop names.)"""
    if sent.error is not None:
        kind, what, where, fix = sent.error
        raise kind(what, where=where, fix=fix)
    for path in sent.files:
        sent.result.tables.append(read_file(path))
        os.unlink(path)  # the table stays readable: the mapping outlives the name
    return sent.result


# Set in a worker process only, by `_start_worker` from the pool's initializer arguments.
_worker_job: _Job | None = None


def _start_worker(job: _Job, parent: int, leftovers: list[str]) -> None:
    """First thing in a forked worker: die with `parent`, and keep the job handed over by the fork."""
    global _worker_job
    die_with_parent(parent, leftovers)
    _worker_job = job


def _run_chunk(first: int, paths: list[str], state: SplitState) -> _Sent:
    """In a worker: the chunk in `paths` (input rows from `first` on) converted from `state`."""
    job = _worker_job
    assert job is not None, "run by the pool, whose initializer sets the job"
    batches = [batch for path in paths for batch in read_file(path).to_batches()]
    for path in paths:
        os.unlink(path)  # mapped, the data stays readable; a killed run leaves less behind
    try:
        result = _converted_apart(job.converter, state, job.src, Chunk(first, batches))
    except PrefdataError as exc:
        return _Sent(Converted(), error=(type(exc), exc.what, exc.where, exc.fix))
    files = [
        write_file(table, f"{job.scratch}/out-{first}-{n}.arrow") for n, table in enumerate(result.tables)
    ]
    result.tables = []
    return _Sent(result, files)

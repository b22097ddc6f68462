"""The batch lane's executor: a split's chunks converted by `BatchPlan`, on worker threads.

The split is cut into chunks of `FLUSH_ROWS` input rows, where the row path starts its
tables, so the output holds the same tables. Batch steps run in Arrow and numpy, which
release the GIL, so chunks are converted on `workers` threads, read ahead by a reader thread,
and given back in order. The first chunks are converted before the threads start, until one
gives an output row: that row sets the split's shape, which every later row is checked
against. Each chunk on a thread starts from a snapshot of the split's state; one that decided
otherwise than the split is converted again, in order (`prefdata._engine.ordered.reconciled`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Generator, Iterator
from concurrent.futures import ThreadPoolExecutor

from prefdata._engine import work
from prefdata._engine.lane import BatchPlan
from prefdata._engine.ordered import in_order, prefetched, reconciled
from prefdata._engine.work import Chunk, Converted
from prefdata._sources import SplitSource
from prefdata._sources.source import aligned_batches
from prefdata._transforms.fields import columns_read
from prefdata._transforms.split_state import SplitState


def chunks_of(src: SplitSource, columns: list[str] | None, size: int) -> Iterator[Chunk]:
    """The split's record batches (only `columns`) as chunks of `size` rows, in order."""
    assert src.read_arrow is not None, "only splits of columnar files are read by chunks"
    for first, pieces in aligned_batches(src.read_arrow(size, columns), size):
        yield Chunk(first, pieces)


def convert_batched(
    src: SplitSource, plan: BatchPlan, state: SplitState, workers: int
) -> Iterator[Converted]:
    """The results of `src`'s chunks, in order: tables, rejects and counts as the row path gives them."""
    flush_rows = work.FLUSH_ROWS
    chunks = chunks_of(src, columns_read(plan.converter.spec), flush_rows)
    for chunk in chunks:  # all of them with one worker; else until the split's shape is known
        yield plan.convert_chunk(chunk, state, src)
        if workers > 1 and state.shape is not None:
            break
    if workers > 1:
        with contextlib.closing(
            _on_threads(plan, src, chunks, state, workers)
        ) as outputs:  # threads end here
            yield from reconciled(outputs, state, lambda chunk, now: _apart(plan, src, chunk, now))


def _on_threads(
    plan: BatchPlan, src: SplitSource, chunks: Iterator[Chunk], state: SplitState, workers: int
) -> Generator[tuple[Chunk, Converted], None, None]:
    """(chunk, result) of the remaining chunks, in order: read ahead by a reader thread, converted on
    `workers` threads from a snapshot of `state` taken as each is submitted, at most `workers + 1`
    in flight."""
    with (
        ThreadPoolExecutor(workers, thread_name_prefix="prefdata-batch") as pool,
        prefetched(chunks, workers) as read,
    ):
        submitted = ((chunk, pool.submit(_apart, plan, src, chunk, state.snapshot())) for chunk in read)
        yield from in_order(submitted, workers + 1)


def _apart(plan: BatchPlan, src: SplitSource, chunk: Chunk, state: SplitState) -> Converted:
    """A chunk converted apart from the split, from its own state: the decisions it made travel with it."""
    result = plan.convert_chunk(chunk, state, src)
    result.decided = state
    return result

"""Converting a split by whole record batches (`prefdata.transforms.batch`), on worker threads.

A split read from Parquet, CSV or Arrow files whose spec the batch lane covers (see
`prefdata.transforms.batch.lane`) is converted here instead of row by row. The environment
variable `PREFDATA_BATCH=0` turns the lane off (every row then takes the row path).

The split is cut into chunks of `FLUSH_ROWS` input rows, where the row path starts its
tables, so the output holds the same tables. Batch steps run in Arrow and numpy, which
release the GIL, so chunks are converted on `PREFDATA_WORKERS` threads (see
`prefdata.parallel.configured_workers`) and written here in order. The first chunks are
converted before the threads start, until one gives an output row: that row sets the
split's shape, which every later row is checked against.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
from collections.abc import Generator, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

import pyarrow as pa

from prefdata.parallel import in_order, progress_bar
from prefdata.sources.source import aligned_batches
from prefdata.transforms.batch.lane import BatchOutput, BatchPlan, join_outputs
from prefdata.transforms.fields import columns_read

if TYPE_CHECKING:
    from prefdata.convert import Tally
    from prefdata.sinks import Sink
    from prefdata.sources import SplitSource
    from prefdata.transforms.pairs import RowConverter

Chunk = tuple[int, list[pa.RecordBatch]]  # (first input row, its record batches)
T = TypeVar("T")


def plan_for(src: SplitSource, converter: RowConverter) -> BatchPlan | None:
    """The batch plan for `src`, or None when it converts row by row."""
    if src.read_arrow is None or os.environ.get("PREFDATA_BATCH", "").strip() == "0":
        return None
    return BatchPlan.for_converter(converter)


def convert_batched(src: SplitSource, plan: BatchPlan, sink: Sink, progress: bool, workers: int) -> Tally:
    """Convert `src` chunk by chunk with `plan`; tables, rejects and counts as the row path gives them."""
    from prefdata.convert import FLUSH_ROWS, Tally

    assert src.read_arrow is not None
    total, bar = Tally(), progress_bar(src, progress)
    chunks = aligned_batches(src.read_arrow(FLUSH_ROWS, columns_read(plan.converter.spec)), FLUSH_ROWS)
    try:
        for chunk in chunks:  # all of them with one worker; else until the split's shape is known
            _write(_convert_chunk(plan, src, chunk), total, sink, src.name, bar)
            if workers > 1 and plan.converter.shape is not None:
                break
        if workers > 1:
            with contextlib.closing(_on_threads(plan, src, chunks, workers)) as outputs:  # threads end here
                for output in outputs:
                    _write(output, total, sink, src.name, bar)
    finally:
        if bar is not None:
            bar.close()
    return total


def _on_threads(
    plan: BatchPlan, src: SplitSource, chunks: Iterator[Chunk], workers: int
) -> Generator[BatchOutput, None, None]:
    """The outputs of the remaining chunks, in order: read ahead by a reader thread, converted on
    `workers` threads, at most `workers + 1` in flight."""
    with (
        ThreadPoolExecutor(workers, thread_name_prefix="prefdata-batch") as pool,
        prefetched(chunks, workers) as read,
    ):
        submitted = ((chunk, pool.submit(_convert_chunk, plan, src, chunk)) for chunk in read)
        for _, output in in_order(submitted, workers + 1):
            yield output


@contextlib.contextmanager
def prefetched(items: Iterator[T], depth: int) -> Iterator[Iterator[T]]:
    """`items`, produced ahead by a reader thread (at most `depth` waiting), so reading the source
    overlaps converting and writing; an error while reading is raised where the item was due."""
    ready: queue.Queue[tuple[str, Any]] = queue.Queue(depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if not _offer(ready, ("item", item), stop):
                    return
            _offer(ready, ("end", None), stop)
        except BaseException as exc:  # handed to the consumer, which raises it
            _offer(ready, ("error", exc), stop)

    def consume() -> Iterator[T]:
        while True:
            kind, value = ready.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value

    reader = threading.Thread(target=produce, name="prefdata-read", daemon=True)
    reader.start()
    try:
        yield consume()
    finally:
        stop.set()
        reader.join()


def _offer(ready: queue.Queue[tuple[str, Any]], entry: tuple[str, Any], stop: threading.Event) -> bool:
    """Put `entry`, waiting for room unless the consumer has stopped; False when it has."""
    while not stop.is_set():
        try:
            ready.put(entry, timeout=0.05)
            return True
        except queue.Full:
            continue
    return False


def _convert_chunk(plan: BatchPlan, src: SplitSource, chunk: Chunk) -> BatchOutput:
    """One chunk's output; pieces (several when the chunk spans files or row groups) are joined."""
    first, pieces = chunk
    outputs = []
    for piece in pieces:
        outputs.append(plan.convert(piece, first, src))
        first += piece.num_rows
    return join_outputs(outputs)


def _write(output: BatchOutput, total: Tally, sink: Sink, split: str, bar: object) -> None:
    if output.table is not None and output.table.num_rows:
        sink.write(split, output.table)
        total.wrote = True
    if output.rejects:
        sink.reject_many(output.rejects)
    total.rows_in += output.rows_in
    total.rows_out += output.rows_out
    total.dropped.update(output.dropped)
    if bar is not None:
        bar.update(output.rows_in)  # type: ignore[attr-defined]

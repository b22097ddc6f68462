"""Running chunks out of order and writing their results in order, with the progress bar.

Every strategy ends here: its results, in chunk order, are written to the sink by
`write_in_order` (tables, then rejects, counts summed), so the files do not depend on which
strategy, how many threads or processes, or in which order chunks finished.
"""

from __future__ import annotations

import contextlib
import queue
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from typing import Any, TypeVar

from prefdata._engine.work import Chunk, Converted
from prefdata._sinks import Sink
from prefdata._sources import SplitSource
from prefdata._transforms.split_state import SplitState

T = TypeVar("T")
R = TypeVar("R")


def write_in_order(results: Iterator[Converted], sink: Sink, src: SplitSource, progress: bool) -> Converted:
    """Write each result's tables and rejects to `sink` as they come; the split's counts.

    A split that gave no table is still written (empty), so that every split of the source has one.
    `results` is closed on the way out, whatever happened: a strategy's threads or processes end
    here, at once on an error or an interrupt, not whenever the generator is collected.
    """
    total, wrote = Converted(), False
    bar = progress_bar(src, progress)
    try:
        for result in results:
            for table in result.tables:
                sink.write(src.name, table)
                wrote = True
            if result.rejects:
                sink.reject_many(result.rejects)
            total += result.counts()
            if bar is not None:
                bar.update(result.rows_in)
    finally:
        close = getattr(results, "close", None)
        if close is not None:
            close()
        if bar is not None:
            bar.close()
    if not wrote:
        sink.write(src.name, None)
    return total


def reconciled(
    results: Iterable[tuple[Chunk, Converted]],
    state: SplitState,
    again: Callable[[Chunk, SplitState], Converted],
) -> Iterator[Converted]:
    """Results of chunks converted apart (each from a snapshot of the split's state), in order, made
    what one sequential pass gives: a chunk whose decisions contradict the split's, as earlier
    chunks left it, is converted `again` here from that state (only mixed splits pay for it)."""
    for chunk, result in results:
        if result.decided is not None and not state.agrees(result.decided):
            result = again(chunk, state.snapshot())
        if result.decided is not None:
            state.adopt(result.decided)
        yield result


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


def progress_bar(src: SplitSource, progress: bool) -> Any:
    """A progress bar over the split's rows on a terminal, when asked; else None."""
    if not (progress and sys.stderr.isatty()):
        return None
    from tqdm import tqdm

    return tqdm(total=src.num_rows, desc=f"convert {src.name}", unit="row", file=sys.stderr)

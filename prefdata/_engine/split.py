"""Which strategy converts a split, and the split's counts.

| the split                                              | strategy                          |
| ------------------------------------------------------ | --------------------------------- |
| columnar files, a layout the batch lane covers, `batch` | batch lane, on `workers` threads |
| columnar files of at least `MIN_ROWS` rows, any other layout converted row by row | row path on `workers` processes |
| anything else (JSON Lines, in-memory data, small files) | row path, in this process        |

Each gives the same tables, rejects and counts, written in order by `ordered.write_in_order`.
"""

from __future__ import annotations

from prefdata._engine import processes
from prefdata._engine.batches import convert_batched
from prefdata._engine.lane import BatchPlan
from prefdata._engine.ordered import write_in_order
from prefdata._engine.rows import convert_units, split_units
from prefdata._engine.work import Converted
from prefdata._errors import PrefdataError
from prefdata._sinks import Sink
from prefdata._sources import SplitSource
from prefdata._transforms.pairs import RowConverter
from prefdata._transforms.split_state import SplitState


def resolve_workers(workers: int | None) -> int:
    """The number of threads or processes `workers` asks for: None, min(CPUs, 4); 0 or 1, one."""
    if workers is None:
        return processes.default_workers()
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 0:
        raise PrefdataError(
            f"workers={workers!r} is not a whole number of at least 0",
            fix="pass 0 or 1 (convert in one process or thread), a number of workers, or None (up to 4)",
        )
    return max(workers, 1)


def plan_for(src: SplitSource, converter: RowConverter, batch: bool = True) -> BatchPlan | None:
    """The batch lane's plan for `src`, or None when it converts row by row (`batch` off, rows that
    are not read as Arrow record batches, or a layout the lane does not cover)."""
    if not batch or src.read_arrow is None:
        return None
    return BatchPlan.for_converter(converter)


def convert_split(
    src: SplitSource, converter: RowConverter, sink: Sink, *, workers: int, batch: bool, progress: bool
) -> Converted:
    """Convert one split into `sink`, counting every input row as used or rejected (with its reason).

    Returns the split's counts (`rows_in`, `rows_out`, `dropped`, `pair_drops`; no tables).
    Rows stream through, except for a flat message table (`message_tree`, `structure: flat`):
    its trees span rows, so that layout alone holds the whole split in memory.
    """
    state = SplitState()  # this split's decisions: a new split starts with none
    plan = plan_for(src, converter, batch)
    if plan is not None:
        results = convert_batched(src, plan, state, workers)
    elif (count := processes.workers_for(src, converter, workers)) > 1:
        results = processes.convert_in_processes(src, converter, state, count, sink.transient_paths())
    else:
        results = convert_units(split_units(src, converter), converter, state, src)
    return write_in_order(results, sink, src, progress)

"""Splitting scoring work over the processes of an `accelerate launch` (or torchrun) run.

Each process scores one contiguous shard of the items and every process receives all results,
in input order, so a run on several processes gives the single-process output:

| items            | 0 1 2 3 4 5 6 | (n = 7, world = 3)        |
| ---------------- | ------------- | ------------------------- |
| rank 0 scores    | 0 1 2         | `shard_bounds(7, 0, 3)`   |
| rank 1 scores    | 3 4           | `shard_bounds(7, 1, 3)`   |
| rank 2 scores    | 5 6           | `shard_bounds(7, 2, 3)`   |
| every rank holds | 0 1 2 3 4 5 6 | after `score_sharded`     |

A failure on any process is raised on every process (the same exception), so no process is
left waiting in a collective for one that has given up. A plain `python` / `prefdata-train`
process is a world of one: nothing is split and `torch.distributed` is never initialised.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def shard_bounds(n: int, rank: int, world: int) -> tuple[int, int]:
    """`(start, stop)` of process `rank`'s contiguous share of `n` items among `world` processes.

    The shards cover 0..n in rank order without overlap; their sizes differ by at most one, the
    first `n % world` ranks taking one item more.
    """
    if world < 1 or not 0 <= rank < world or n < 0:
        raise ValueError(f"no shard {rank} of {n} items over {world} processes")
    size, extra = divmod(n, world)
    start = rank * size + min(rank, extra)
    return start, start + size + (rank < extra)


def process_state() -> Any:
    """Accelerate's `PartialState` for this process (rank, world size, device, main process).

    On a machine without CUDA, or when `accelerate launch --cpu` asked for it, the processes
    join a CPU (gloo) group: accelerate's `PartialState()` alone would treat each CPU process
    of a torchrun launch as an unrelated single process, and every one would score everything.
    """
    import torch
    from accelerate import PartialState
    from accelerate.utils import parse_flag_from_env

    cpu = parse_flag_from_env("ACCELERATE_USE_CPU") or not torch.cuda.is_available()
    return PartialState(cpu=cpu)


def place_model(model: Any) -> Any:
    """`model` on this process's device: its own GPU under a multi-GPU launch, the GPU when there is
    one, else where it is (the CPU)."""
    device = process_state().device
    return model if device.type == "cpu" else model.to(device)


def is_main_process() -> bool:
    """Whether this process is the one that writes outputs and prints (always, outside a launch)."""
    return bool(process_state().is_main_process)


def _transportable(exc: Exception) -> Exception:
    """`exc` itself if it survives pickling (to reach the other processes), else its text."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


def _run(fn: Callable[[], R]) -> tuple[bool, Any]:
    try:
        return True, fn()
    except Exception as exc:
        return False, exc


def _raise_first_failure(outcomes: Sequence[tuple[bool, Any]], own: tuple[bool, Any], rank: int) -> None:
    """Raise the failure of the lowest failing rank: its own exception (and traceback) on that rank,
    the copy it sent everywhere else."""
    for failing_rank, (ok, payload) in enumerate(outcomes):
        if not ok:
            raise own[1] if failing_rank == rank else payload


def score_sharded(items: Sequence[T], fn: Callable[[Sequence[T]], Sequence[R]]) -> list[R]:
    """`fn` over this process's contiguous shard of `items`, gathered in input order on every process.

    `fn` maps a slice of `items` to one result per item (e.g. rows to rewards). In a single
    process it is simply `fn(items)`. An exception from `fn` on any process is raised on all.
    """
    state = process_state()
    if state.num_processes == 1:
        return list(fn(items))
    from accelerate.utils import gather_object

    start, stop = shard_bounds(len(items), state.process_index, state.num_processes)
    shard = items[start:stop]

    def run_shard() -> list[R]:
        results = list(fn(shard)) if len(shard) else []
        if len(results) != len(shard):
            raise RuntimeError(f"scoring returned {len(results)} results for {len(shard)} items")
        return results

    own = _run(run_shard)
    sent = own if own[0] else (False, _transportable(own[1]))
    outcomes = gather_object([sent])  # one (ok, payload) per rank, in rank order
    _raise_first_failure(outcomes, own, state.process_index)
    return [result for _, shard_results in outcomes for result in shard_results]


def on_main_process(fn: Callable[[], R]) -> R:
    """Run `fn` (e.g. writing the output) on the main process only; the others wait for it.

    Every process returns `fn`'s result, or raises its exception, once the main process is done.
    """
    state = process_state()
    if state.num_processes == 1:
        return fn()
    from accelerate.utils import broadcast_object_list

    own: tuple[bool, Any] = _run(fn) if state.is_main_process else (True, None)
    sent = own if own[0] else (False, _transportable(own[1]))
    [outcome] = broadcast_object_list([sent], from_process=0)
    _raise_first_failure([outcome], own, state.process_index)  # the outcome is rank 0's
    return outcome[1]

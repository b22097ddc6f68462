"""Forked worker processes that die with the process that forked them, whatever killed it.

A worker blocked on its task pipe never sees the parent go: the pipe's other end is still open
in the worker itself (and its siblings), so it would wait forever, re-parented to PID 1, holding
the caller's stdout/stderr open and keeping scratch files alive. `die_with_parent`, run first
in each worker, prevents that:

| parent ends by                 | the worker                                                    |
| ------------------------------ | ------------------------------------------------------------- |
| any signal, SIGKILL included   | gets `PARENT_GONE` (Linux `PR_SET_PDEATHSIG`), removes the leftovers, exits |
| dying before the worker is set | sees it at once (parent pid changed), same clean-up            |
| (no prctl, or a long C call)   | a watchdog thread sees the new parent within `POLL_S`, same clean-up |
| SIGTERM to the worker          | dies without touching the leftovers: the live parent owns them |

The kernel signal is not SIGTERM because it comes when the forking *thread* dies, while the
parent's other threads may still be exiting (its pid still reads as the parent's): a signal of
its own is what tells "parent gone" from "the parent stops me". SIGINT is ignored in workers:
Ctrl-C reaches the whole process group, and the parent, which gets it too, stops the workers
itself (its KeyboardInterrupt unwinds through the clean-up).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from types import FrameType

POLL_S = 0.5
PARENT_GONE = signal.SIGUSR1
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_parent(parent: int, leftovers: Sequence[str]) -> None:
    """In a forked worker: exit when `parent` dies, removing `leftovers` (folders) first."""

    def on_parent_gone(_signum: int, _frame: FrameType | None) -> None:
        _exit_worker(leftovers)

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the handler the parent may have set
    signal.signal(PARENT_GONE, on_parent_gone)
    _ask_kernel(PARENT_GONE)
    if os.getppid() != parent:  # it died between the fork and the line above: no signal will come
        _exit_worker(leftovers)
    threading.Thread(
        target=_watch, args=(parent, leftovers), name="prefdata-parent-watch", daemon=True
    ).start()


def _ask_kernel(signum: int) -> bool:
    """Have the kernel send `signum` when the parent dies (Linux only); False where unavailable."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(_PR_SET_PDEATHSIG, int(signum), 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _watch(parent: int, leftovers: Sequence[str]) -> None:
    while os.getppid() == parent:
        time.sleep(POLL_S)
    _exit_worker(leftovers)


def _exit_worker(leftovers: Sequence[str]) -> None:
    """Remove what the dead parent left, then exit at once: no Python clean-up may run (it could
    block on the dead parent's pipes)."""
    for path in leftovers:
        shutil.rmtree(path, ignore_errors=True)
    os._exit(128 + PARENT_GONE)


@contextlib.contextmanager
def interrupts_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM while worker processes are forked; deliver them after, to whatever
    handler the program has (in the main thread; elsewhere this does nothing).

    An exception a handler raises during a fork is lost in an at-fork callback (Python reports it
    as unraisable and goes on), or leaves the process pool half-started, so that shutting it
    down fails."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = {signum: signal.signal(signum, lambda got, _: caught.append(got)) for signum in _HELD}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)
        for pending in dict.fromkeys(caught):
            signal.raise_signal(pending)


_HELD = (signal.SIGINT, signal.SIGTERM)

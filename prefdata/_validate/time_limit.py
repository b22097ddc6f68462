"""A wall-clock limit on code that cannot be trusted to finish (a chat template is a program).

A chat template runs in transformers' sandboxed Jinja, which stops unsafe calls but not loops:
`{% for i in range(99999) %}{% for j in range(99999) %}...` runs for hours. Rendering is plain
Python, so a timer signal can interrupt it. Signals reach the main thread only: elsewhere (a
library caller's worker thread) the code runs without a limit.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType


class TimeLimitExceeded(Exception):
    """The limited code ran past its time."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise `TimeLimitExceeded` inside the block once `seconds` have passed (main thread only)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        raise TimeLimitExceeded(f"still running after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, _stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)

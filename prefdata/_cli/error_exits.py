"""Turning library errors, warnings and termination signals into messages and exit codes, in one place."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from types import FrameType
from typing import Any

import click

from prefdata._errors import PrefdataError, PrefdataWarning

EXIT_USAGE = 2
EXIT_TERMINATED = 128 + signal.SIGTERM  # what a shell reports for a process SIGTERM killed


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is, so that it unwinds through the same clean-up as Ctrl-C
    (staging folders removed, worker processes stopped); a BaseException, so no `except Exception`
    swallows it."""


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Print a `PrefdataError` (or an OS error on a path) as `error: ...` and exit with status 2;
    print each `PrefdataWarning` raised meanwhile as `warning: ...`.

    An OS error is a user's when it names a path (`filename`): a name too long for the file system,
    a link loop, a read-only file system are the path's problem, not a bug, whatever their errno."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PrefdataWarning)
        try:
            yield
        except PrefdataError as exc:
            click.echo(f"error: {exc.message}", err=True)
            raise SystemExit(EXIT_USAGE) from None
        except OSError as exc:
            if not is_path_error(exc):
                raise
            click.echo(f"error: {exc}", err=True)
            raise SystemExit(EXIT_USAGE) from None
        finally:
            _show(caught)


def is_path_error(exc: BaseException) -> bool:
    """An OS error about a path the user gave (or one derived from it), not about the program."""
    return isinstance(exc, _PATH_ERRORS) or (isinstance(exc, OSError) and exc.filename is not None)


_PATH_ERRORS = (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError)


def _show(caught: list[warnings.WarningMessage]) -> None:
    for warning in caught:
        if issubclass(warning.category, PrefdataWarning):
            click.echo(f"warning: {warning.message}", err=True)
        else:  # someone else's warning: shown as Python would have shown it
            warnings.showwarning(warning.message, warning.category, warning.filename, warning.lineno)


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Handle SIGTERM like Ctrl-C: the work unwinds (nothing half-written stays), then one line on
    stderr and exit status 143. Used around every command (`prefdata._cli.main`)."""
    if threading.current_thread() is not threading.main_thread():  # only the main thread gets signals
        yield
        return
    handler = _StopSignals()
    previous = signal.signal(signal.SIGTERM, handler.on_sigterm)
    previous_hook, sys.unraisablehook = sys.unraisablehook, handler.on_unraisable
    try:
        yield
    except Terminated:
        click.echo("error: stopped by SIGTERM; unfinished output discarded", err=True)
        raise SystemExit(EXIT_TERMINATED) from None
    finally:
        signal.signal(signal.SIGTERM, previous)
        sys.unraisablehook = previous_hook


class _StopSignals:
    """Raises `Terminated` on the first SIGTERM. An interrupt (`Terminated` or Ctrl-C's
    KeyboardInterrupt) raised where exceptions cannot propagate (an at-fork callback such as
    logging's, a `__del__`) is reported by Python as unraisable and lost, and the work would go
    on: its signal is sent again, to be raised where it can propagate."""

    def __init__(self) -> None:
        self.raised = False
        self.next_hook = sys.unraisablehook

    def on_sigterm(self, _signum: int, _frame: FrameType | None) -> None:
        if self.raised:  # a second SIGTERM must not interrupt the clean-up the first one started
            return
        self.raised = True
        raise Terminated()

    def on_unraisable(self, unraisable: Any) -> None:
        if not isinstance(unraisable.exc_value, KeyboardInterrupt):
            self.next_hook(unraisable)
            return
        if isinstance(unraisable.exc_value, Terminated):
            self.raised = False
        signum = signal.SIGTERM if isinstance(unraisable.exc_value, Terminated) else signal.SIGINT
        # from another thread, a moment later: sent from here, it would be handled (and lost)
        # inside this hook; sent to the main thread, it interrupts what that thread waits on
        main = threading.main_thread().ident
        threading.Thread(target=_resend, args=(main, signum), name="prefdata-resend", daemon=True).start()


def _resend(thread: int | None, signum: int) -> None:
    time.sleep(_RESEND_DELAY_S)
    if thread is not None:
        signal.pthread_kill(thread, signum)


_RESEND_DELAY_S = 0.01

"""Standard output that fails as a message and an exit status, never as a traceback.

A command's output may go to a pipe whose reader stopped (`prefdata detect x | head -1`), to a
full disk (`prefdata validate x --json > /dev/full`) or to a closed descriptor (`>&-`):

| standard output         | what the command does                                                  |
| ----------------------- | ---------------------------------------------------------------------- |
| reader gone (EPIPE)     | stops quietly with status 141, as a tool killed by SIGPIPE would       |
| write fails (ENOSPC...) | `error: cannot write to standard output: ...` on stderr, status 2      |
| closed before the start | the same error at the first write; descriptor 1 is never written, since |
|                         | a file the command opens may have been given that number               |

Click turns a broken pipe into status 1 (for `validate`, "problems found") and lets other write
errors end in a traceback; the stream installed here raises `StdoutFailed` instead, which no
handler on the way (click's, `user_errors`) takes for something else.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import signal
import sys
from collections.abc import Iterator

import click

EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE  # what a shell reports for a writer SIGPIPE killed
EXIT_NOT_WRITTEN = 2
_STDOUT_FD = 1


class StdoutFailed(Exception):  # noqa: N818 (a condition, like KeyboardInterrupt, not a bug)
    """Writing to standard output failed; not an OSError, so that click does not handle it."""

    def __init__(self, error: OSError) -> None:
        super().__init__(str(error))
        self.error = error
        self.written: str | None = None  # what the command finished before (an output folder)


class _CheckedFd(io.RawIOBase):
    """Descriptor 1 as a raw stream whose write errors are `StdoutFailed`."""

    def __init__(self, closed_at_start: bool) -> None:
        super().__init__()
        self.closed_at_start = closed_at_start
        self.discarding = False  # after a failure, or once the command is over

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return _STDOUT_FD

    def isatty(self) -> bool:
        return not self.closed_at_start and os.isatty(_STDOUT_FD)

    def write(self, data: object) -> int:
        if self.discarding:
            return len(memoryview(data))  # type: ignore[arg-type]
        if self.closed_at_start:
            raise StdoutFailed(OSError(errno.EBADF, "standard output is closed"))
        try:
            return os.write(_STDOUT_FD, memoryview(data))  # type: ignore[arg-type]
        except OSError as exc:
            raise StdoutFailed(exc) from None


@contextlib.contextmanager
def checked_stdout() -> Iterator[None]:
    """Run a command with `sys.stdout` on `_CheckedFd`; turn its failure into a message and an exit.

    Only the process's own standard output is replaced (a test runner's capture is left alone)."""
    original = sys.stdout
    if original is not None and original is not sys.__stdout__:
        yield
        return
    if original is not None:
        with contextlib.suppress(OSError, ValueError):
            original.flush()
    raw = _CheckedFd(closed_at_start=original is None or not _fd_open(_STDOUT_FD))
    stream = io.TextIOWrapper(
        io.BufferedWriter(raw),
        encoding=getattr(original, "encoding", None) or "utf-8",
        errors=getattr(original, "errors", None) or "strict",
        line_buffering=raw.isatty(),
    )
    sys.stdout = stream
    try:
        try:
            yield
        except SystemExit:  # how click ends every command: what is still buffered fails here
            stream.flush()
            raise
    except StdoutFailed as failed:
        raw.discarding = True  # the unwritten rest must not fail again when the stream is collected
        raise SystemExit(_report(failed)) from None
    finally:
        with contextlib.suppress(StdoutFailed):
            stream.flush()
        raw.discarding = True
        sys.stdout = original


def _fd_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def _report(failed: StdoutFailed) -> int:
    """Say what failed (nothing when the reader of a pipe left) and return the exit status."""
    if failed.error.errno == errno.EPIPE:
        return EXIT_BROKEN_PIPE
    reason = failed.error.strerror or str(failed.error)
    done = f"; {failed.written} was written in full" if failed.written else ""
    click.echo(f"error: cannot write to standard output: {reason}{done}", err=True)
    click.echo("fix: send the output to a file or pipe that can take it, or drop `>&-`", err=True)
    return EXIT_NOT_WRITTEN


def echo_result(text: str, written: str | None = None) -> None:
    """Print a command's result; `written` names what is already complete (an output folder) when
    standard output fails, so the message says the data itself is there."""
    try:
        click.echo(text)
    except StdoutFailed as failed:
        failed.written = written
        raise

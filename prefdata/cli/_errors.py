"""Turning library errors into messages and exit codes, in one place."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import click

from prefdata.errors import PrefdataError

EXIT_USAGE = 2


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Print a `PrefdataError` (or an OS error on a path) as `error: ...` and exit with status 2."""
    try:
        yield
    except PrefdataError as exc:
        click.echo(f"error: {exc.message}", err=True)
        raise SystemExit(EXIT_USAGE) from None
    except (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError) as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(EXIT_USAGE) from None

"""Path arguments as a shell user means them, checked before any work starts.

| spelling          | read as                                                                      |
| ----------------- | ---------------------------------------------------------------------------- |
| `~/out` (quoted)  | the home folder's `out`, for outputs as for inputs (the source reader expands |
|                   | `~`; an output left unexpanded became a folder named `~` in the working one)  |
| `link/../out`     | `out` beside the link's target, as `ls`, `validate` and `load_from_disk` read |
|                   | it (the writer's `os.path.abspath` would drop `link/..` as text)              |
| `-` (a source)    | standard input, unless a file is named `-` (not a mix recipe: its folder      |
|                   | anchors the relative paths in it)                                            |

An output path the system cannot reach (a link loop, a name too long) is a usage error naming the
path, instead of a traceback from deep inside the writer.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import click

STDIN = "/dev/stdin"


def source_path(_ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
    """Click callback for a source (str or Path, or a tuple of them): `~` expanded, `-` is stdin."""
    if isinstance(value, tuple):
        return tuple(_source(item) for item in value)
    return None if value is None else _source(value)


def home_path(_ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
    """Click callback for a file read by name only (a recipe, whose folder anchors relative paths):
    `~` expanded, `-` left alone."""
    if value is None or not str(value).startswith("~"):
        return value
    return type(value)(os.path.expanduser(str(value)))


def output_path(_ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """Click callback for a path written to: `~` expanded, `..` after a link as the kernel reads it,
    refused when it cannot be reached."""
    if value is None:
        return None
    path = physical(os.path.expanduser(str(value)))
    _check_reachable(path, param)
    return type(value)(path)


def physical(path: str) -> str:
    """`path` with its parent folder resolved when a `..` in it may follow a link; else unchanged.

    The last component is kept as given, so a link there is still seen (and refused) as a link."""
    if ".." not in Path(path).parts:
        return path
    if Path(path).name == "..":
        return os.path.realpath(path)
    return os.path.join(os.path.realpath(Path(path).parent), Path(path).name)


def _source(value: Any) -> Any:
    text = str(value)
    if text == "-" and not os.path.lexists(text):
        return type(value)(STDIN)
    if text.startswith("~"):
        return type(value)(os.path.expanduser(text))
    return value


def _check_reachable(path: str, param: click.Parameter) -> None:
    try:
        os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return  # not there yet: the writer creates it, or names what is in the way
    except OSError as exc:
        why = {
            errno.ELOOP: "a link in it leads back to itself",
            errno.ENAMETOOLONG: "a name in it is too long",
        }
        raise click.BadParameter(
            f"{path}: {why.get(exc.errno or 0, exc.strerror)} ({exc.strerror}); give another path",
            param=param,
        ) from None

"""Where the canonical output goes: the target folder checks, hidden staging folders and their
cleanup after a crash, and OS errors turned into messages that say what to do.

Staging lives beside the output (`.<name>.prefdata-staging-<pid>`), on the same filesystem, so
publishing it is one atomic rename; a staging folder whose process is gone is removed by the
next run. `--overwrite` replaces only a folder holding a real prefdata manifest, and never one
that holds (or lies inside) an input of the same run. An old output that cannot be removed
after the new one is in place is named in a `PrefdataWarning`, and removed by a later run.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import stat
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from prefdata._canonical_folder import MANIFEST_FILE
from prefdata._errors import OutputError, PrefdataWarning
from prefdata._pids import pid_alive

_STAGING = re.compile(r"^\.(?P<name>.+)\.prefdata-(?:staging|old)-(?P<pid>\d+)$")


def remove_stale_staging(out_dir: Path) -> list[Path]:
    """Remove staging (and moved-aside) folders of `out_dir` left by processes that are gone.

    A folder that cannot be removed (files of another user, a busy network file) is named in a
    `PrefdataWarning`; the next run tries again."""
    removed: list[Path] = []
    if not out_dir.parent.is_dir():
        return removed
    for entry in out_dir.parent.iterdir():
        match = _STAGING.match(entry.name)
        if match and match["name"] == out_dir.name and not pid_alive(int(match["pid"])):
            if "-old-" in entry.name and not out_dir.exists():
                continue  # the only copy of a previous output: never delete it
            if remove_tree(entry):
                removed.append(entry)
            else:
                warn_left(entry, "a folder left by an earlier run")
    return removed


def remove_tree(path: Path) -> bool:
    """Remove the folder `path`, also where a folder inside it is read-only; True when it is gone."""

    def retry_writable(func: Callable[..., Any], name: str, _exc: Any) -> None:
        parent = os.path.dirname(name)
        try:  # rmtree never follows links: `parent` is a real folder inside `path`
            os.chmod(parent, stat.S_IMODE(os.lstat(parent).st_mode) | stat.S_IRWXU)
            func(name)
        except OSError:
            pass  # reported by the caller, which sees the folder still there

    if sys.version_info >= (3, 12):
        shutil.rmtree(path, onexc=retry_writable)
    else:
        shutil.rmtree(path, onerror=retry_writable)
    return not os.path.lexists(path)


def warn_left(path: Path, what: str) -> None:
    """Say that `path` could not be removed (a `PrefdataWarning`; the CLI prints it)."""
    warnings.warn(
        f"could not fully remove {what}: {path}; a later run tries again, or delete it yourself",
        PrefdataWarning,
        stacklevel=3,
    )


def check_target(out_dir: Path, overwrite: bool, inputs: Sequence[Path] = ()) -> None:
    """Refuse a symlink, a file, an existing folder without `overwrite`, one prefdata did not write,
    or one that holds, is, or lies inside one of `inputs` (the run's input files and folders)."""
    if out_dir.is_symlink():
        raise OutputError("output path is a symlink", where=str(out_dir), fix="pass the real folder path")
    check_inputs_outside(out_dir, inputs)  # a new output inside an input folder is refused too
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise OutputError(
            "output path exists and is not a folder", where=str(out_dir), fix="choose another path"
        )
    if not overwrite:
        raise OutputError(
            "output folder already exists", where=str(out_dir), fix="pass --overwrite to replace it"
        )
    if not _written_by_prefdata(out_dir / MANIFEST_FILE):
        raise OutputError(
            f"output folder exists and was not written by prefdata (no prefdata manifest in {MANIFEST_FILE})",
            where=str(out_dir),
            fix="choose another path; prefdata only overwrites folders it wrote",
        )


def overlap(out: str | Path, path: str | Path) -> str | None:
    """How an output lies against an input, links resolved: `same`, `holds` (the output folder
    holds the input), `inside` (the output lies inside the input folder), or None."""
    real_out, real = Path(out).resolve(), Path(path).resolve()
    if real == real_out:
        return "same"
    if real_out in real.parents:
        return "holds"
    return "inside" if real in real_out.parents else None


def check_inputs_outside(out_dir: Path, inputs: Sequence[Path]) -> None:
    """Refuse an existing output folder that holds, is, or lies inside an input (links resolved):
    replacing it would delete the input, or mix the old output into what is read."""
    for path in inputs:
        real = Path(path).resolve()
        named = f"{path} (a link to {real})" if str(real) != os.path.abspath(path) else str(path)
        relation = overlap(out_dir, path)
        if relation in ("same", "holds"):
            where = "is" if relation == "same" else "lies inside"
            raise OutputError(
                f"the input {named} {where} the output folder, which would be replaced",
                where=str(out_dir),
                fix="move the input out of the output folder, or write to another folder",
            )
        if relation == "inside":
            raise OutputError(
                f"the output folder lies inside the input folder {named}, so its old contents would be read",
                where=str(out_dir),
                fix="write to a folder outside the input folder",
            )


def _written_by_prefdata(manifest: Path) -> bool:
    """A real prefdata manifest: a regular file (not a symlink) holding an object with `prefdata_version`."""
    if manifest.is_symlink() or not manifest.is_file():
        return False
    try:
        data = json.loads(manifest.read_bytes())
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and "prefdata_version" in data


def check_split_name(split: str) -> None:
    if not split or split in (".", "..") or "/" in split or os.sep in split or split.startswith("."):
        raise OutputError(f"invalid split name {split!r}", fix="use a plain name such as train or test")


def make_parent(parent: Path) -> None:
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):  # a file sits where a folder of the path should be
        raise OutputError(
            "output is not writable: a file is in the way of the parent folder",
            where=str(parent),
            fix="choose an output path whose parents are folders",
        ) from None
    except OSError as exc:
        raise output_os_error(exc, parent, "cannot create the parent folder") from None
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError("parent folder is not writable", where=str(parent), fix="choose a writable path")


_DISK_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
_NOT_WRITABLE = {errno.EACCES, errno.EPERM, errno.EROFS}


def output_os_error(exc: OSError, where: Path, doing: str = "cannot write the output") -> OutputError:
    """An OS error met while writing the output, as an `OutputError` saying disk full or not writable."""
    detail = exc.strerror or str(exc)
    if exc.errno in _DISK_FULL:
        return OutputError(
            f"{doing}: disk full ({detail})", where=str(where), fix="free some space or write elsewhere"
        )
    if exc.errno in _NOT_WRITABLE:
        return OutputError(
            f"{doing}: not writable ({detail})", where=str(where), fix="choose a folder you can write to"
        )
    return OutputError(f"{doing} ({exc})", where=str(where))

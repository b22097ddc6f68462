"""Reading the manifest (`prefdata.json`) beside a folder to validate, refusing one that is not usable.

Validate reads a manifest for what the conversion dropped (`splits.<name>.dropped`) and the input
rows (`splits.<name>.rows_in`). A folder without one is validated as data alone (any TRL-shaped
`save_to_disk` folder). A manifest that is there but unusable stops the run (exit status 2)
rather than being ignored: the drops it should report would silently vanish.

| `prefdata.json`                                  | outcome                                          |
| ------------------------------------------------ | ------------------------------------------------ |
| absent                                           | the data is validated alone                      |
| not UTF-8, not JSON (`{broken`)                  | error naming the file, line and column            |
| JSON of another shape (no `splits` object...)    | error naming the file and the first problems     |
| that shape, from a newer prefdata version         | error: upgrade prefdata                           |
| a newer version's manifest that reads as ours     | used (only the fields above are read)             |
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from prefdata._canonical_folder import MANIFEST_FILE
from prefdata._errors import SourceError
from prefdata._version import __version__

_FIX = (
    "convert the source again into a new folder, or remove prefdata.json to validate the data "
    "without the conversion's drop counts"
)


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest in `folder`, None when there is none; `SourceError` when it is unusable."""
    path = folder / MANIFEST_FILE
    if not folder.is_dir() or not path.is_file():
        return None
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"not UTF-8 text ({exc.reason} at byte {exc.start})", where=str(path), fix=_FIX
        ) from None
    except json.JSONDecodeError as exc:
        raise SourceError(
            f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}", where=str(path), fix=_FIX
        ) from None
    problems = manifest_problems(value)
    if not problems:
        return value  # type: ignore[no-any-return]
    version = value.get("prefdata_version") if isinstance(value, dict) else None
    if isinstance(version, str) and _newer(version, __version__):
        raise SourceError(
            f"written by prefdata {version}, newer than this prefdata ({__version__}), in a form "
            f"this version cannot read ({problems[0]})",
            where=str(path),
            fix=f"upgrade prefdata to {version} or later",
        )
    raise SourceError(f"not a prefdata manifest: {'; '.join(problems[:3])}", where=str(path), fix=_FIX)


def manifest_problems(value: Any) -> list[str]:
    """Why `value` is not a manifest validate can read (the fields it reads), or an empty list."""
    if not isinstance(value, dict):
        return [f"expected a JSON object, got {_kind(value)}"]
    problems = []
    if "prefdata_version" in value and not isinstance(value["prefdata_version"], str):
        problems.append(f"`prefdata_version` is {_kind(value['prefdata_version'])}, not a string")
    splits = value.get("splits")
    if not isinstance(splits, dict):
        return [*problems, f"`splits` is {_kind(splits)}, not an object of splits"]
    for name, split in splits.items():
        problems += _split_problems(f"splits.{name}", split)
    return problems


def _split_problems(where: str, split: Any) -> list[str]:
    if not isinstance(split, dict):
        return [f"`{where}` is {_kind(split)}, not an object"]
    problems = []
    if "rows_in" in split and not _count(split["rows_in"]):
        problems.append(f"`{where}.rows_in` is {split['rows_in']!r}, not a row count")
    dropped = split.get("dropped", {})
    if not isinstance(dropped, dict):
        return [*problems, f"`{where}.dropped` is {_kind(dropped)}, not an object of reason: rows"]
    problems += [
        f"`{where}.dropped.{reason}` is {n!r}, not a row count"
        for reason, n in dropped.items()
        if not _count(n)
    ]
    return problems


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


_JSON_KINDS = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", int: "a number"}


def _kind(value: Any) -> str:
    return "missing or null" if value is None else _JSON_KINDS.get(type(value), "a number")


def _newer(version: str, than: str) -> bool:
    """True when `version` is a later release than `than` (numeric parts compared: 0.10.0 > 0.9.1)."""

    def parts(text: str) -> tuple[int, ...]:
        return tuple(int(p) for p in re.findall(r"\d+", text.split("+")[0])[:3])

    return parts(version) > parts(than)

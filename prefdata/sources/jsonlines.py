"""Reading JSON lines and JSON arrays, plain or gzip-compressed, row by row.

| file               | read as                                             |
| ------------------ | --------------------------------------------------- |
| `.jsonl`           | one JSON object per line, streamed                  |
| `.json`            | a JSON array of objects (loaded whole), or JSON lines |
| `.jsonl.gz` `.json.gz` | the same, decompressed on the fly               |

Blank lines are not rows. A line that is not a JSON object is an error naming the file
and its 1-based line number.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, cast

import orjson

from prefdata.errors import SourceError

_BOM = b"\xef\xbb\xbf"
_EXCERPT = 80


@contextmanager
def open_bytes(path: Path) -> Iterator[IO[bytes]]:
    """Open `path` for binary reading, decompressing `.gz`; decoding errors become SourceError."""
    try:
        opened = gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")  # noqa: SIM115
        handle = cast("IO[bytes]", opened)
        with handle:
            yield handle
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise SourceError(
            f"file is truncated or corrupt ({exc})",
            where=str(path),
            fix="download or decompress it again; check it with `gzip -t`",
        ) from None


def iter_json_rows(path: Path) -> Iterator[dict]:
    """Yield the rows of a JSON lines or JSON array file, in file order."""
    with open_bytes(path) as handle:
        first = _first_char(handle)
        if first is None:
            raise SourceError("file is empty: no rows", where=str(path))
        if first == b"[":
            # A JSON array has to be parsed whole: the one format read fully into memory.
            yield from _array_rows(path, handle.read())
            return
        count = 0
        for number, line in enumerate(handle, start=1):
            row = _parse_line(path, number, line)
            if row is not None:
                count += 1
                yield row
        if count == 0:
            raise SourceError("file is empty: no rows", where=str(path))


def _first_char(handle: IO[bytes]) -> bytes | None:
    """The first non-blank byte of the file (the handle is rewound), or None when there is none."""
    chunk = handle.read(65536).removeprefix(_BOM)
    while chunk:
        if stripped := chunk.lstrip():
            handle.seek(0)
            return stripped[:1]
        chunk = handle.read(65536)
    handle.seek(0)
    return None


def _parse_line(path: Path, number: int, line: bytes) -> dict | None:
    """Parse one line; None for a blank line."""
    if number == 1 and line.startswith(_BOM):
        line = line[len(_BOM) :]
    if not line.strip():
        return None
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        value = _python_json(line)
        if value is None:
            raise SourceError(_line_problem(line, exc), where=f"{path}, line {number}", fix=_FIX) from None
    if not isinstance(value, dict):
        raise SourceError(
            f"expected a JSON object, got {_kind(value)}: {_excerpt(line)}",
            where=f"{path}, line {number}",
            fix=_FIX,
        )
    return value


_FIX = "every line must be one JSON object (JSON lines); fix or remove this line"


def _python_json(line: bytes) -> dict | None:
    """A line orjson refused, when it is JSON as Python's `json` writes it: NaN and Infinity allowed.

    Only such lines are accepted (the non-finite numbers become nulls downstream); anything
    else orjson refuses (lone surrogates included) stays an error. None when not accepted.
    """
    if b"NaN" not in line and b"Infinity" not in line:
        return None
    import json

    try:
        value = json.loads(line)
        orjson.dumps(value)  # refuses what Arrow could not store (lone surrogates)
    except (ValueError, RecursionError, orjson.JSONEncodeError):
        return None
    return value if isinstance(value, dict) else None


def _line_problem(line: bytes, exc: Exception) -> str:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError as decode_error:
        return f"line is not valid UTF-8 (byte {decode_error.start}): {_excerpt(line)}"
    return f"invalid JSON ({exc}): {_excerpt(line)}"


def _array_rows(path: Path, data: bytes) -> Iterator[dict]:
    try:
        value = orjson.loads(data.lstrip(_BOM))
    except orjson.JSONDecodeError as exc:
        raise SourceError(
            f"invalid JSON ({exc})", where=str(path), fix="check the file is one JSON array"
        ) from None
    if not value:
        raise SourceError("file is empty: no rows", where=str(path))
    for index, row in enumerate(value):
        if not isinstance(row, dict):
            raise SourceError(
                f"expected a JSON object, got {_kind(row)}", where=f"{path}, array item {index}", fix=_FIX
            )
        yield row


def _kind(value: object) -> str:
    names = {list: "an array", str: "a string", int: "a number", float: "a number", bool: "a boolean"}
    return names.get(type(value), "null" if value is None else type(value).__name__)


def _excerpt(line: bytes) -> str:
    text = line.decode("utf-8", errors="replace").strip()
    return repr(text if len(text) <= _EXCERPT else text[:_EXCERPT] + "...")

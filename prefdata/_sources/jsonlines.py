"""Reading JSON lines and JSON arrays, plain or gzip-compressed, row by row.

| file               | read as                                             |
| ------------------ | --------------------------------------------------- |
| `.jsonl`           | one JSON object per line, streamed                  |
| `.json`            | a JSON array of objects (loaded whole), or JSON lines |
| `.jsonl.gz` `.json.gz` | the same, decompressed on the fly               |

Blank lines are not rows. A line that is not a JSON object is an error naming the file
and its 1-based line number. Integers keep every digit (`exact_json`). A row with a repeated
key, at any depth, is yielded as a `FlawedRow` (a JSON parser would keep one of the values
silently): convert drops it as `bad_value`, naming the key.
"""

from __future__ import annotations

import gzip
import json
import re
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, cast

import orjson

from prefdata._errors import SourceError
from prefdata.records import exact_json

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


class FlawedRow(dict):  # type: ignore[type-arg]
    """A row that cannot be used as read: `reason` and `detail` say why (a drop, for convert).

    Its content is what the JSON parser kept, so detection and sampling still see a row.
    """

    def __init__(self, row: dict[str, Any], reason: str, detail: str) -> None:
        super().__init__(row)
        self.reason, self.detail = reason, detail


def checked_row(raw: bytes, row: dict[str, Any]) -> dict[str, Any]:
    """`row`, or a `FlawedRow` when its JSON text `raw` repeats a key in one object."""
    key = duplicate_key(raw, row)
    return row if key is None else _flawed(row, key)


def _flawed(row: dict[str, Any], key: str) -> FlawedRow:
    detail = f"key {key!r} appears more than once in one object (a JSON reader keeps only one value)"
    return FlawedRow(row, "bad_value", detail)


def duplicate_key(raw: bytes, value: Any) -> str | None:
    """A key that `raw` (the JSON text `value` was parsed from) repeats within one object, or None.

    Cheap first: every object member has one colon outside strings, and the strings of
    `value` are those of `raw`, so `raw` holds more colons than `value` accounts for exactly
    when a repeated member was dropped. Counts are comparable unless `raw` writes a colon as
    an escape (`\\u003a`) or `value` cannot be written by orjson (an integer past 64 bits);
    only then, or when the counts differ, is `raw` parsed again pair by pair to name the key.
    """
    if _ESCAPED_COLON.search(raw) is None:
        expected = _colons(value)
        if expected is not None and raw.count(b":") == expected:
            return None
    return _repeated_key(raw)


_ESCAPED_COLON = re.compile(rb"\\u003[aA]")


def _colons(value: Any) -> int | None:
    """The colons of `value` written as JSON: one per member, and those inside its strings."""
    if type(value) is dict:
        count = len(value)
        for key, item in value.items():
            if type(item) is str:  # a flat row (most are): counted on the decoded text
                count += key.count(":") + item.count(":")
            elif type(item) is dict or type(item) is list:
                break
            else:
                count += key.count(":")  # numbers, booleans and nulls hold no colon
        else:
            return count
    try:  # nested values: written again by orjson (C speed) rather than walked in Python
        return orjson.dumps(value).count(b":")
    except orjson.JSONEncodeError:
        return None


def _repeated_key(raw: bytes) -> str | None:
    return _repeat_in(json.loads(raw, object_pairs_hook=_pairs))


class _Repeats(dict):  # type: ignore[type-arg]
    """An object whose text repeats `key`."""

    key = ""


def _pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(items)
    if len(out) == len(items):
        return out
    repeats, seen = _Repeats(out), set()
    for key, _ in items:
        if key in seen:
            repeats.key = key
            break
        seen.add(key)
    return repeats


def _repeat_in(value: Any) -> str | None:
    """The repeated key of the first object in `value` (parsed with `_pairs`) that has one."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, _Repeats):
            return item.key
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


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
        value = exact_json.loads(line)
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
    return checked_row(line, value)


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
    data = data.lstrip(_BOM)
    try:
        value = exact_json.loads(data)
    except orjson.JSONDecodeError as exc:
        raise SourceError(
            f"invalid JSON ({exc})", where=str(path), fix="check the file is one JSON array"
        ) from None
    if not value:
        raise SourceError("file is empty: no rows", where=str(path))
    # one cheap look for a repeated key in the whole text; the items are parsed pair by pair only then
    items = json.loads(data, object_pairs_hook=_pairs) if duplicate_key(data, value) is not None else None
    for index, row in enumerate(value):
        if not isinstance(row, dict):
            raise SourceError(
                f"expected a JSON object, got {_kind(row)}", where=f"{path}, array item {index}", fix=_FIX
            )
        key = _repeat_in(items[index]) if items is not None else None
        yield row if key is None else _flawed(row, key)


def _kind(value: object) -> str:
    names = {list: "an array", str: "a string", int: "a number", float: "a number", bool: "a boolean"}
    return names.get(type(value), "null" if value is None else type(value).__name__)


def _excerpt(line: bytes) -> str:
    text = line.decode("utf-8", errors="replace").strip()
    return repr(text if len(text) <= _EXCERPT else text[:_EXCERPT] + "...")

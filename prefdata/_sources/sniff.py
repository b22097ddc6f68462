"""Telling a text file (JSON lines, JSON, CSV) whose bytes are something else, before reading it.

A name can lie: `data.jsonl` that is gzip-compressed, Parquet saved as `.csv`, JSON lines
written as UTF-16 by an editor. Read as text, such a file fails on its first line with an error
about that line ("not valid UTF-8", "expected 3 columns") whose fix is wrong. Its first bytes
say what it is:

| file starts with                     | is                        | fix                      |
| ------------------------------------ | ------------------------- | ------------------------ |
| `1f 8b`                              | gzip                      | name it `.jsonl.gz` / `.json.gz`, or decompress |
| `BZh` + level + `1AY&SY`             | bzip2                     | decompress               |
| `fd 37 7a 58 5a 00`                  | xz                        | decompress               |
| `28 b5 2f fd`                        | zstd                      | decompress               |
| `PK 03 04`                           | zip                       | extract                  |
| `PAR1`                               | Parquet                   | name it `.parquet`       |
| `ARROW1`, `ff ff ff ff`              | Arrow IPC                 | name it `.arrow`         |
| `ff fe`, `fe ff` (a UTF-16/32 BOM)   | UTF-16 or UTF-32 text     | re-encode as UTF-8       |
| `{ 00 " 00` (a NUL beside each byte) | UTF-16 without a BOM      | re-encode as UTF-8       |
"""

from __future__ import annotations

from pathlib import Path

from prefdata._errors import SourceError

TEXT_EXTENSIONS = (".jsonl", ".json", ".csv")

_COMPRESSED = (
    (b"\x1f\x8b", "gzip", "gzip -d"),
    (b"\xfd7zXZ\x00", "xz", "xz -d"),
    (b"\x28\xb5\x2f\xfd", "zstd", "zstd -d"),
    (b"PK\x03\x04", "zip", "unzip"),
)
_BINARY = (
    (b"PAR1", "Parquet", ".parquet"),
    (b"ARROW1", "Arrow IPC", ".arrow"),
    (b"\xff" * 4, "Arrow IPC", ".arrow"),
)
_WIDE = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)


def check_text_bytes(path: Path, ext: str) -> None:
    """Raise a `SourceError` saying what `path` really holds when its first bytes are not text of `ext`."""
    if ext not in TEXT_EXTENSIONS or not path.is_file():
        return
    with path.open("rb") as handle:
        head = handle.read(10)
    what, fix = _what(head, ext)
    if what:
        raise SourceError(f"{what}, but its name ends in {ext}", where=str(path), fix=fix)


def _what(head: bytes, ext: str) -> tuple[str, str]:
    """(what the file holds, the fix), or empty strings for text."""
    for magic, kind, tool in _COMPRESSED:
        if head.startswith(magic):
            gz = f"name it *{ext}.gz, or " if kind == "gzip" and ext != ".csv" else ""
            return f"file is {kind}-compressed", f"{gz}decompress it first (`{tool}`)"
    if head.startswith(b"BZh") and head[4:10] == b"1AY&SY":
        return "file is bzip2-compressed", "decompress it first (`bzip2 -d`)"
    for magic, kind, right in _BINARY:
        if head.startswith(magic):
            return f"file holds {kind} data", f"rename it to end in {right}"
    encoding = next((e for magic, e in _WIDE if head.startswith(magic)), _bomless_utf16(head))
    if encoding:
        return f"file is {encoding} text", f"re-encode it as UTF-8 (`iconv -f {encoding} -t UTF-8`)"
    return "", ""


def _bomless_utf16(head: bytes) -> str:
    """UTF-16 without a BOM: ASCII text with a NUL byte beside every character (`{\0"\0`)."""
    if len(head) < 4:
        return ""
    if head[1] == head[3] == 0 and head[0] and head[2]:
        return "UTF-16LE"
    if head[0] == head[2] == 0 and head[1] and head[3]:
        return "UTF-16BE"
    return ""


__all__ = ["TEXT_EXTENSIONS", "check_text_bytes"]

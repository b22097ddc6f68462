"""Reading a pipe, a FIFO or a character device (`/dev/stdin`, `<(zcat x.jsonl.gz)`) as an input.

A stream can be read once, and a conversion reads its source more than once (a sample to
detect the layout, then every row), so its bytes are first copied into an unnamed temporary
file (on Linux: nothing is left, also when the process is killed), hashed on the way (the
manifest's fingerprint is the digest of the bytes read), and then read like a file. The format
comes from the first bytes:

| stream starts with                 | read as                                   |
| ---------------------------------- | ----------------------------------------- |
| `1f 8b` (gzip)                     | decompressed, then by its first bytes     |
| `PAR1`                             | Parquet                                   |
| `ARROW1`, `ff ff ff ff`            | Arrow IPC (file or stream)                |
| `{` or `[` (after blanks or a BOM) | JSON lines, or a JSON array               |
| anything else (CSV...)             | refused: save it to a file with its extension |
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import stat
import sys
import tempfile
import weakref
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import pyarrow as pa

from prefdata._errors import PrefdataError, SourceError
from prefdata._sources.files import file_num_rows, iter_file_arrow, iter_file_batches
from prefdata._sources.source import SplitSource

_BLOCK = 1 << 20
_HEAD = 64 << 10  # bytes looked at to tell the format
_BLANK = b" \t\r\n"
_BOM = b"\xef\xbb\xbf"
_GZIP = b"\x1f\x8b"
_MAGIC = ((b"PAR1", ".parquet"), (b"ARROW1", ".arrow"), (b"\xff\xff\xff\xff", ".arrow"))


def is_stream(path: Path) -> bool:
    """True for a pipe, FIFO, socket or character device (what `/dev/stdin` and `<(...)` give), and
    for a descriptor's name (`/dev/stdin < file`): it names no file, so no extension says its format."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return (
        stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISSOCK(mode) or bool(_DESCRIPTOR.match(str(path)))
    )


_DESCRIPTOR = re.compile(r"^/(?:dev/std(?:in|out|err)|dev/fd/\d+|proc/self/fd/\d+)$")


class SpooledStream:
    """The bytes of a stream (decompressed), in a temporary file that lives as long as this object.

    `path` opens the file again from its start (any number of times); `kind` is the extension
    of its format; `fingerprint` is the SHA-256 of the bytes read from the stream; `close()`
    deletes the file (collecting the object does too)."""

    def __init__(self, source: Path) -> None:
        self.source = source
        self._file: IO[bytes] = _unnamed_file()
        # `close()` deletes the temporary file; so does collecting this object
        self.close = weakref.finalize(self, self._file.close)
        digest = hashlib.sha256()
        try:
            with _open(source) as stream:
                self._copy(_hashed(stream, digest))
            self._file.flush()
        except BaseException as exc:
            self.close()
            if not isinstance(exc, OSError):
                raise
            raise SourceError(
                f"cannot copy the stream into a temporary file ({exc.strerror or exc})",
                where=str(source),
                fix=f"free space in {tempfile.gettempdir()} or point TMPDIR to a folder with room",
            ) from None
        self.fingerprint = digest.hexdigest()
        self.path = _reopenable(self._file)
        with open(self.path, "rb") as spooled:
            self.kind = _kind(spooled.read(_HEAD), source)

    def _copy(self, blocks: Iterator[bytes]) -> None:
        head = next(blocks, b"")
        if not head:
            raise SourceError("the stream is empty: no rows", where=str(self.source))
        gzipped = head.startswith(_GZIP)
        if not gzipped:
            _kind(head, self.source)  # an unknown format is refused before the rest is read
        for block in _gunzip(head, blocks, self.source) if gzipped else _chain(head, blocks):
            self._file.write(block)


def _open(source: Path) -> IO[bytes]:
    try:
        return open(source, "rb", buffering=0)  # noqa: SIM115 - closed by the caller's `with`
    except OSError as exc:
        raise SourceError(f"cannot read the stream ({exc.strerror or exc})", where=str(source)) from None


def _hashed(stream: IO[bytes], digest: Any) -> Iterator[bytes]:
    """The stream's blocks, each added to `digest`. The first holds `_HEAD` bytes unless the
    stream is shorter: a read from a pipe returns only what its writer wrote so far."""
    head = b""
    while len(head) < _HEAD and (block := stream.read(_HEAD - len(head))):
        head += block
    digest.update(head)
    yield head
    while block := stream.read(_BLOCK):
        digest.update(block)
        yield block


def _chain(head: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield head
    yield from rest


def _gunzip(head: bytes, rest: Iterator[bytes], source: Path) -> Iterator[bytes]:
    """Decompress gzip data, member after member (as `zcat` does)."""
    inflate, fed = zlib.decompressobj(wbits=31), False
    try:
        for block in _chain(head, rest):
            while block:
                if inflate.eof:  # the next member starts
                    inflate, fed = zlib.decompressobj(wbits=31), False
                yield inflate.decompress(block)
                fed, block = True, inflate.unused_data
    except zlib.error as exc:
        raise SourceError(
            f"the gzip stream is corrupt ({exc})", where=str(source), fix="check it with `gzip -t`"
        ) from None
    if fed and not inflate.eof:
        raise SourceError(
            "the gzip stream is truncated", where=str(source), fix="check it with `gzip -t` and send it again"
        )


def _kind(head: bytes, source: Path) -> str:
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    text = head.removeprefix(_BOM).lstrip(_BLANK)
    if not text or text[:1] in (b"{", b"["):
        return ".jsonl"  # the JSON reader tells a JSON array from JSON lines
    raise SourceError(
        f"cannot tell the format of the stream: it starts with {head[:24]!r}",
        where=str(source),
        fix="pipe JSON lines, a JSON array, gzip-compressed JSON, Parquet or Arrow; "
        "save other formats (CSV) to a file with their extension and pass its path",
    )


def _unnamed_file() -> IO[bytes]:
    """A temporary file with no name on Linux (nothing can be left behind); elsewhere a named
    one, deleted when closed."""
    if sys.platform.startswith("linux"):
        return tempfile.TemporaryFile()
    return tempfile.NamedTemporaryFile()  # noqa: SIM115 - kept open: it is the spooled data


def _reopenable(handle: IO[bytes]) -> Path:
    """A path that opens `handle`'s file anew, from its start."""
    if sys.platform.startswith("linux"):
        return Path(f"/proc/self/fd/{handle.fileno()}")
    return Path(handle.name)


def stream_split(spooled: SpooledStream) -> SplitSource:
    """The one split (`train`) of a spooled stream; errors name the stream, not the spool file."""
    path, kind = spooled.path, spooled.kind

    def read(batch_size: int, columns: Sequence[str] | None = None) -> Iterator[list[dict]]:
        with _named_as(spooled):
            yield from iter_file_batches(path, batch_size, columns, kind)

    def read_arrow(batch_size: int, columns: Sequence[str] | None = None) -> Iterator[pa.RecordBatch]:
        with _named_as(spooled):
            yield from iter_file_arrow(path, batch_size, columns, kind)

    with _named_as(spooled):
        num_rows = file_num_rows(path, kind)
    columnar = kind != ".jsonl"
    return SplitSource(
        name="train",
        origin=str(spooled.source),
        num_rows=num_rows,
        read=read,
        read_columns=read,
        read_arrow=read_arrow if columnar else None,
    )


@contextlib.contextmanager
def _named_as(spooled: SpooledStream) -> Iterator[None]:
    """Errors that name the spool file name the stream instead."""
    try:
        yield
    except PrefdataError as exc:
        spool, shown = str(spooled.path), str(spooled.source)
        raise type(exc)(
            exc.what.replace(spool, shown), where=exc.where.replace(spool, shown), fix=exc.fix
        ) from None

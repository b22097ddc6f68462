"""`open_source`: any supported input -> a `Source` of lazily read splits."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from prefdata._canonical_folder import TRAIN_SPLIT, is_saved_dataset, saved_split_files
from prefdata._errors import SourceError
from prefdata._sources.files import (
    SUPPORTED_EXTENSIONS,
    check_file,
    extension,
    file_num_rows,
    files_fingerprint,
    iter_file_arrow,
    iter_file_batches,
)
from prefdata._sources.folder import split_files
from prefdata._sources.saved import arrow_rows
from prefdata._sources.source import Source, SplitSource, union_columns
from prefdata._sources.stream import SpooledStream, is_stream, stream_split

# "org/name" with no extension of ours: a Hub id when no such local path exists.
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


def open_source(source: Any, *, split: str | None = None, subset: str | None = None) -> Source:
    """Open a file, a folder, a `save_to_disk` folder, a `datasets` object or a Hub id for streaming.

    Nothing is read but a sample of the first split (for `columns`) and the cheap metadata.
    `split` keeps only that split; `subset` picks a config of a Hub dataset.
    """
    if _is_in_memory(source):
        from prefdata._sources import memory

        _require_no_subset(subset, "in-memory dataset")
        description = f"in-memory {type(source).__name__}"
        splits = memory.in_memory_splits(source, description)
        return _build(description, splits, split, lambda kept: memory.in_memory_fingerprint(source, kept))
    if not isinstance(source, (str, os.PathLike)):
        raise SourceError(
            f"cannot read a {type(source).__name__}", fix="pass a path, a Hub id or a datasets object"
        )
    path = Path(source).expanduser()
    if not path.exists():
        return _open_hub(str(source), split, subset)
    _require_no_subset(subset, str(path))
    if is_stream(path):  # /dev/stdin, <(...): read once, into a temporary file
        spooled = SpooledStream(path)
        return _build(str(path), {TRAIN_SPLIT: stream_split(spooled)}, split, lambda _: spooled.fingerprint)
    splits, files = _local_splits(path)
    root = path if path.is_dir() else path.parent
    description = Path(os.path.abspath(path)).name  # "." reads as the folder's own name
    opened = _build(
        description, splits, split, lambda kept: files_fingerprint(_kept_files(files, kept), root)
    )
    opened.paths = [path, *(file for paths in files.values() for file in paths)]
    return opened


def _local_splits(path: Path) -> tuple[dict[str, SplitSource], dict[str, list[Path]]]:
    if path.is_file():
        files = {TRAIN_SPLIT: [path]}
    elif is_saved_dataset(path):
        files = saved_split_files(path)
        return {name: _files_split(name, paths, arrow_rows(paths)) for name, paths in files.items()}, files
    else:
        files = split_files(path)
    for paths in files.values():
        for file in paths:
            check_file(file)  # fail at open, not after other splits were converted
    return {name: _files_split(name, paths, _cheap_rows(paths)) for name, paths in files.items()}, files


def _files_split(name: str, paths: list[Path], num_rows: int | None) -> SplitSource:
    def read(batch_size: int, columns: Sequence[str] | None = None) -> Iterator[list[dict]]:
        for path in paths:
            yield from iter_file_batches(path, batch_size, columns)

    def read_arrow(batch_size: int, columns: Sequence[str] | None = None) -> Iterator[pa.RecordBatch]:
        for path in paths:
            yield from iter_file_arrow(path, batch_size, columns)

    columnar = all(extension(path) in (".parquet", ".csv", ".arrow") for path in paths)
    origin = str(paths[0]) if len(paths) == 1 else f"{paths[0].parent} ({len(paths)} files)"
    return SplitSource(
        name=name,
        origin=origin,
        num_rows=num_rows,
        read=read,
        read_columns=read,
        read_arrow=read_arrow if columnar else None,
    )


def _cheap_rows(paths: list[Path]) -> int | None:
    """Sum of stored row counts when every file stores one (Parquet, Arrow), else None."""
    if any(extension(path) not in (".parquet", ".arrow") for path in paths):
        return None
    return sum(file_num_rows(path) or 0 for path in paths)


def _kept_files(files: dict[str, list[Path]], kept: dict[str, SplitSource]) -> list[Path]:
    return [path for name in kept for path in files[name]]


def _open_hub(name: str, split: str | None, subset: str | None) -> Source:
    if not _HUB_ID.match(name) or extension(Path(name)) is not None:
        raise SourceError(
            "no such file or folder",
            where=name,
            fix=f"pass a file ({', '.join(SUPPORTED_EXTENSIONS)}), a folder, or a Hub id like org/name",
        )
    from prefdata._sources import memory

    loaded = memory._load_with_datasets(name, subset, split)
    description = f"hub:{name}" + (f" ({subset})" if subset else "")
    splits = memory.in_memory_splits(loaded, description)
    return _build(description, splits, None, lambda kept: memory.in_memory_fingerprint(loaded, kept))


def _build(
    description: str,
    splits: dict[str, SplitSource],
    split: str | None,
    fingerprint: Callable[[dict[str, SplitSource]], str],
) -> Source:
    """Keep the requested split, take the first split's columns, and fingerprint what is kept."""
    if split is not None:
        if split not in splits:
            raise SourceError(
                f"no split {split!r}; available: {', '.join(splits)}",
                where=description,
                fix=f"pass --split with one of: {', '.join(splits)}",
            )
        splits = {split: splits[split]}
    if not splits:  # an empty DatasetDict
        raise SourceError("the dataset has no splits", where=description, fix="pass a dataset with rows")
    first = next(iter(splits.values()))
    sample = first.sample()
    if not sample:  # files say so themselves; an in-memory split of no rows would read as "no columns"
        raise SourceError(
            f"split {first.name!r} has no rows", where=description, fix="pass a split with rows"
        )
    columns = union_columns(sample)
    return Source(description=description, splits=splits, columns=columns, fingerprint=fingerprint(splits))


def _require_no_subset(subset: str | None, where: str) -> None:
    """Only Hub datasets have subsets (configs): refuse one rather than ignore it."""
    if subset is not None:
        raise SourceError(
            f"subset {subset!r} given, but this input has no subsets",
            where=where,
            fix="drop --subset (it selects a config of a Hub dataset)",
        )


def _is_in_memory(source: object) -> bool:
    # a `datasets` object cannot exist before `datasets` is imported: skip its (slow) import for files
    if "datasets" not in sys.modules:
        return False
    from prefdata._sources import memory

    return memory.is_in_memory(source)

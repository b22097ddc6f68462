"""Finding the data files of a folder and grouping them by split.

The split naming rule (`datasets`' conventions: `train_prefs-00000-of-00002.parquet`,
`test/part1.jsonl`, `my-dev.csv`...) lives in `prefdata._canonical_folder`, shared with
validate. Files whose name starts with "." or "__", or with an unsupported extension
(README.md...), are ignored. Within a split, files are read in sorted order.
"""

from __future__ import annotations

from pathlib import Path

from prefdata._canonical_folder import group_by_split, split_of
from prefdata._errors import SourceError
from prefdata._sources.files import SUPPORTED_EXTENSIONS, extension

__all__ = ["data_files", "split_files", "split_of"]


# names of data files prefdata does not read (compressed other than gzip, other formats): in a
# folder they are refused, not skipped, so no split (a `test.jsonl.zst`) is left out unsaid
_DATA_WORDS = frozenset({".jsonl", ".json", ".csv", ".parquet", ".arrow", ".tsv", ".ndjson", ".feather"})
_PACKED = frozenset({".gz", ".bz2", ".xz", ".zst", ".zstd", ".zip", ".lz4", ".tar", ".tgz", ".7z"})


def data_files(folder: Path) -> list[Path]:
    """The supported data files under `folder` (recursively), sorted, hidden ones skipped.

    A file that looks like data in a format prefdata does not read is an error: skipping it
    would leave its rows out without a word."""
    found, unread = [], []
    for path in folder.rglob("*"):
        parts = path.relative_to(folder).parts
        if any(part.startswith((".", "__")) for part in parts) or not path.is_file():
            continue
        if extension(path) is not None:
            found.append(path)
        elif _looks_like_data(path):
            unread.append(path.relative_to(folder).as_posix())
    if unread:
        raise SourceError(
            f"folder holds data file(s) prefdata cannot read, whose rows would be left out: "
            f"{', '.join(sorted(unread)[:5])}{' ...' if len(unread) > 5 else ''}",
            where=str(folder),
            fix=f"decompress or convert them to one of {', '.join(SUPPORTED_EXTENSIONS)}, or move them out "
            "of the folder",
        )
    if not found:
        raise SourceError(
            "folder has no data files",
            where=str(folder),
            fix=f"put files ending in {', '.join(SUPPORTED_EXTENSIONS)} in it",
        )
    return sorted(found)


def split_files(folder: Path) -> dict[str, list[Path]]:
    """Group the folder's data files by split name, splits in train/validation/test order."""
    return group_by_split(data_files(folder), folder)


def _looks_like_data(path: Path) -> bool:
    suffixes = [suffix.lower() for suffix in path.suffixes]
    return bool(suffixes) and (suffixes[-1] in _PACKED or not _DATA_WORDS.isdisjoint(suffixes))

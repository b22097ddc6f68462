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


def data_files(folder: Path) -> list[Path]:
    """The supported data files under `folder` (recursively), sorted, hidden ones skipped."""
    found = []
    for path in folder.rglob("*"):
        parts = path.relative_to(folder).parts
        if any(part.startswith((".", "__")) for part in parts):
            continue
        if path.is_file() and extension(path) is not None:
            found.append(path)
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

"""Mapping the data files of a folder to splits, by the naming conventions of `datasets`.

| file (relative to the folder)              | split        |
| ------------------------------------------ | ------------ |
| `data/train_prefs-00000-of-00002.parquet`  | `train_prefs` (any name before `-NNNNN-of-NNNNN`) |
| `test/part1.jsonl`                         | `test` (a directory named after a split) |
| `train.jsonl`, `my-dev.csv`, `eval_0.json` | `train`, `validation`, `test` (a keyword in the file name) |
| files that name no split                   | all one `train` split |

Keywords: train/training, validation/valid/dev/val, test/testing/eval/evaluation. Files
whose name starts with "." or "__", or with an unsupported extension (README.md...), are
ignored. Within a split, files are read in sorted order.
"""

from __future__ import annotations

import re
from pathlib import Path

from prefdata.errors import SourceError
from prefdata.sources.files import SUPPORTED_EXTENSIONS, extension

_KEYWORDS = {
    "train": "train",
    "training": "train",
    "validation": "validation",
    "valid": "validation",
    "dev": "validation",
    "val": "validation",
    "test": "test",
    "testing": "test",
    "eval": "test",
    "evaluation": "test",
}
_SHARDED = re.compile(r"^(?P<split>\w+?)-\d{5}-of-\d{5}")
_SEPARATORS = re.compile(r"[-._ 0-9]+")
_ORDER = {"train": 0, "validation": 1, "test": 2}


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
    files = data_files(folder)
    named = {path: split_of(path.relative_to(folder)) for path in files}
    unnamed = [path for path, split in named.items() if split is None]
    if len(unnamed) == len(files):
        return {"train": files}
    if unnamed:
        listed = ", ".join(str(path.relative_to(folder)) for path in unnamed[:5])
        raise SourceError(
            f"some files name a split and these do not: {listed}",
            where=str(folder),
            fix="rename them (e.g. train.jsonl, test-00000-of-00001.parquet) or pass one file",
        )
    groups: dict[str, list[Path]] = {}
    for path, split in named.items():
        groups.setdefault(str(split), []).append(path)
    return {name: groups[name] for name in sorted(groups, key=lambda name: (_ORDER.get(name, 3), name))}


def split_of(relative: Path) -> str | None:
    """The split a file's relative path names, or None when it names none."""
    stem = relative.name[: -len(extension(relative) or "")]
    if match := _SHARDED.match(stem):
        return match["split"]
    for directory in relative.parts[:-1]:
        if split := _keyword_split(directory):
            return split
    return _keyword_split(stem)


def _keyword_split(name: str) -> str | None:
    for token in _SEPARATORS.split(name.lower()):
        if token in _KEYWORDS:
            return _KEYWORDS[token]
    return None

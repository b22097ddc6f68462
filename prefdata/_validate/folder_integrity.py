"""Is a `save_to_disk` folder still what was written? Its files checked against one another.

A folder whose Arrow data was edited in place can look like clean data: rows removed, a column
added, `chosen` and `rejected` renamed into each other (every pair flipped). The files beside
the data say what was written, so validate compares them:

| compared                                              | finding           | means                           |
| ----------------------------------------------------- | ----------------- | ------------------------------- |
| a split's Arrow columns vs its `dataset_info.json`    | `folder.features` | other names: `load_from_disk`   |
|                                                       |                   | refuses it; another order:      |
|                                                       |                   | columns renamed                 |
| the Arrow file's digest vs its `state.json`           | `folder.changed`  | data changed after writing      |
| a split's rows vs `prefdata.json`'s `rows_out`        | `folder.changed`  | rows removed or added           |
| the splits vs those `prefdata.json` records           | `folder.changed`  | a split removed or added        |
| the columns vs those `prefdata.json` records, in order | `folder.changed` | a column added, removed, renamed |

The digest is checked only in folders with a prefdata manifest, whose `state.json` fingerprint is
the start of the file's xxh3-128 (`prefdata._writer`); `datasets` writes a fingerprint of its own.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from prefdata._canonical_folder import INFO_FILE, STATE_FILE, is_saved_dataset, saved_split_files
from prefdata._errors import SourceError
from prefdata._sources.saved import arrow_rows
from prefdata._validate.finding_sink import FindingSink
from prefdata._validate.reading import CanonicalInput
from prefdata._validate.report import Example

_FINGERPRINT = re.compile(r"^[0-9a-f]{16}$")


def check_folder(data: CanonicalInput, sink: FindingSink, all_splits: bool) -> None:
    """Add `folder.features` and `folder.changed` findings for a `save_to_disk` folder (nothing for
    other inputs). `all_splits`: every split is validated, so a split the manifest records but the
    folder lacks is a finding (with `--split`, only the named splits are compared)."""
    folder = Path(data.path)
    if not folder.is_dir() or not is_saved_dataset(folder):
        return
    try:
        files = saved_split_files(folder)
    except SourceError:
        return  # reading the data has already said why
    for split in data.splits:
        names = data.splits[split].schema.names
        _check_features(split, files[split], names, sink)
        if data.manifest is not None:
            _check_against_manifest(split, files[split], names, data.manifest, sink)
    if data.manifest is not None and all_splits:
        recorded = data.manifest.get("splits") or {}
        for split in recorded:
            if split not in files:
                _changed(sink, split, "splits", f"prefdata.json records split {split!r}; the folder has none")


def _check_features(split: str, files: list[Path], names: list[str], sink: FindingSink) -> None:
    features = _features(files[0].parent / INFO_FILE)
    if features is None or features == names:
        return
    if set(features) != set(names):
        excerpt = (
            f"Arrow columns {names} differ from {INFO_FILE}'s features {features}: "
            "datasets.load_from_disk refuses this split"
        )
    else:
        excerpt = (
            f"Arrow columns in the order {names}, {INFO_FILE} in the order {features}: "
            "were columns renamed (chosen and rejected swapped)?"
        )
    sink.add("folder.features", 1, split, [Example(split=split, row=None, field="columns", excerpt=excerpt)])


def _features(path: Path) -> list[str] | None:
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    features = info.get("features") if isinstance(info, dict) else None
    return list(features) if isinstance(features, dict) else None


def _check_against_manifest(
    split: str, files: list[Path], names: list[str], manifest: dict[str, Any], sink: FindingSink
) -> None:
    recorded = (manifest.get("splits") or {}).get(split)
    if recorded is None:
        _changed(
            sink, split, "splits", f"split {split!r} is not in prefdata.json: added after it was written?"
        )
        return
    if len(files) == 1:
        stated = _state_digest(files[0].parent / STATE_FILE)
        if stated is not None and not _digest(files[0]).startswith(stated):
            _changed(sink, split, files[0].name, f"the file's digest is not the one {STATE_FILE} records")
    rows, rows_out = arrow_rows(files), recorded.get("rows_out")
    if isinstance(rows_out, int) and rows != rows_out:
        _changed(sink, split, "rows", f"{rows:,} rows; prefdata.json records {rows_out:,} written")
    columns = manifest.get("columns")
    if isinstance(columns, list) and columns and rows:
        kept = [c for c in columns if c in names]
        if [c for c in names if c in columns] != kept or len(kept) != len(names):
            _changed(sink, split, "columns", f"columns {names}; prefdata.json records {columns}")


def _state_digest(path: Path) -> str | None:
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    value = state.get("_fingerprint") if isinstance(state, dict) else None
    return value if isinstance(value, str) and _FINGERPRINT.match(value) else None


def _digest(path: Path) -> str:
    from prefdata._writer import file_digest  # the digest the writer records: one definition

    return file_digest(path)


def _changed(sink: FindingSink, split: str, field: str, excerpt: str) -> None:
    sink.add("folder.changed", 1, split, [Example(split=split, row=None, field=field, excerpt=excerpt)])

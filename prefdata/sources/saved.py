"""Reading folders written by `datasets` `save_to_disk` (a Dataset or a DatasetDict).

| folder content                                   | read as                         |
| ------------------------------------------------ | ------------------------------- |
| `dataset_dict.json` + one folder per split        | the splits it lists, in order   |
| `state.json` + `dataset_info.json` + `*.arrow`    | one split (`_split`, else train) |

The Arrow files (IPC streams) are memory-mapped and read by record batches, never loaded.
"""

from __future__ import annotations

import json
from pathlib import Path

from prefdata.errors import SourceError
from prefdata.sources.files import file_num_rows


def is_saved_dataset(folder: Path) -> bool:
    """True when `folder` looks like a `save_to_disk` folder."""
    return (folder / "dataset_dict.json").is_file() or (folder / "state.json").is_file()


def saved_split_files(folder: Path) -> dict[str, list[Path]]:
    """Split name -> its Arrow files in order, for a Dataset or DatasetDict folder."""
    if (folder / "dataset_dict.json").is_file():
        names = _read_json(folder / "dataset_dict.json").get("splits")
        if not isinstance(names, list) or not names:
            raise SourceError("dataset_dict.json lists no splits", where=str(folder))
        listed = folder / "dataset_dict.json"
        return {str(name): _dataset_files(_inside(folder, str(name), listed))[1] for name in names}
    split, files = _dataset_files(folder)
    return {split: files}


def _dataset_files(folder: Path) -> tuple[str, list[Path]]:
    state_path = folder / "state.json"
    if not state_path.is_file():
        raise SourceError("missing state.json: not a `save_to_disk` dataset folder", where=str(folder))
    state = _read_json(state_path)
    entries = state.get("_data_files") or []
    files = [_inside(folder, str(_filename(entry)), state_path) for entry in entries]
    missing = [path.name for path in files if not path.is_file()]
    if missing or not files:
        raise SourceError(f"data files missing: {', '.join(missing) or 'none listed'}", where=str(state_path))
    return str(state.get("_split") or "train"), files


def _inside(folder: Path, name: str, listed_in: Path) -> Path:
    """`folder / name`, refused when the name (or a symlink) leads outside `folder`: never read elsewhere."""
    path = folder / name
    if not path.resolve().is_relative_to(folder.resolve()) or path.resolve() == folder.resolve():
        raise SourceError(
            f"{name!r} points outside the dataset folder",
            where=str(listed_in),
            fix="a save_to_disk folder lists plain split and file names inside it",
        )
    return path


def _filename(entry: object) -> object:
    return entry.get("filename") if isinstance(entry, dict) else entry


def _read_json(path: Path) -> dict:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SourceError(f"cannot read JSON ({exc})", where=str(path)) from None
    if not isinstance(value, dict):
        raise SourceError("expected a JSON object", where=str(path))
    return value


def arrow_rows(files: list[Path]) -> int:
    """Total rows of Arrow files (cheap: memory-mapped batch headers)."""
    return sum(file_num_rows(path) or 0 for path in files)

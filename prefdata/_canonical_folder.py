"""The canonical folder: its file names, how its splits are named and found, and its `state.json`.

What `prefdata convert` writes and `prefdata-train` reads is a `DatasetDict.save_to_disk` folder:

```
out/
  dataset_dict.json                   {"splits": [...]}                       DATASET_DICT_FILE
  prefdata.json                       the manifest                             MANIFEST_FILE
  rejects.jsonl                       one JSON object per dropped row          REJECTS_FILE
  <split>/data-00000-of-00001.arrow   Arrow IPC stream                         DATA_FILE
  <split>/dataset_info.json           the `datasets` features                  INFO_FILE
  <split>/state.json                  data files, fingerprint, split           STATE_FILE
```

`state.json` is private to `datasets` (its keys start with `_`), and `datasets` has no public
call that writes one without re-writing the data (`Dataset.save_to_disk` copies every row).
So this module holds the one writer (`state_text`: the bytes `save_to_disk` writes) and the
one reader (`saved_split_files`) of these files; tests/test_canonical_folder.py checks them
against what `datasets` itself writes and reads.

Split names of a folder of data files follow the `datasets` conventions (`split_of`); the
role of a split (train or held-out) is read from its name by the same keywords (`split_role`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from prefdata._errors import SourceError

MANIFEST_FILE = "prefdata.json"
REJECTS_FILE = "rejects.jsonl"
DATA_FILE = "data-00000-of-00001.arrow"
DATASET_DICT_FILE = "dataset_dict.json"
INFO_FILE = "dataset_info.json"
STATE_FILE = "state.json"
# Files beside the data in a convert output or a `datasets` folder: never data of a split.
SIDE_FILES = frozenset({MANIFEST_FILE, REJECTS_FILE, DATASET_DICT_FILE, INFO_FILE, STATE_FILE})

TRAIN_SPLIT = "train"
EVAL_SPLITS = ("test", "validation")  # the held-out split to evaluate on, in order of preference

# ---------------------------------------------------------------- split names

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
# "." separates too, so a file name's extension is a token of its own (no data extension is a keyword)
_SEPARATORS = re.compile(r"[-._ 0-9]+")
_ORDER = {"train": 0, "validation": 1, "test": 2}


def split_of(relative: Path) -> str | None:
    """The split a data file's path (relative to its folder) names, or None when it names none.

    | file                                       | split                                   |
    | ------------------------------------------ | --------------------------------------- |
    | `data/train_prefs-00000-of-00002.parquet`  | `train_prefs` (any name before `-NNNNN-of-NNNNN`) |
    | `test/part1.jsonl`                         | `test` (a directory named by a keyword) |
    | `train.jsonl`, `my-dev.csv`, `eval_0.json` | `train`, `validation`, `test` (a keyword in the name) |

    Keywords: train/training, validation/valid/dev/val, test/testing/eval/evaluation, as whole
    words (`contest.jsonl` names no split)."""
    if match := _SHARDED.match(relative.name):
        return match["split"]
    for directory in relative.parts[:-1]:
        if split := split_role(directory):
            return split
    return split_role(relative.name)


def split_role(name: str) -> str | None:
    """`train`, `validation` or `test` when a keyword of `name` says so (`test_prefs` is `test`), else None."""
    for token in _SEPARATORS.split(name.lower()):
        if token in _KEYWORDS:
            return _KEYWORDS[token]
    return None


def group_by_split(files: list[Path], folder: Path) -> dict[str, list[Path]]:
    """Data files of `folder` by the split their paths name, splits in train/validation/test order.

    Files that name no split are all one `train` split; some naming one and some none is an error."""
    named = {path: split_of(path.relative_to(folder)) for path in files}
    unnamed = [path for path, split in named.items() if split is None]
    if len(unnamed) == len(files):
        return {TRAIN_SPLIT: files} if files else {}
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


# ---------------------------------------------------------------- save_to_disk files


def dataset_dict_text(splits: list[str]) -> str:
    """`dataset_dict.json` listing `splits` in order, as `DatasetDict.save_to_disk` writes it."""
    return json.dumps({"splits": splits})


def info_text(features: dict) -> str:
    """A split's `dataset_info.json` holding `features`, as `Dataset.save_to_disk` writes it."""
    info = {"citation": "", "description": "", "features": features, "homepage": "", "license": ""}
    return json.dumps(info, indent=2)


def state_text(fingerprint: str) -> str:
    """A split's `state.json` for one `DATA_FILE`, byte for byte as `Dataset.save_to_disk` writes it."""
    state: dict[str, object] = {
        "_data_files": [{"filename": DATA_FILE}],
        "_fingerprint": fingerprint,
        "_format_columns": None,
        "_format_kwargs": {},
        "_format_type": None,
        "_output_all_columns": False,
        "_split": None,
    }
    return json.dumps(state, indent=2, sort_keys=True)


def is_saved_dataset(folder: Path) -> bool:
    """True when `folder` looks like a `save_to_disk` folder (a DatasetDict or one Dataset)."""
    return (folder / DATASET_DICT_FILE).is_file() or (folder / STATE_FILE).is_file()


def saved_split_files(folder: Path) -> dict[str, list[Path]]:
    """Split name -> its Arrow files in order, for a `save_to_disk` folder.

    | folder content                                  | read as                           |
    | ----------------------------------------------- | --------------------------------- |
    | `dataset_dict.json` + one folder per split      | the splits it lists, in order     |
    | `state.json` + `dataset_info.json` + `*.arrow`  | one split (`_split`, else train)  |

    A split or data file named outside `folder` (`../elsewhere/train`, a symlink) is refused."""
    listed = folder / DATASET_DICT_FILE
    if listed.is_file():
        names = _read_json(listed).get("splits")
        if not isinstance(names, list) or not names:
            raise SourceError(f"{DATASET_DICT_FILE} lists no splits", where=str(folder))
        return {str(name): _split_state(_inside(folder, str(name), listed))[1] for name in names}
    split, files = _split_state(folder)
    return {split: files}


def _split_state(folder: Path) -> tuple[str, list[Path]]:
    """The split name and data files a split folder's `state.json` records."""
    state_path = folder / STATE_FILE
    if not state_path.is_file():
        listed = folder.parent / DATASET_DICT_FILE
        gone = listed.is_file() and not folder.exists()
        raise SourceError(
            f"split folder {folder.name!r} is missing (removed after the dataset was saved?)"
            if gone
            else f"missing {STATE_FILE}: not a `save_to_disk` dataset folder",
            where=str(folder),
            fix=f"restore the split folder, or write the dataset again (the split is listed in {listed})"
            if gone
            else "pass a folder written by `save_to_disk` or `prefdata convert`, or a data file",
        )
    state = _read_json(state_path)
    entries = state.get("_data_files") or []
    files = [_inside(folder, str(_filename(entry)), state_path) for entry in entries]
    missing = [path.name for path in files if not path.is_file()]
    if missing or not files:
        raise SourceError(f"data files missing: {', '.join(missing) or 'none listed'}", where=str(state_path))
    return str(state.get("_split") or TRAIN_SPLIT), files


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

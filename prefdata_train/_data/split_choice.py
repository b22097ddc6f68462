"""Which split of a canonical folder trains and which evaluates: chosen here, and only here.

| role     | split chosen                                          | used by                        |
| -------- | ----------------------------------------------------- | ------------------------------ |
| training | `train`, else the folder's only split, whatever name  | `fit`, `RewardTrainer(path)`   |
| held out | `test`, else `validation`, else none                  | `fit`, `evaluate`, the trainer |

The trainer also accepts the path of a folder as `train_dataset`/`eval_dataset`; it resolves
them with the same rules (`resolve_train`, `resolve_eval`).
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from datasets import Dataset, DatasetDict

from prefdata._canonical_folder import EVAL_SPLITS, MANIFEST_FILE, REJECTS_FILE, TRAIN_SPLIT
from prefdata._errors import SourceError
from prefdata_train._data.canonical_reader import load_canonical, pair_shape

logger = logging.getLogger(__name__)


def train_split_name(data: DatasetDict, where: str) -> str:
    """The split to train on: `train`, else the only split (a single converted file), else an error."""
    if TRAIN_SPLIT in data:
        return TRAIN_SPLIT
    if len(data) == 1:
        return next(iter(data))
    raise SourceError(
        f"no `{TRAIN_SPLIT}` split and several others ({', '.join(data)})",
        where=where,
        fix=f"name the split to train on `{TRAIN_SPLIT}` when converting, or pass it to the trainer "
        "as a Dataset: load_from_disk(path)[name]",
    )


def eval_split_name(data: DatasetDict) -> str | None:
    """The held-out split to evaluate on: `test`, else `validation`, else None."""
    return next((name for name in EVAL_SPLITS if name in data), None)


def select_split(data: DatasetDict, name: str, where: str) -> Dataset:
    """Return split `name`, or raise an error naming the splits there are."""
    if name not in data:
        raise SourceError(
            f"no split `{name}`; the folder has {', '.join(data) or 'no splits'}",
            where=where,
            fix="choose one of those with `--split`",
        )
    return data[name]


def training_splits(data_dir: str | os.PathLike[str]) -> tuple[str, Dataset, str | None, Dataset | None]:
    """`(train name, train split, held-out name, held-out split)` of a canonical folder.

    An empty train split is an error that says why it is empty.
    """
    data = load_canonical(data_dir)
    train_name = train_split_name(data, str(data_dir))
    train = data[train_name]
    pair_shape(train, f"{data_dir} [{train_name}]")
    if len(train) == 0:
        raise SourceError(
            f"split `{train_name}` has no pairs to train on{_conversion_drops(data_dir, train_name)}",
            where=str(data_dir),
            fix=f"{REJECTS_FILE} beside the data gives each dropped row's reason; "
            "training needs at least one pair with a preference",
        )
    eval_name = eval_split_name(data)
    if eval_name is None or eval_name == train_name:
        return train_name, train, None, None
    return train_name, train, eval_name, data[eval_name]


def _conversion_drops(data_dir: str | os.PathLike[str], split: str) -> str:
    """`; prefdata convert dropped all N rows (reason: n)` from the manifest, or '' without one."""
    try:
        info = json.loads((Path(data_dir) / MANIFEST_FILE).read_text(encoding="utf-8"))["splits"][split]
        reasons = ", ".join(f"{reason}: {n}" for reason, n in info["dropped"].items())
        total = sum(info["dropped"].values())
        return f"; `prefdata convert` dropped {total} of its {info['rows_in']} input rows ({reasons})"
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return ""


def resolve_train(dataset: Any) -> Any:
    """`dataset` itself, or the training split of the canonical folder it names."""
    if not isinstance(dataset, (str, os.PathLike)):
        return dataset
    data = _load(dataset)
    return data[train_split_name(data, str(dataset))]


def resolve_eval(dataset: Any) -> Any:
    """`dataset` itself, or the held-out split (`test`, else `validation`) of the folder it names."""
    if not isinstance(dataset, (str, os.PathLike)):
        return dataset
    data = _load(dataset)
    name = eval_split_name(data)
    if name is None:
        raise SourceError(
            f"no `test` or `validation` split; the folder has {', '.join(data)}",
            where=str(dataset),
            fix="pass the split to evaluate on as a Dataset: load_from_disk(path)[name]",
        )
    return data[name]


def _load(path: str | os.PathLike) -> Any:
    if not (Path(path) / MANIFEST_FILE).is_file():
        # Any save_to_disk folder works; the manifest only proves it went through `prefdata convert`.
        logger.warning("%s has no %s: reading it as a plain save_to_disk folder", path, MANIFEST_FILE)
    return load_canonical(path)

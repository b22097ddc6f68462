"""Datasets given to the trainer as the path of a prefdata canonical folder.

| argument        | split used                                            |
| --------------- | ----------------------------------------------------- |
| `train_dataset` | `train`, else the folder's only split                 |
| `eval_dataset`  | `test`, else `validation`                             |
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from prefdata.errors import SourceError
from prefdata_train.canonical import eval_split_name, load_canonical

logger = logging.getLogger(__name__)


def resolve_train(dataset: Any) -> Any:
    """`dataset` itself, or the training split of the canonical folder it names."""
    if not isinstance(dataset, (str, os.PathLike)):
        return dataset
    data = _load(dataset)
    if "train" in data:
        return data["train"]
    if len(data) == 1:
        return next(iter(data.values()))
    raise SourceError(
        f"no `train` split and several others ({', '.join(data)})",
        where=str(dataset),
        fix="pass the split to train on as a Dataset: load_from_disk(path)[name]",
    )


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
    if not (Path(path) / "prefdata.json").is_file():
        # Any save_to_disk folder works; the manifest only proves it went through `prefdata convert`.
        logger.warning("%s has no prefdata.json: reading it as a plain save_to_disk folder", path)
    return load_canonical(path)

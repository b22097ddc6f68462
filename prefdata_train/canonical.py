"""Reading a canonical preference folder (what `prefdata convert` writes) for training and scoring.

The folder is a `datasets.DatasetDict` saved with `save_to_disk`. Its pairs come in one of
TRL's four shapes:

| shape                      | `prompt`          | `chosen` / `rejected`          |
| -------------------------- | ----------------- | ------------------------------ |
| standard, explicit prompt  | str               | str                            |
| standard, implicit prompt  | (absent)          | str                            |
| conversational, explicit   | list of messages  | list of messages               |
| conversational, implicit   | (absent)          | list of messages               |
"""

from __future__ import annotations

import json
import os
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from datasets import Dataset, DatasetDict, LargeList, List, Sequence, Value, load_from_disk

from prefdata.errors import SourceError

PAIR_COLUMNS = ("prompt", "chosen", "rejected")
EVAL_SPLITS = ("test", "validation")
MANIFEST = "prefdata.json"


def load_canonical(data_dir: str | os.PathLike[str]) -> DatasetDict:
    """Load a canonical folder; a folder holding a single `Dataset` becomes split `train`."""
    path = Path(data_dir)
    fix = "pass the output folder of `prefdata convert`"
    if path.is_file():
        raise SourceError(
            "is a file; prefdata-train reads a folder written by `prefdata convert`",
            where=str(path),
            fix=f"convert it first: {convert_command(path)}, then pass that folder",
        )
    if not path.is_dir():
        raise SourceError("data folder does not exist", where=str(path), fix=fix)
    try:
        data = load_from_disk(str(path))
    except (FileNotFoundError, ValueError) as exc:
        raise SourceError(
            f"not a dataset saved with `save_to_disk` ({exc})", where=str(path), fix=fix
        ) from None
    except OSError as exc:  # a data file cut short or damaged: Arrow cannot map it
        raise SourceError(
            f"cannot read the dataset, a data file is damaged or incomplete ({exc})",
            where=str(path),
            fix="convert the source again with `prefdata convert ... --overwrite`",
        ) from None
    return data if isinstance(data, DatasetDict) else DatasetDict({"train": data})


def convert_command(source: Path) -> str:
    """The `prefdata convert` command that turns the raw file `source` into a folder here."""
    target = f"{source.name.split('.')[0] or 'data'}-converted"
    return f"prefdata convert {shlex.quote(str(source))} {shlex.quote(target)}"


def training_splits(data_dir: str | os.PathLike[str]) -> tuple[str, Dataset, str | None, Dataset | None]:
    """`(train name, train split, held-out name, held-out split)` of a canonical folder.

    The train split is `train`, or the folder's only split; the held-out one is `test`, else
    `validation`, else none. An empty train split is an error that says why it is empty.
    """
    data = load_canonical(data_dir)
    # A folder of one split (a single converted file) trains on it, whatever its name.
    train_name = next(iter(data)) if len(data) == 1 else "train"
    train = select_split(data, train_name, str(data_dir))
    pair_shape(train, f"{data_dir} [{train_name}]")
    if len(train) == 0:
        raise SourceError(
            f"split `{train_name}` has no pairs to train on{_conversion_drops(data_dir, train_name)}",
            where=str(data_dir),
            fix="rejects.jsonl beside the data gives each dropped row's reason; "
            "training needs at least one pair with a preference",
        )
    eval_name = eval_split_name(data)
    if eval_name is None or eval_name == train_name:
        return train_name, train, None, None
    return train_name, train, eval_name, data[eval_name]


def _conversion_drops(data_dir: str | os.PathLike[str], split: str) -> str:
    """`; prefdata convert dropped all N rows (reason: n)` from the manifest, or '' without one."""
    try:
        info = json.loads((Path(data_dir) / MANIFEST).read_text(encoding="utf-8"))["splits"][split]
        reasons = ", ".join(f"{reason}: {n}" for reason, n in info["dropped"].items())
        total = sum(info["dropped"].values())
        return f"; `prefdata convert` dropped {total} of its {info['rows_in']} input rows ({reasons})"
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return ""


def select_split(data: DatasetDict, name: str, where: str) -> Dataset:
    """Return split `name`, or raise an error naming the splits there are."""
    if name not in data:
        raise SourceError(
            f"no split `{name}`; the folder has {', '.join(data) or 'no splits'}",
            where=where,
            fix="choose one of those with `--split`",
        )
    return data[name]


def eval_split_name(data: DatasetDict) -> str | None:
    """The held-out split to evaluate on: `test`, else `validation`, else None."""
    return next((name for name in EVAL_SPLITS if name in data), None)


def _column_kind(feature: Any) -> str:
    """`text` for a string column, `messages` for a list of role/content structs, else `other`."""
    if isinstance(feature, Value) and feature.dtype in ("string", "large_string"):
        return "text"
    inner = getattr(feature, "feature", None) if isinstance(feature, (List, LargeList, Sequence)) else None
    if isinstance(inner, dict) and {"role", "content"} <= set(inner):
        return "messages"
    return "other"


def pair_shape(dataset: Dataset, where: str) -> str:
    """Return `standard` or `conversational`, or raise when the columns fit none of the four shapes."""
    missing = [name for name in ("chosen", "rejected") if name not in dataset.column_names]
    if missing:
        raise SourceError(
            f"missing column(s) {', '.join(missing)}; found {', '.join(dataset.column_names)}",
            where=where,
            fix="convert the data with `prefdata convert` first",
        )
    present = [name for name in PAIR_COLUMNS if name in dataset.column_names]
    kinds = {name: _column_kind(dataset.features[name]) for name in present}
    if len(set(kinds.values())) != 1 or "other" in kinds.values():
        found = ", ".join(f"{name}: {kind}" for name, kind in kinds.items())
        raise SourceError(
            f"columns must be all strings or all message lists; found {found}",
            where=where,
            fix="convert the data with `prefdata convert` first",
        )
    return "standard" if kinds["chosen"] == "text" else "conversational"


def strings_of(value: Any) -> Iterator[str]:
    """Every string inside a value: a text, or the contents of messages and tool calls."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_of(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_of(item)


def pair_texts(data: DatasetDict) -> Iterator[str]:
    """All string content of the prompt/chosen/rejected columns of every split, messages included."""
    for split in data.values():
        for name in PAIR_COLUMNS:
            if name in split.column_names:
                for value in split[name]:
                    yield from strings_of(value)

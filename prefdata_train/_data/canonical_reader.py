"""Reading a canonical preference folder (what `prefdata convert` writes): its pairs, shape and texts.

Which split trains and which evaluates is `split_choice`'s business.

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

import os
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from datasets import Dataset, DatasetDict, LargeList, List, Sequence, Value, load_from_disk

from prefdata._canonical_folder import TRAIN_SPLIT
from prefdata._errors import SourceError

PAIR_COLUMNS = ("prompt", "chosen", "rejected")


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
    return data if isinstance(data, DatasetDict) else DatasetDict({TRAIN_SPLIT: data})


def convert_command(source: Path) -> str:
    """The `prefdata convert` command that turns the raw file `source` into a folder here."""
    target = f"{source.name.split('.')[0] or 'data'}-converted"
    return f"prefdata convert {shlex.quote(str(source))} {shlex.quote(target)}"


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

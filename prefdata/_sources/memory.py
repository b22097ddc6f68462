"""Reading in-memory `datasets` objects and Hub datasets (streamed through `datasets`).

| object                                   | splits                        | rows known |
| ---------------------------------------- | ----------------------------- | ---------- |
| `Dataset`                                | one, named by `.split` or train | yes      |
| `DatasetDict`                            | its keys                      | yes        |
| `IterableDataset` / `IterableDatasetDict` | the same                      | no         |
| Hub id "org/name"                        | `load_dataset(..., streaming=True)` | no   |
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any, TypeAlias

import datasets
import orjson

from prefdata._errors import SourceError
from prefdata._sources.files import plain_numbers
from prefdata._sources.source import SplitSource, rebatch

DatasetLike: TypeAlias = datasets.Dataset | datasets.IterableDataset
DatasetDictLike: TypeAlias = datasets.DatasetDict | datasets.IterableDatasetDict


def is_in_memory(source: object) -> bool:
    """True for the `datasets` objects this module reads."""
    return isinstance(
        source,
        (datasets.Dataset, datasets.IterableDataset, datasets.DatasetDict, datasets.IterableDatasetDict),
    )


def in_memory_splits(source: DatasetLike | DatasetDictLike, origin: str) -> dict[str, SplitSource]:
    """One SplitSource per split of an in-memory dataset or dataset dict."""
    if isinstance(source, (datasets.DatasetDict, datasets.IterableDatasetDict)):
        return {str(name): dataset_split(str(name), dataset, origin) for name, dataset in source.items()}
    name = str(source.split) if source.split is not None else "train"
    return {name: dataset_split(name, source, origin)}


def dataset_split(name: str, dataset: DatasetLike, origin: str) -> SplitSource:
    """A SplitSource reading a Dataset (Arrow batches) or an IterableDataset (streamed rows)."""
    if isinstance(dataset, datasets.Dataset):

        def read(batch_size: int) -> Iterator[list[dict]]:
            # The arrow format applies any indices mapping (select, shuffle) in order.
            for table in dataset.with_format("arrow").iter(batch_size):
                yield plain_numbers(table).to_pylist()

        return SplitSource(name=name, origin=origin, num_rows=len(dataset), read=read)

    def stream(batch_size: int) -> Iterator[list[dict]]:
        return rebatch(iter(dataset), batch_size)

    return SplitSource(name=name, origin=origin, num_rows=None, read=stream)


def in_memory_fingerprint(source: DatasetLike | DatasetDictLike, splits: dict[str, SplitSource]) -> str:
    """A digest of each split's `datasets` fingerprint, or of its first 100 rows when it has none.

    An IterableDataset has no fingerprint: digesting its first rows is a best effort that
    notices a change at the start of the data only.
    """
    parts: list[Any] = []
    for name in splits:
        dataset = source[name] if isinstance(source, dict) else source
        fingerprint = getattr(dataset, "_fingerprint", None)
        parts.append([name, fingerprint if fingerprint else splits[name].sample(100)])
    data = orjson.dumps(parts, option=orjson.OPT_SORT_KEYS | orjson.OPT_SERIALIZE_NUMPY, default=str)
    return hashlib.sha256(data).hexdigest()


def _load_with_datasets(
    path_or_id: str, subset: str | None, split: str | None
) -> DatasetLike | DatasetDictLike:
    """Stream a dataset through `datasets.load_dataset` (a Hub id, or a local data folder in tests)."""
    try:
        return datasets.load_dataset(path_or_id, name=subset, split=split, streaming=True)
    except (
        ValueError,
        FileNotFoundError,
        ConnectionError,
        OSError,
        datasets.exceptions.DatasetNotFoundError,
    ) as exc:
        raise SourceError(
            f"cannot load dataset {path_or_id!r} with `datasets` ({type(exc).__name__}: {exc})",
            where=f"hub:{path_or_id}",
            fix="check the id, --subset and --split, and that you are online (and logged in if it is gated)",
        ) from None

"""Where the results of preparing a dataset go: the datasets cache, never the input's own folder.

Left to itself, `datasets` writes the result of `map` (and the index of `select`) beside the
Arrow files of the dataset it transforms: for a dataset read with `load_from_disk`, that is the
user's converted folder, which is input and must stay as it was. Each preparation step here
names its result by a fingerprint of the input and the step instead, and writes it under
`<datasets cache>/prefdata_train/` (the datasets cache is `HF_DATASETS_CACHE`, default
`~/.cache/huggingface/datasets`), so a later run on the same data still loads it from there.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import datasets
from datasets import Dataset

CACHE_FOLDER = "prefdata_train"


def cache_folder() -> Path:
    """The folder that holds prepared datasets (created on first use)."""
    folder = Path(datasets.config.HF_DATASETS_CACHE) / CACHE_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def step_fingerprint(dataset: Dataset, step: str, *params: Any) -> str:
    """A name for the result of `step` with `params` on `dataset`: it changes when any of them does."""
    digest = hashlib.sha256()
    for part in (dataset._fingerprint, step, *map(repr, params)):
        digest.update(str(part).encode("utf-8") + b"\0")
    return digest.hexdigest()[:32]


def map_kwargs(dataset: Any, step: str, *params: Any, fingerprint: str | None = None) -> dict[str, Any]:
    """Keyword arguments of `dataset.map` that name its result and keep it out of the input's folder.

    `fingerprint` names the result when the caller has one (else `step_fingerprint`). A stream,
    or a dataset held in memory (no cache files), is transformed in memory as before.
    """
    if not isinstance(dataset, Dataset):
        return {}
    fingerprint = fingerprint or step_fingerprint(dataset, step, *params)
    if not dataset.cache_files:
        return {"new_fingerprint": fingerprint}
    return {
        "new_fingerprint": fingerprint,
        "cache_file_name": str(cache_folder() / f"cache-{fingerprint}.arrow"),
    }


def select_rows(dataset: Dataset, keep: list[int]) -> Dataset:
    """`dataset.select(keep)` with its small index mapping kept in memory, not written beside the data."""
    return dataset if len(keep) == len(dataset) else dataset.select(keep, keep_in_memory=True)

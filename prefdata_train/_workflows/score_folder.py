"""Scoring every pair of a canonical folder and writing the rewards: what `prefdata-train score` runs.

The output has one row per input pair:

| column            | meaning                                                         |
| ----------------- | --------------------------------------------------------------- |
| `split`           | the input split                                                 |
| `row`             | 0-based row of the pair in that split                           |
| `source_row`      | the input's `source_row` (row in the original source), if any   |
| `chosen_reward`   | reward of prompt + chosen                                       |
| `rejected_reward` | reward of prompt + rejected                                     |

The format follows OUT's extension: `.jsonl`/`.json` (JSON lines), `.parquet`, otherwise a
`save_to_disk` folder.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from datasets import Dataset, concatenate_datasets
from pydantic import BaseModel, Field

from prefdata._canonical_folder import STATE_FILE
from prefdata._errors import OutputError
from prefdata_train._data.canonical_reader import load_canonical, pair_shape
from prefdata_train._data.split_choice import select_split
from prefdata_train._modeling.pair_scoring import score_pairs


class ScoreResult(BaseModel):
    """Where the rewards went and how many pairs each split gave."""

    path: str
    format: str = Field(description="`jsonl`, `parquet` or `save_to_disk`.")
    rows: dict[str, int]


def output_format(out: Path) -> str:
    """`jsonl`, `parquet` or `save_to_disk`, from the extension of `out`."""
    suffix = out.suffix.lower()
    if suffix in (".jsonl", ".json"):
        return "jsonl"
    return "parquet" if suffix == ".parquet" else "save_to_disk"


def rewards_table(
    dataset: Dataset, split: str, chosen: Sequence[float], rejected: Sequence[float]
) -> Dataset:
    """One row per pair of `dataset`: split, row, source_row (when present) and both rewards."""
    columns: dict[str, list] = {"split": [split] * len(dataset), "row": list(range(len(dataset)))}
    if "source_row" in dataset.column_names:
        columns["source_row"] = dataset["source_row"]
    columns["chosen_reward"], columns["rejected_reward"] = list(chosen), list(rejected)
    return Dataset.from_dict(columns)


def check_output(out: Path, overwrite: bool) -> None:
    """Refuse an existing `out` unless `overwrite`, and anything `overwrite` must not replace.

    Replaceable: a file for `.jsonl`/`.parquet`, a `save_to_disk` folder (or an empty one) otherwise.
    """
    if out.is_symlink():
        raise OutputError("output path is a symlink", where=str(out), fix="pass the real path")
    if not out.exists():
        return
    fmt = output_format(out)
    if fmt == "save_to_disk" and out.is_dir() and not any(out.iterdir()):
        return
    wanted = "folder" if fmt == "save_to_disk" else "file"
    if out.is_dir() != (fmt == "save_to_disk"):
        raise OutputError(
            f"output path exists and is not a {wanted}", where=str(out), fix="choose another path"
        )
    if not overwrite:
        raise OutputError(
            f"output {wanted} already exists", where=str(out), fix="pass --overwrite to replace it"
        )
    if fmt == "save_to_disk" and not (out / STATE_FILE).is_file():
        raise OutputError(
            "output folder exists and is not a saved dataset",
            where=str(out),
            fix="choose another path; only a folder of earlier scores is replaced",
        )


def write_rewards(table: Dataset, out: Path, overwrite: bool = False) -> str:
    """Write `table` to `out` in the format its extension names; return that format.

    The file or folder is written beside `out` and moved into place when complete, so a failed
    run leaves no half-written output and, with `overwrite`, the old one intact.
    """
    check_output(out, overwrite)
    fmt = output_format(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.with_name(f".{out.name}.partial-{os.getpid()}")
    try:
        if fmt == "jsonl":
            table.to_json(str(staging), lines=True)
        elif fmt == "parquet":
            table.to_parquet(str(staging))
        else:
            table.save_to_disk(str(staging))
        if out.is_dir():
            shutil.rmtree(out)
        os.replace(staging, out)
    finally:
        if staging.is_dir():
            shutil.rmtree(staging, ignore_errors=True)
        elif staging.exists():
            staging.unlink()
    return fmt


def score_folder(
    model_path: str | Path,
    data_dir: str | Path,
    out: str | Path,
    *,
    splits: Sequence[str] = (),
    batch_size: int = 16,
    max_length: int | None = None,
    overwrite: bool = False,
    progress: bool = False,
) -> ScoreResult:
    """Score every pair of the chosen splits (default: all) of `data_dir` and write the rewards to `out`.

    An existing `out` is refused (before any scoring) unless `overwrite`. With `progress`, a
    progress bar on stderr counts the responses scored.
    """
    from prefdata_train._modeling.model_loading import load_reward_model

    check_output(Path(out), overwrite)
    data = load_canonical(data_dir)
    names = list(splits) or list(data)
    datasets = {name: select_split(data, name, str(data_dir)) for name in names}
    for name, dataset in datasets.items():
        pair_shape(dataset, f"{data_dir} [{name}]")
    model, tokenizer = load_reward_model(model_path)
    tables = []
    for name, dataset in datasets.items():
        chosen, rejected = score_pairs(
            model,
            tokenizer,
            dataset,
            batch_size=batch_size,
            max_length=max_length,
            progress=progress,
            desc=f"Scoring {name}",
        )
        tables.append(rewards_table(dataset, name, chosen, rejected))
    # A split without `source_row` (when others have it) drops the column for all.
    shared = set.intersection(*(set(t.column_names) for t in tables))
    tables = [t.select_columns([c for c in t.column_names if c in shared]) for t in tables]
    fmt = write_rewards(concatenate_datasets(tables), Path(out), overwrite)
    return ScoreResult(path=str(out), format=fmt, rows={name: len(ds) for name, ds in datasets.items()})

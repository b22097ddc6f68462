"""Reading an evaluation set: a canonical folder, or a raw file of one of four shapes.

| input                           | read how                                                        |
| ------------------------------- | --------------------------------------------------------------- |
| folder with `prefdata.json`     | its pairs, every scalar column kept (for `--by`)                |
| raw pairs (any layout)          | `prefdata.convert` in memory; scalar raw columns joined back by |
| (with `subset`: RewardBench)    | the output's `source_row`; convert's drops counted              |
| raw best-of-N / style lists     | rows read with prefdata's source reader (see `list_items`)      |

Identical chosen and rejected texts are kept (not dropped as `prefdata convert` does by
default): the benchmarks score such a pair, as a tie, which counts as wrong.

An `EvalSet` holds, per item, its prompt and its completions, chosen ones first. See
`eval_shapes` for how the shape and benchmark are told apart.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prefdata._canonical_folder import EVAL_SPLITS, MANIFEST_FILE
from prefdata._errors import PrefdataError, SourceError
from prefdata._sources import open_source
from prefdata_train._data.canonical_reader import load_canonical, pair_shape
from prefdata_train._evaluation.eval_shapes import check_benchmark, completion_kind, detect_shape
from prefdata_train._evaluation.list_items import LIST_COLUMNS, REASONS, list_items
from prefdata_train._evaluation.rewardbench import is_rewardbench_subset

SCALAR = (str, int, float, bool)


@dataclass
class EvalSet:
    """Items to score: each a prompt with completions (chosen first), and per-item scalar columns."""

    shape: str  # pairs, subset-pairs, best-of-n or style-lists
    benchmark: str | None  # rewardbench, rewardbench-2, rm-bench or None
    prompts: list[Any]  # str, list of messages, or None (implicit prompt)
    completions: list[list[Any]]  # per item: its chosen completions, then its rejected ones
    n_chosen: list[int]
    columns: dict[str, list[Any]]  # per-item scalar columns (subset, domain, source, ...) for --by
    rows: list[int]  # row of each item in its split (file)
    split: str | None
    dropped: dict[str, int] = field(default_factory=dict)  # rows not read, per reason
    where: str = ""

    def __len__(self) -> int:
        return len(self.completions)


def read_eval_set(
    path: str | os.PathLike[str], *, benchmark: str | None = None, split: str | None = None
) -> EvalSet:
    """Read an evaluation set, detecting its shape and benchmark (`benchmark` overrides and is checked).

    `split` defaults to the only split, else `test`, else `validation`.
    """
    folder = Path(path)
    if folder.is_dir() and (folder / MANIFEST_FILE).is_file():
        eval_set = _read_canonical(folder, benchmark, split)
    else:
        eval_set = _read_raw(path, benchmark, split)
    if not eval_set.completions:
        drops = (
            ", ".join(
                f"{n} {reason}" + (f" ({REASONS[reason]})" if reason in REASONS else "")
                for reason, n in eval_set.dropped.items()
            )
            or "none"
        )
        raise PrefdataError(
            f"no items to evaluate in split `{eval_set.split}` (dropped: {drops})",
            where=eval_set.where,
            fix="check the data, or pick another split with --split",
        )
    return eval_set


def pick_split(names: list[str], split: str | None, where: str) -> str:
    """`split` if given (must exist), else the only split, else `test`, else `validation`."""
    if split is not None:
        if split not in names:
            raise SourceError(f"no split `{split}`; found {', '.join(names)}", where=where, fix="fix --split")
        return split
    if len(names) == 1:
        return names[0]
    for name in EVAL_SPLITS:
        if name in names:
            return name
    raise SourceError(
        f"several splits ({', '.join(names)}) and no `test` or `validation`",
        where=where,
        fix="choose one with --split",
    )


def scalar_columns(rows: list[dict[str, Any]], skip: tuple[str, ...] = LIST_COLUMNS) -> dict[str, list[Any]]:
    """Every column whose values are all scalars or null, as lists aligned with `rows`."""
    names = dict.fromkeys(name for row in rows for name in row if name not in skip)
    return {
        name: [row.get(name) for row in rows]
        for name in names
        if all(row.get(name) is None or isinstance(row.get(name), SCALAR) for row in rows)
    }


def check_margins(values: list[Any], rows: list[int], where: str) -> None:
    """A `margin` column (grouped into quantile buckets) holds finite numbers or nulls, nothing else.

    Canonical and converted pairs have this checked by `prefdata convert`; a list-shaped file's
    column is read as it is, and text, a boolean or NaN in it would break or skew the buckets.
    """
    for value, row in zip(values, rows, strict=True):
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if value is not None and not (number and math.isfinite(value)):
            raise PrefdataError(
                f"column `margin` holds {value!r} in row {row}; a margin is a finite number (or null)",
                where=where,
                fix="fix or blank that value, or rename the column if it is not a preference margin",
            )


def _shape(benchmark: str | None, columns: list[str], kind: str, where: str) -> tuple[str, str | None]:
    if benchmark is None:
        return detect_shape(columns, kind, where)
    return check_benchmark(benchmark, columns, kind, where), benchmark


def _read_canonical(folder: Path, benchmark: str | None, split: str | None) -> EvalSet:
    data = load_canonical(folder)
    name = pick_split(list(data), split, str(folder))
    where = f"{folder} [{name}]"
    table = data[name]
    pair_shape(table, where)
    shape, detected = _shape(benchmark, list(table.column_names), "single", where)
    rows = table.to_list()
    eval_set = _pairs_set(rows, list(range(len(rows))), {}, shape, name, where)
    eval_set.benchmark = _pairs_benchmark(eval_set, detected, benchmark is not None)
    return eval_set


def _read_raw(path: Any, benchmark: str | None, split: str | None) -> EvalSet:
    source = open_source(path)
    name = pick_split(list(source.splits), split, source.description)
    where = f"{source.description} [{name}]"
    rows = [row for batch in source.splits[name].iter_batches() for row in batch]
    columns = list(dict.fromkeys(key for row in rows for key in row))
    shape, detected = _shape(benchmark, columns, completion_kind([row.get("chosen") for row in rows]), where)
    if shape in ("pairs", "subset-pairs"):
        eval_set = _converted_pairs(path, name, rows, shape, where)
        eval_set.benchmark = _pairs_benchmark(eval_set, detected, benchmark is not None)
        return eval_set
    items = list_items(rows, shape, where)
    scalars = scalar_columns([rows[i] for i in items.rows])
    if "margin" in scalars:
        check_margins(scalars["margin"], items.rows, where)
    return EvalSet(
        shape=shape,
        benchmark=detected,
        prompts=items.prompts,
        completions=items.completions,
        n_chosen=items.n_chosen,
        columns=scalars,
        rows=items.rows,
        split=name,
        dropped=dict(sorted(items.dropped.items())),
        where=where,
    )


def _pairs_benchmark(eval_set: EvalSet, benchmark: str | None, explicit: bool) -> str | None:
    """`rewardbench` only when some subset is RewardBench's; asked for explicitly, anything else is an error."""
    if benchmark != "rewardbench" or any(
        is_rewardbench_subset(s) for s in eval_set.columns.get("subset", [])
    ):
        return benchmark
    if explicit:
        seen = sorted({str(s) for s in eval_set.columns.get("subset", [])})
        raise PrefdataError(
            "--benchmark rewardbench: column `subset` holds none of RewardBench's subsets "
            f"(seen: {', '.join(seen[:5]) or 'no values'})",
            where=eval_set.where,
            fix="leave --benchmark out to evaluate the pairs (group them with --by subset)",
        )
    return None


def _pairs_set(
    out: list[dict[str, Any]],
    source_rows: list[int],
    extra: dict[str, list[Any]],
    shape: str,
    split: str,
    where: str,
) -> EvalSet:
    """Pairs from canonical rows; `extra` columns (aligned with `out`) fill in names `out` lacks."""
    columns = scalar_columns(out)
    for name, values in extra.items():
        columns.setdefault(name, values)
    return EvalSet(
        shape=shape,
        benchmark=None,
        prompts=[row.get("prompt") for row in out],
        completions=[[row["chosen"], row["rejected"]] for row in out],
        n_chosen=[1] * len(out),
        columns=columns,
        rows=source_rows,
        split=split,
        where=where,
    )


def _converted_pairs(path: Any, split: str, raw: list[dict[str, Any]], shape: str, where: str) -> EvalSet:
    """Convert the split in memory and join the raw scalar columns back by `source_row`."""
    from prefdata import ConvertOptions, convert  # heavy: only pair files need the converter

    result = convert(path, None, split=split, options=ConvertOptions(identical="keep"))
    table = result.dataset[split]
    out = table.to_list()
    source_rows = [row.get("source_row", index) for index, row in enumerate(out)]
    extra = {name: [values[r] for r in source_rows] for name, values in scalar_columns(raw).items()}
    eval_set = _pairs_set(out, source_rows, extra, shape, split, where)
    eval_set.dropped = dict(sorted(Counter(r.reason for r in result.rejects if r.split == split).items()))
    return eval_set

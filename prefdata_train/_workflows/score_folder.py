"""Scoring every completion of an evaluation set and writing the rewards: what `prefdata-train score` runs.

The input is anything `prefdata-train evaluate` reads. The output has one row per item (a
pair, or a prompt with lists of completions):

| column                                 | meaning                                                   |
| -------------------------------------- | --------------------------------------------------------- |
| `split`                                | the input split                                           |
| `row`                                  | row of the item in that split (in the raw file: its row)  |
| scalar columns of the input            | `source_row`, `subset`, `domain`, `source`, ... as given; |
|                                        | one named like a column here as `input_<name>`            |
| `chosen_reward`, `rejected_reward`     | pairs: reward of prompt + chosen, prompt + rejected       |
| `chosen_tokens`, `rejected_tokens`     | pairs: tokens of each completion after the shared prompt  |
| `chosen_rewards`, `rejected_rewards`   | lists: one reward per completion, in the input's order    |
| `chosen_tokens`, `rejected_tokens`     | lists: one token count per completion                     |

With `--normalize` the rewards are standardised (`prefdata_train._workflows.normalization`).
Every figure of `evaluate`'s report can be recomputed from this output
(`eval_set_rewards` + `summarise`). How the file is written: `prefdata_train._workflows.reward_files`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from datasets import Dataset, concatenate_datasets
from pydantic import BaseModel, Field

from prefdata_train._data.canonical_reader import load_canonical
from prefdata_train._evaluation.eval_sets import EvalSet, read_eval_set
from prefdata_train._evaluation.eval_summary import check_finite_rewards
from prefdata_train._modeling.sharding import is_main_process, on_main_process
from prefdata_train._workflows.evaluation import score_eval_set
from prefdata_train._workflows.normalization import read_normalization
from prefdata_train._workflows.reward_files import check_output, write_rewards
from prefdata_train._workflows.run_paths import check_apart, check_data_is_not_model

PAIR_SHAPES = ("pairs", "subset-pairs")


class ScoreResult(BaseModel):
    """Where the rewards went and how many pairs each split gave."""

    path: str
    format: str = Field(description="`jsonl`, `parquet` or `save_to_disk`.")
    rows: dict[str, int]
    unit: str = Field(default="pairs", description="What a row is: `pairs`, or `items` (prompts with lists).")
    dropped: dict[str, dict[str, int]] = Field(
        default_factory=dict,
        description="Per split, input rows not scored (so not in the output), per reason.",
    )
    truncated: dict[str, int] = Field(
        default_factory=dict,
        description="Per split, rows whose sequences --max-length cut (scored truncated, still in the output).",
    )


def rewards_table(
    eval_set: EvalSet, rewards: Sequence[Sequence[float]], lengths: Sequence[Sequence[int]]
) -> Dataset:
    """One row per item of `eval_set`: split, row, its scalar columns, and each completion's reward and tokens.

    Pairs give `chosen_reward`/`rejected_reward` and `chosen_tokens`/`rejected_tokens`; list
    shapes give the plural columns as lists, chosen completions in their order, then rejected.
    """
    n = len(eval_set)
    columns: dict[str, list] = {"split": [eval_set.split] * n, "row": list(eval_set.rows)}
    for name, values in eval_set.columns.items():
        columns[_input_name(name, set(eval_set.columns))] = list(values)
    if eval_set.shape in PAIR_SHAPES:
        columns["chosen_reward"] = [float(r[0]) for r in rewards]
        columns["rejected_reward"] = [float(r[1]) for r in rewards]
        columns["chosen_tokens"] = [int(n[0]) for n in lengths]
        columns["rejected_tokens"] = [int(n[1]) for n in lengths]
    else:
        cut = eval_set.n_chosen
        columns["chosen_rewards"] = [[float(x) for x in r[:k]] for r, k in zip(rewards, cut, strict=True)]
        columns["rejected_rewards"] = [[float(x) for x in r[k:]] for r, k in zip(rewards, cut, strict=True)]
        columns["chosen_tokens"] = [[int(x) for x in n[:k]] for n, k in zip(lengths, cut, strict=True)]
        columns["rejected_tokens"] = [[int(x) for x in n[k:]] for n, k in zip(lengths, cut, strict=True)]
    return Dataset.from_dict(columns)


# The output's own columns; an input column of one of these names is kept as `input_<name>`.
OWN_COLUMNS = frozenset(
    {"split", "row"}
    | {f"{side}_{what}" for side in ("chosen", "rejected") for what in ("reward", "rewards", "tokens")}
)


def _input_name(name: str, inputs: set[str]) -> str:
    """`name`, or `input_<name>` (prefixed again while an input or output column has it) when the
    output has a column of that name: no input column is lost or overwritten."""
    if name not in OWN_COLUMNS:
        return name
    name = f"input_{name}"
    while name in OWN_COLUMNS or name in inputs:
        name = f"input_{name}"
    return name


def eval_set_rewards(eval_set: EvalSet, table: Dataset) -> tuple[list[list[float]], list[list[int]]]:
    """The rewards and lengths `rewards_table` wrote for `eval_set`, nested as its completions again."""
    if eval_set.shape in PAIR_SHAPES:
        rewards = [[c, r] for c, r in zip(table["chosen_reward"], table["rejected_reward"], strict=True)]
        lengths = [[c, r] for c, r in zip(table["chosen_tokens"], table["rejected_tokens"], strict=True)]
        return rewards, lengths
    rewards = [c + r for c, r in zip(table["chosen_rewards"], table["rejected_rewards"], strict=True)]
    lengths = [c + r for c, r in zip(table["chosen_tokens"], table["rejected_tokens"], strict=True)]
    return rewards, lengths


def _split_names(data: str | Path) -> list[str]:
    """The splits of a canonical folder or raw source, as `read_eval_set` names them."""
    from prefdata._canonical_folder import MANIFEST_FILE

    if Path(data).is_dir() and (Path(data) / MANIFEST_FILE).is_file():
        return list(load_canonical(data))
    from prefdata._sources import open_source

    return list(open_source(data).splits)


def score_folder(
    model_path: str | Path,
    data_dir: str | Path,
    out: str | Path,
    *,
    splits: Sequence[str] = (),
    benchmark: str | None = None,
    batch_size: int = 16,
    max_length: int | None = None,
    overwrite: bool = False,
    normalize: bool = False,
    progress: bool = False,
    attn_implementation: str | None = None,
) -> ScoreResult:
    """Score every completion of the chosen splits (default: all) of `data_dir` and write the rewards to `out`.

    `data_dir` is anything `prefdata-train evaluate` reads (a canonical folder, a raw pair file,
    a benchmark's published shape; `benchmark` as there). With `normalize`, rewards are
    standardised with the mean and spread `prefdata-train normalize` stored in the model's
    config. An existing `out` is refused (before any scoring) unless `overwrite`. With
    `progress`, a progress bar on stderr counts the completions scored. Under `accelerate
    launch`, each process scores a contiguous shard of every split and the main process writes
    the one output, in row order, identical to a single-process run; the others wait for it,
    and an error on any process is raised on all. `attn_implementation` overrides the model's
    attention (`load_reward_model`).
    """
    from prefdata_train._modeling.model_loading import load_reward_model
    from prefdata_train._modeling.sharding import place_model

    # Every process checks everything before scoring, so bad input stops them all alike.
    check_data_is_not_model(data_dir, model_path)
    check_apart(out, "output", {"data": data_dir, "model": model_path})
    check_output(Path(out), overwrite)
    scale = read_normalization(model_path) if normalize else None
    names = list(dict.fromkeys(splits)) or _split_names(data_dir)
    eval_sets = [read_eval_set(data_dir, benchmark=benchmark, split=name) for name in names]
    model, tokenizer = load_reward_model(model_path, attn_implementation=attn_implementation)
    model = place_model(model)
    progress = progress and is_main_process()
    tables = []
    truncated: dict[str, int] = {}
    for eval_set in eval_sets:
        rewards, lengths, cut = score_eval_set(
            model,
            tokenizer,
            eval_set,
            batch_size=batch_size,
            max_length=max_length,
            progress=progress,
            desc=f"Scoring {eval_set.split}",
        )
        if cut:
            truncated[eval_set.split or ""] = len(cut)
        # NaN would be written as null (JSON) or NaN (Arrow): a score file that looks complete
        check_finite_rewards(eval_set, rewards)
        if scale is not None:
            rewards = [scale.apply(r) for r in rewards]
        tables.append(rewards_table(eval_set, rewards, lengths))
    # A column only some splits have (`source_row`, a grouping column) is dropped for all.
    shared = set.intersection(*(set(t.column_names) for t in tables))
    tables = [t.select_columns([c for c in t.column_names if c in shared]) for t in tables]
    fmt = on_main_process(lambda: write_rewards(concatenate_datasets(tables), Path(out), overwrite))
    unit = "pairs" if all(s.shape in PAIR_SHAPES for s in eval_sets) else "items"
    return ScoreResult(
        path=str(out),
        format=fmt,
        rows={s.split or "": len(s) for s in eval_sets},
        unit=unit,
        dropped={s.split or "": dict(s.dropped) for s in eval_sets if s.dropped},
        truncated=truncated,
    )

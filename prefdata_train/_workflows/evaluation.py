"""Evaluating a reward model: what `prefdata-train evaluate` runs.

The data is read as an evaluation set (`prefdata_train._evaluation.eval_sets`: a canonical
folder, a raw pair file through `prefdata.convert`, or a benchmark's published shape: RewardBench
subsets, RewardBench 2 best-of-N lists, RM-Bench style lists). Every completion of an item is
scored once, with the item's prompt run once for all its completions (`score_groups`: the
padding-free, prefix-shared forward pass of training, in inference mode); under `accelerate
launch` each process scores a contiguous shard of the items. The report
(`prefdata_train._evaluation.report_model`) is built from one reward and one length per
completion, so `prefdata-train score`'s output recomputes it exactly (`report_from_scores`).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from tqdm import tqdm

from prefdata._errors import PrefdataError
from prefdata_train._data.canonical_reader import strings_of
from prefdata_train._data.truncation import common_prefix
from prefdata_train._evaluation.eval_sets import EvalSet, read_eval_set
from prefdata_train._evaluation.eval_summary import check_by, summarise
from prefdata_train._evaluation.report_model import EvaluationReport, GroupAccuracy, MarginBucket
from prefdata_train._modeling.sharding import is_main_process, on_main_process, score_sharded
from prefdata_train._workflows.run_paths import check_apart, check_data_is_not_model

__all__ = [
    "EvaluationReport",
    "GroupAccuracy",
    "MarginBucket",
    "default_plot_path",
    "evaluate",
    "longer_answer_accuracy",
    "score_eval_set",
]

PLOT_FILE = "reward-distribution.png"


def completion_lengths(group: Sequence[Sequence[int]]) -> list[int]:
    """Tokens of each sequence after the prefix all sequences of the group share (the completions)."""
    if not group:
        return []
    first = list(group[0])
    shared = min((common_prefix(first, list(ids)) for ids in group[1:]), default=len(first))
    return [len(ids) - shared for ids in group]


class Scored(NamedTuple):
    """What scoring an evaluation set gives, nested as its items."""

    rewards: list[list[float]]  # one reward per completion
    lengths: list[list[int]]  # completion tokens (after the shared prompt) per completion
    truncated: list[int]  # rows of the items whose sequences `max_length` cut


def score_eval_set(
    model: Any,
    tokenizer: Any,
    eval_set: EvalSet,
    *,
    batch_size: int = 16,
    max_length: int | None = None,
    progress: bool = False,
    desc: str = "Scoring",
) -> Scored:
    """One reward and one length (completion tokens) per completion of every item, and the rows of
    the items `max_length` cut.

    Each process of an `accelerate launch` tokenises and scores its contiguous shard of items;
    every process gets all results, in item order.
    """
    from prefdata_train._data.preprocessing import tokenize_completions
    from prefdata_train._modeling.group_scoring import score_groups

    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    pad_id = pad_id if pad_id is not None else 0  # fills masked positions only
    total = sum(len(group) for group in eval_set.completions)
    with tqdm(
        total=total,
        desc=desc,
        unit="completion",
        file=sys.stderr,
        disable=not (progress and is_main_process()),
    ) as bar:

        def score_items(items: Sequence[int]) -> list[tuple[list[float], list[int], bool]]:
            cut: list[int] = []
            groups = tokenize_completions(
                [eval_set.prompts[i] for i in items],
                [eval_set.completions[i] for i in items],
                tokenizer,
                max_length,
                truncated=cut,
            )
            check_positions(groups, items, eval_set, _max_positions(model))
            rewards = score_groups(
                model, groups, pad_id=pad_id, batch_size=batch_size, on_progress=bar.update
            )
            was_cut = set(cut)
            return [
                (r, completion_lengths(g), n in was_cut)
                for n, (r, g) in enumerate(zip(rewards, groups, strict=True))
            ]

        scored = score_sharded(range(len(eval_set)), score_items)
    return Scored(
        [r for r, _, _ in scored],
        [n for _, n, _ in scored],
        [eval_set.rows[i] for i, (_, _, cut) in enumerate(scored) if cut],
    )


def _max_positions(model: Any) -> int | None:
    """The most positions the model was built for (`max_position_embeddings`, `n_positions` on GPT-2), if known."""
    limit = getattr(getattr(model, "config", None), "max_position_embeddings", None)
    return limit if isinstance(limit, int) and limit > 0 else None


def check_positions(
    groups: Sequence[Sequence[Sequence[int]]], items: Sequence[int], eval_set: EvalSet, limit: int | None
) -> None:
    """Refuse sequences longer than the model's positions, before any is scored.

    Past its positions a model with learned position embeddings fails with an index error and a
    rotary one scores text it never saw at that length: either way the reward means nothing, and
    nothing would say so. `--max-length` truncates them instead (`tokenize_completions`'s rule).
    """
    if limit is None:
        return
    long = [
        (item, len(ids))
        for item, group in zip(items, groups, strict=True)
        for ids in group
        if len(ids) > limit
    ]
    if not long:
        return
    item, length = max(long, key=lambda pair: pair[1])
    raise PrefdataError(
        f"{len(long)} sequence(s) of {len({i for i, _ in long})} item(s) are longer than the model's "
        f"{limit} positions (max_position_embeddings); the longest, {length} tokens, is in row "
        f"{eval_set.rows[item]}",
        where=eval_set.where,
        fix=f"pass --max-length {limit} (or less) to truncate them: the end of the prompt and the start "
        "of each completion are kept",
    )


def _text_length(value: Any) -> int:
    """Characters of a response: its text, or the contents of its messages."""
    return sum(len(text) for text in strings_of(value))


def longer_answer_accuracy(dataset: Any) -> float:
    """Accuracy of the trivial rule "the longer response is the chosen one" on `dataset`'s pairs.

    A model should beat it by a margin: data where it scores high rewards length, not quality.
    Equal lengths count as half right (a coin flip).
    """
    if len(dataset) == 0:
        raise PrefdataError("no pairs to compare", fix="use a split that has rows")
    chosen = np.array([_text_length(v) for v in dataset["chosen"]])
    rejected = np.array([_text_length(v) for v in dataset["rejected"]])
    return float(((chosen > rejected) + 0.5 * (chosen == rejected)).mean())


def default_plot_path(model_path: str | Path) -> Path:
    """Where `prefdata-train evaluate` draws the reward distribution unless told: beside the model."""
    return Path(model_path) / PLOT_FILE


def _check_paths(
    model_path: str | Path, data: str | Path, plot: str | Path | None, report_dir: str | Path | None
) -> None:
    """DATA is not the model; the plot and the page go neither over nor into the data (the page not into the model)."""
    check_data_is_not_model(data, model_path)
    if plot:
        check_apart(plot, "plot", {"data": data})
        check_plot_path(Path(plot))
    if report_dir is None:
        return
    from prefdata._errors import OutputError
    from prefdata_train._evaluation.html_report import INDEX_FILE, check_report_page

    path = Path(report_dir)
    if path.exists() and not path.is_dir():
        raise OutputError("the report folder is a file", where=str(path), fix="pass a folder for --report")
    check_apart(path / INDEX_FILE, "report page", {"data": data, "model": model_path})
    check_report_page(path)


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def check_plot_path(plot: Path) -> None:
    """The plot replaces only an earlier PNG: any other file (a typo'd path, a report) is kept."""
    from prefdata._errors import OutputError
    from prefdata._plain_files import starts_with

    if plot.is_dir():
        raise OutputError("the plot path is a folder", where=str(plot), fix="pass a file path ending in .png")
    if not plot.exists():
        return
    if not starts_with(plot, PNG_SIGNATURE):
        raise OutputError(
            "the plot path exists and is not a PNG image; only an earlier plot is replaced",
            where=str(plot),
            fix="choose another --plot path (or --no-plot), or remove that file yourself if it may go",
        )


def evaluate(
    model_path: str | Path,
    data: str | Path,
    *,
    split: str | None = None,
    by: str | None = None,
    benchmark: str | None = None,
    batch_size: int = 16,
    max_length: int | None = None,
    plot: str | Path | None = None,
    report_dir: str | Path | None = None,
    progress: bool = False,
    attn_implementation: str | None = None,
) -> EvaluationReport:
    """Evaluate the reward model at `model_path` on an evaluation set (see the module docstring).

    `split` defaults to the only split, else `test`, else `validation`; `benchmark`
    (`rewardbench`, `rewardbench-2`, `rm-bench`) overrides the detected one and is checked
    against the columns. `plot` writes a PNG of chosen and rejected rewards (`default_plot_path`
    is beside the model); `report_dir` writes a self-contained HTML page there. With
    `progress`, a progress bar on stderr counts the completions scored; `attn_implementation`
    overrides the model's attention (`load_reward_model`). Everything is checked before the
    model is loaded; under `accelerate launch` only the main process writes.
    """
    from prefdata_train._modeling.model_loading import load_reward_model
    from prefdata_train._modeling.sharding import place_model

    _check_paths(model_path, data, plot, report_dir)
    eval_set = read_eval_set(data, benchmark=benchmark, split=split)
    if by:
        check_by(eval_set, by)
    model, tokenizer = load_reward_model(model_path, attn_implementation=attn_implementation)
    model = place_model(model)
    scored = score_eval_set(
        model,
        tokenizer,
        eval_set,
        batch_size=batch_size,
        max_length=max_length,
        progress=progress,
        desc="Evaluating",
    )
    report = summarise(eval_set, scored.rewards, scored.lengths, by=by)
    report.model = str(model_path)
    report.truncated = len(scored.truncated)
    report.max_length = max_length
    on_main_process(lambda: _write_figures(report, model_path, plot, report_dir))
    return report


def _write_figures(
    report: EvaluationReport, model_path: str | Path, plot: str | Path | None, report_dir: str | Path | None
) -> None:
    if plot:
        from prefdata_train._workflows.plots import plot_reward_distribution

        title = f"{Path(model_path).name} on {report.split}: accuracy {report.accuracy:.3f}, {report.n_pairs} pairs"
        report.plot = str(
            plot_reward_distribution(report.chosen_rewards, report.rejected_rewards, plot, title=title)
        )
    if report_dir is not None:
        from prefdata_train._evaluation.html_report import write_html_report

        report.report = str(write_html_report(report, report_dir, model=model_path))

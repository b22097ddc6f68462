"""`summarise`: the evaluation report of an `EvalSet` from one reward (and length) per completion.

Pairwise views (accuracy, by group, by margin, calibration, length bias) use every (chosen,
rejected) combination of an item (`item_pairs`); benchmark scores use the benchmark's own
unit: RewardBench's pairs, RewardBench 2's best-of-N items and Ties pids, RM-Bench's k x k
matrices.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from prefdata._errors import PrefdataError
from prefdata_train._evaluation import best_of_n, rewardbench
from prefdata_train._evaluation.calibration import calibration
from prefdata_train._evaluation.eval_sets import EvalSet
from prefdata_train._evaluation.group_views import by_group, by_margin
from prefdata_train._evaluation.intervals import wilson_interval
from prefdata_train._evaluation.item_pairs import ItemPairs, item_pairs
from prefdata_train._evaluation.length_bias import length_bias
from prefdata_train._evaluation.list_items import LIST_COLUMNS
from prefdata_train._evaluation.report_model import EvaluationReport, RewardStats
from prefdata_train._evaluation.style_matrix import style_scores


def check_by(eval_set: EvalSet, by: str) -> None:
    """Raise unless `by` is one of the set's per-item scalar columns (call it before scoring)."""
    if by in eval_set.columns:
        return
    if by in LIST_COLUMNS:
        problem = f"column `{by}` holds lists or structs, which cannot be grouped by"
    else:
        problem = f"no column `{by}` of strings, numbers or booleans to group by"
    raise PrefdataError(
        f"{problem}; such columns here: {', '.join(eval_set.columns) or 'none'}",
        where=eval_set.where,
        fix="pass one of those to --by",
    )


def _check_nesting(
    eval_set: EvalSet, rewards: Sequence[Sequence[float]], lengths: Sequence[Sequence[int]]
) -> None:
    """Rewards and lengths must be nested exactly as the completions, and rewards finite."""
    expected = [len(c) for c in eval_set.completions]
    for name, values in (("rewards", rewards), ("lengths", lengths)):
        if [len(v) for v in values] != expected:
            raise PrefdataError(
                f"{name} are not nested like the completions ({len(values)} items given, {len(expected)} expected)",
                where=eval_set.where,
                fix="pass one value per completion, item by item",
            )
    check_finite_rewards(eval_set, rewards)


def check_finite_rewards(eval_set: EvalSet, rewards: Sequence[Sequence[float]]) -> None:
    """Raise naming the first item with a NaN or infinite reward: no figure or score file may hold one."""
    bad = next((i for i, r in enumerate(rewards) if not np.isfinite(np.asarray(r, dtype=float)).all()), None)
    if bad is not None:
        raise PrefdataError(
            f"the model gave a non-finite reward (NaN or infinity) to a completion of item {bad} "
            f"(row {eval_set.rows[bad]})",
            where=eval_set.where,
            fix="check the model (a diverged run, or a dtype too narrow for its scores)",
        )


def reward_stats(values: Sequence[float]) -> RewardStats:
    """Count, mean, spread and quantiles of some rewards."""
    r = np.asarray(values, dtype=float)
    if not r.size:
        return RewardStats(n=0, mean=0.0, std=0.0, min=0.0, p05=0.0, median=0.0, p95=0.0, max=0.0)
    p05, median, p95 = np.quantile(r, [0.05, 0.5, 0.95])
    return RewardStats(
        n=int(r.size),
        mean=float(r.mean()),
        std=float(r.std()),
        min=float(r.min()),
        p05=float(p05),
        median=float(median),
        p95=float(p95),
        max=float(r.max()),
    )


def _sides(rewards: Sequence[Sequence[float]], n_chosen: Sequence[int]) -> tuple[list[float], list[float]]:
    chosen = [float(x) for r, k in zip(rewards, n_chosen, strict=True) for x in r[:k]]
    rejected = [float(x) for r, k in zip(rewards, n_chosen, strict=True) for x in r[k:]]
    return chosen, rejected


def _per_pair(values: Sequence[Any], pairs: ItemPairs) -> list[Any]:
    return [values[i] for i in pairs.item]


def _benchmark_views(
    report: EvaluationReport, eval_set: EvalSet, rewards: Sequence[Sequence[float]], pairs: ItemPairs
) -> None:
    """Fill in the scores of the set's benchmark (and the per-subset accuracy of any subset-pairs)."""
    subsets = eval_set.columns.get("subset", [None] * len(eval_set))
    if eval_set.shape == "subset-pairs":
        report.subsets = rewardbench.subset_accuracies(pairs.correct, _per_pair(subsets, pairs))
    if eval_set.benchmark == "rewardbench":
        report.sections = rewardbench.section_scores(pairs.correct, _per_pair(subsets, pairs))
        report.benchmark_score = rewardbench.overall_score(pairs.correct, _per_pair(subsets, pairs))
    elif eval_set.benchmark == "rewardbench-2":
        report.best_of_n, credits = best_of_n.subset_scores(rewards, subsets)
        ids = eval_set.columns.get("id", [None] * len(eval_set))
        terms = best_of_n.ties_terms(rewards, eval_set.n_chosen, subsets, ids)
        report.ties = best_of_n.ties_score(terms) if terms is not None else None
        report.benchmark_score = best_of_n.overall_score(credits, terms)
    elif eval_set.benchmark == "rm-bench":
        domains = eval_set.columns.get("domain", [None] * len(eval_set))
        report.style_matrix, report.benchmark_score = style_scores(rewards, domains, eval_set.n_chosen[0])


def summarise(
    eval_set: EvalSet,
    rewards: Sequence[Sequence[float]],
    lengths: Sequence[Sequence[int]],
    *,
    by: str | None = None,
) -> EvaluationReport:
    """The evaluation report of `eval_set` given one reward and one length (completion tokens) per completion.

    `rewards` and `lengths` are nested like `eval_set.completions`. Pairwise views count every
    (chosen, rejected) combination of an item as a pair, so a best-of-4 item gives 3 pairs and
    an RM-Bench item 9; `mean_chosen` and `mean_rejected` are means over those pairs (their
    difference is `mean_gap`), while `reward_stats` describes each completion once.
    """
    if not len(eval_set):
        raise PrefdataError(
            "no pairs to evaluate", where=eval_set.where, fix="evaluate a split that has rows"
        )
    _check_nesting(eval_set, rewards, lengths)
    if by:
        check_by(eval_set, by)
    pairs = item_pairs(rewards, lengths, eval_set.n_chosen)
    correct = pairs.correct
    chosen, rejected = _sides(rewards, eval_set.n_chosen)
    every_reward = [float(x) for r in rewards for x in r]
    report = EvaluationReport(
        shape=eval_set.shape,
        benchmark=eval_set.benchmark,
        data=eval_set.where or None,
        n_items=len(eval_set),
        n_pairs=int(correct.size),
        accuracy=float(correct.mean()),
        accuracy_ci=wilson_interval(float(correct.sum()), int(correct.size)),
        mean_gap=float((pairs.chosen - pairs.rejected).mean()),
        mean_chosen=float(pairs.chosen.mean()),
        mean_rejected=float(pairs.rejected.mean()),
        by=by,
        by_group=by_group(correct, _per_pair(eval_set.columns[by], pairs)) if by else {},
        by_margin=by_margin(correct, _per_pair(eval_set.columns["margin"], pairs))
        if "margin" in eval_set.columns
        else [],
        split=eval_set.split,
        length_bias=length_bias(pairs, every_reward, [int(x) for n in lengths for x in n]),
        calibration=calibration(pairs.chosen, pairs.rejected),
        reward_stats={
            "chosen": reward_stats(chosen),
            "rejected": reward_stats(rejected),
            "all": reward_stats(every_reward),
        },
        dropped=dict(eval_set.dropped),
        rewards=[[float(x) for x in r] for r in rewards],
        lengths=[[int(x) for x in n] for n in lengths],
        n_chosen=list(eval_set.n_chosen),
        chosen_rewards=chosen,
        rejected_rewards=rejected,
    )
    _benchmark_views(report, eval_set, rewards, pairs)
    return report

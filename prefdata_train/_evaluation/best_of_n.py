"""RewardBench 2 scores: best-of-N credit per subset, the Ties composite, their mean.

Sources (allenai/reward-bench): `rewardbench/utils.py` at a0096928eb1d54edd3f6361374708cc68e738b79,
functions `reroll_and_score_dataset` (best-of-N credit), `_compute_prompt_stats` and
`process_single_model` (Ties); `scripts/run_v2.py` at 0016644d (subset score = mean credit);
HF space allenai/reward-bench commit 9a9d913, `app.py` `avg_over_rewardbench_v2` (overall =
unweighted mean of the six subsets, Ties included).

Best-of-N credit of an item whose completions (chosen first) score r_0, ..., r_{N-1}: with
m = max(r), credit = 1 / #{j : r_j = m} when r_0 = m, else 0. A unique best chosen earns 1, a
chosen tied at the top with k - 1 others earns 1/k. Only position 0 is checked, as upstream:
further chosen completions of a non-Ties item compete with it like rejected ones.

Ties (subset named "ties", any case): items have ids `ref:<pid>` (one correct answer) or
`tied:<pid>` (several); completions before `n_chosen` are the correct ones. Per (kind, pid)
group: cim = min(correct) - max(incorrect) ("correct-incorrect margin"), accurate = cim > 0,
dcm = max(correct) - min(correct) when >= 2 correct ("diff-correct margin"). Over pids with
both groups (and a tied dcm):

    score = 0.30 tied_accuracy + 0.30 ref_accuracy + 0.20 P[tied.cim > tied.dcm]
          + 0.20 P[min(ref.cim, tied.cim) > tied.dcm] + 0.01 mean(tanh(min(ref.cim, tied.cim) / tied.dcm - 1))

with NaN tanh terms counted as 0, as upstream. A pid whose tied group has a single correct
answer has no dcm; upstream would fail on it, here it is left out of the three margin terms.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from prefdata_train._evaluation.group_views import group_key
from prefdata_train._evaluation.intervals import BOOTSTRAP_METHOD, bootstrap_interval, whole
from prefdata_train._evaluation.report_model import BenchmarkScore, Score, TiesScore

BENCHMARK = "rewardbench-2"
TIES_SUBSET = "ties"
TIES_KINDS = ("ref", "tied")
# rewardbench/utils.py @ a0096928, process_single_model: weights of the Ties composite.
TIES_WEIGHTS = {
    "tied_accuracy": 0.30,
    "ref_accuracy": 0.30,
    "correctness_preferred": 0.20,
    "correctness_preferred_hard": 0.20,
    "correctness_margin_score": 0.01,
}


def is_ties(subset: Any) -> bool:
    """True for RewardBench 2's Ties subset (matched case-insensitively, as `run_v2.py` does)."""
    return isinstance(subset, str) and subset.lower() == TIES_SUBSET


def ties_id(value: Any) -> tuple[str, int] | None:
    """(`ref` or `tied`, pid) of a Ties item id like `tied:12`; None when it has another form."""
    kind, _, pid = str(value).partition(":")
    return (kind, int(pid)) if kind in TIES_KINDS and pid.strip().lstrip("-").isdigit() else None


def best_of_n_credit(rewards: Sequence[float]) -> float:
    """1 / (completions at the top score) when completion 0 is at the top, else 0."""
    r = np.asarray(rewards, dtype=float)
    top = r.max()
    return 1.0 / float((r == top).sum()) if r[0] == top else 0.0


def subset_scores(
    rewards: Sequence[Sequence[float]], subsets: Sequence[Any]
) -> tuple[dict[str, Score], dict[str, np.ndarray]]:
    """Mean best-of-N credit per non-Ties subset with a bootstrap interval; also the credits."""
    credits: dict[str, list[float]] = {}
    for reward, subset in zip(rewards, subsets, strict=True):
        if not is_ties(subset):
            credits.setdefault(group_key(subset), []).append(best_of_n_credit(reward))
    arrays = {name: np.asarray(values) for name, values in sorted(credits.items())}
    return {name: _mean_score(values) for name, values in arrays.items()}, arrays


def _mean_score(values: np.ndarray) -> Score:
    def statistic(picks: list[np.ndarray]) -> np.ndarray:
        return values[picks[0]].mean(axis=-1)

    return Score(
        n=len(values), score=float(values.mean()), score_ci=bootstrap_interval([len(values)], statistic)
    )


@dataclass(frozen=True)
class _Group:
    cim: float  # worst correct - best incorrect
    dcm: float | None  # best correct - worst correct, with >= 2 correct answers


def _group(samples: list[tuple[bool, float]]) -> _Group:
    good = [s for ok, s in samples if ok]
    bad = [s for ok, s in samples if not ok]
    return _Group(cim=min(good) - max(bad), dcm=max(good) - min(good) if len(good) >= 2 else None)


@dataclass(frozen=True)
class _PidTerms:
    """Per pid, the terms of the composite (NaN where the pid lacks that group), for resampling."""

    ref: np.ndarray  # accurate (0/1) of the ref group, NaN without one
    tied: np.ndarray
    preferred: np.ndarray  # NaN unless the pid has both groups and a tied dcm
    preferred_hard: np.ndarray
    margin: np.ndarray


def _pid_terms(groups: dict[tuple[str, int], _Group]) -> _PidTerms:
    pids = sorted({pid for _, pid in groups})
    nan = float("nan")
    rows = []
    for pid in pids:
        ref, tied = groups.get(("ref", pid)), groups.get(("tied", pid))
        row = [float(ref.cim > 0) if ref else nan, float(tied.cim > 0) if tied else nan, nan, nan, nan]
        if ref and tied and tied.dcm is not None:
            low = min(ref.cim, tied.cim)
            with np.errstate(divide="ignore", invalid="ignore"):
                margin = np.nan_to_num(np.tanh(np.float64(low) / np.float64(tied.dcm) - 1.0), nan=0.0)
            row[2:] = [float(tied.cim > tied.dcm), float(low > tied.dcm), float(margin)]
        rows.append(row)
    table = np.array(rows, dtype=float).reshape(len(pids), 5)
    return _PidTerms(*(table[:, c] for c in range(5)))


def _mean_or_zero(values: np.ndarray) -> np.ndarray:
    """Mean over the last axis of the values that are not NaN; 0 where there are none (as upstream)."""
    known = ~np.isnan(values)
    counts = known.sum(axis=-1)
    return np.where(known, values, 0.0).sum(axis=-1) / np.maximum(counts, 1)


def _composite(terms: _PidTerms, idx: np.ndarray) -> dict[str, np.ndarray]:
    return {
        "tied_accuracy": _mean_or_zero(terms.tied[idx]),
        "ref_accuracy": _mean_or_zero(terms.ref[idx]),
        "correctness_preferred": _mean_or_zero(terms.preferred[idx]),
        "correctness_preferred_hard": _mean_or_zero(terms.preferred_hard[idx]),
        "correctness_margin_score": _mean_or_zero(terms.margin[idx]),
    }


def _weighted_sum(parts: dict[str, np.ndarray]) -> np.ndarray:
    return np.sum([TIES_WEIGHTS[name] * value for name, value in parts.items()], axis=0)


def ties_terms(
    rewards: Sequence[Sequence[float]], n_chosen: Sequence[int], subsets: Sequence[Any], ids: Sequence[Any]
) -> _PidTerms | None:
    """The per-pid terms of the Ties items (None without any): the input of `ties_score`."""
    samples: dict[tuple[str, int], list[tuple[bool, float]]] = {}
    for reward, k, subset, item_id in zip(rewards, n_chosen, subsets, ids, strict=True):
        key = ties_id(item_id) if is_ties(subset) else None
        if key is not None:
            samples.setdefault(key, []).extend((j < k, float(r)) for j, r in enumerate(reward))
    if not samples:
        return None
    return _pid_terms({key: _group(group) for key, group in samples.items()})


def ties_score(terms: _PidTerms) -> TiesScore:
    """The Ties composite with a bootstrap interval over pids."""
    everything = np.arange(len(terms.ref))
    parts = _composite(terms, everything)
    return TiesScore(
        n=len(everything),
        score=float(_weighted_sum(parts)),
        score_ci=bootstrap_interval([len(everything)], lambda p: _weighted_sum(_composite(terms, p[0]))),
        **{name: float(value) for name, value in parts.items()},
    )


def overall_score(credits: dict[str, np.ndarray], terms: _PidTerms | None) -> BenchmarkScore | None:
    """Unweighted mean of the subset scores (Ties included when present), with a bootstrap interval."""
    strata = list(credits.values())
    sizes = [len(c) for c in strata] + ([len(terms.ref)] if terms is not None else [])
    if not sizes:
        return None

    def statistic(picks: list[np.ndarray]) -> np.ndarray:
        scores = [c[p].mean(axis=-1) for c, p in zip(strata, picks, strict=False)]
        if terms is not None:
            scores.append(_weighted_sum(_composite(terms, picks[-1])))
        return np.mean(scores, axis=0)

    names = list(credits) + (["Ties"] if terms is not None else [])
    return BenchmarkScore(
        benchmark=BENCHMARK,
        score=float(statistic(whole(sizes))),
        score_ci=bootstrap_interval(sizes, statistic),
        formula=f"unweighted mean of the subset scores ({', '.join(names)}); best-of-N credit with 1/k "
        "for a chosen tied at the top; Ties by its composite",
        ci_method=BOOTSTRAP_METHOD + "; Ties resampled by pid",
    )

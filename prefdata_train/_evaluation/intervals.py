"""95% confidence intervals for the scores of the evaluation report.

| score                                          | interval                                   |
| ---------------------------------------------- | ------------------------------------------ |
| a share of pairs (accuracy, a group, a subset) | Wilson score interval                      |
| a weighted, fractional-credit or composite one | stratified percentile bootstrap over items |

Wilson rather than the textbook normal interval because evaluation groups are often small
and accuracies near 1, where the normal interval has zero width or leaves [0, 1].

The weighted scores (RewardBench sections, RewardBench 2's mean over subsets, RM-Bench's mean
over domains) are means of group means with fixed weights, and some per-item values are
fractional (best-of-N credit 1/k, RM-Bench's share of a k x k matrix) or a composite (Ties):
no closed form fits them all. The bootstrap resamples the items of each group (stratum) with
replacement, keeping each group's size, so the weights stay what the benchmark defines; the
seed is fixed, so the same rewards always give the same interval.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from prefdata_train._evaluation.report_model import Interval

Z_95 = 1.959963984540054  # standard normal quantile at 0.975
BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_SEED = 0
BOOTSTRAP_METHOD = (
    f"percentile bootstrap, {BOOTSTRAP_RESAMPLES} resamples of the items within each group, "
    f"seed {BOOTSTRAP_SEED}"
)

# Given one index array per stratum, the score. Indices come as a (resamples, items) matrix, one
# resample per row, and the statistic returns one score per row (vectorised: index with
# `values[picks]`, reduce with `axis=-1`); `whole` gives the 1-D indices of the sample itself.
Statistic = Callable[[list[np.ndarray]], "np.ndarray | float"]


def whole(sizes: Sequence[int]) -> list[np.ndarray]:
    """The indices of every item of each stratum: a statistic given these computes the estimate."""
    return [np.arange(n) for n in sizes]


def wilson_interval(successes: float, n: int, z: float = Z_95) -> Interval:
    """Wilson score interval for `successes` out of `n`; (0, 1) when there is nothing to count.

    centre = (p + z^2 / 2n) / (1 + z^2 / n),
    half   = z / (1 + z^2 / n) * sqrt(p (1 - p) / n + z^2 / 4n^2).
    """
    if n <= 0:
        return Interval(low=0.0, high=1.0)
    p = successes / n
    denominator = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z / denominator * np.sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n))
    return Interval(low=float(max(0.0, centre - half)), high=float(min(1.0, centre + half)))


def bootstrap_interval(
    sizes: Sequence[int],
    statistic: Statistic,
    *,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> Interval:
    """95% percentile interval of `statistic` over resamples of each stratum's items.

    `sizes[s]` is the number of items of stratum s; each resample draws that many indices in
    [0, sizes[s]) with replacement, independently per stratum.
    """
    rng = np.random.default_rng(seed)
    picks = [rng.integers(0, n, (resamples, n)) for n in sizes]
    values = np.broadcast_to(np.asarray(statistic(picks), dtype=float), (resamples,))
    low, high = np.quantile(values, [0.025, 0.975])
    return Interval(low=float(low), high=float(high))


def mean_of_means(strata: Sequence[np.ndarray], picks: list[np.ndarray], weights: np.ndarray) -> np.ndarray:
    """Weighted mean of the strata's means over the picked items (one value per resample row)."""
    means = np.stack([values[p].mean(axis=-1) for values, p in zip(strata, picks, strict=True)])
    return np.tensordot(weights, means, axes=1) / weights.sum()


def mean_of_means_interval(strata: Sequence[np.ndarray], weights: Sequence[float] | None = None) -> Interval:
    """Bootstrap interval of the weighted mean (equal weights by default) of per-stratum means."""
    w = np.ones(len(strata)) if weights is None else np.asarray(weights, dtype=float)
    return bootstrap_interval([len(v) for v in strata], lambda picks: mean_of_means(strata, picks, w))

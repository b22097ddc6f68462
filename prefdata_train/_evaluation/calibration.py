"""Calibration: how well p = sigmoid(r_chosen - r_rejected) reads as P(chosen is preferred).

A Bradley-Terry reward model claims P(a preferred to b) = sigmoid(r_a - r_b). Every pair of an
evaluation set is a known preference, so each gives p with the outcome "chosen wins". Read
alone, every outcome is a win and the reliability diagram would be meaningless; read in both
orders, a pair is also the claim 1 - p that "rejected wins", which did not happen. So each
pair enters twice, (p, 1) and (1 - p, 0), the usual symmetric reading of a pairwise model.

Symmetry: bin b and its mirror bin 9 - b hold the same number of entries, with mean p and
frequency mirrored (x -> 1 - x), up to values that fall exactly on a bin edge. So the bins at
p >= 0.5 carry all the information: there p is the model's confidence in the side it prefers,
and the frequency is how often that side was the chosen one; the expected calibration error
over the ten bins equals the one computed on those confidences alone.

Bins: CALIBRATION_BINS equal-width bins over [0, 1], [low, high) with the last closed.
ECE = sum over bins of (entries in bin / all entries) * |mean p - frequency|.
"""

from __future__ import annotations

import numpy as np

from prefdata_train._evaluation.report_model import Calibration, CalibrationBin

CALIBRATION_BINS = 10


def preference_probability(chosen: np.ndarray, rejected: np.ndarray) -> np.ndarray:
    """sigmoid(chosen - rejected), computed as (1 + tanh(x / 2)) / 2, which cannot overflow."""
    return 0.5 * (1.0 + np.tanh((np.asarray(chosen, dtype=float) - np.asarray(rejected, dtype=float)) / 2.0))


def calibration(chosen: np.ndarray, rejected: np.ndarray, bins: int = CALIBRATION_BINS) -> Calibration:
    """Reliability bins and expected calibration error of the pairs' p (see the module docstring)."""
    p = preference_probability(chosen, rejected)
    probs = np.concatenate([p, 1.0 - p])
    outcome = np.concatenate([np.ones_like(p), np.zeros_like(p)])
    index = np.minimum((probs * bins).astype(int), bins - 1)  # p = 1 goes to the last bin
    rows: list[CalibrationBin] = []
    ece = 0.0
    for b in range(bins):
        inside = index == b
        n = int(inside.sum())
        if not n:
            rows.append(CalibrationBin(low=b / bins, high=(b + 1) / bins, n=0, mean_p=None, frequency=None))
            continue
        mean_p, frequency = float(probs[inside].mean()), float(outcome[inside].mean())
        ece += n / len(probs) * abs(mean_p - frequency)
        rows.append(
            CalibrationBin(low=b / bins, high=(b + 1) / bins, n=n, mean_p=mean_p, frequency=frequency)
        )
    return Calibration(n_pairs=int(p.size), ece=float(ece), bins=rows)

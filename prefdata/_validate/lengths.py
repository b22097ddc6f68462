"""Length distributions accumulated batch by batch in memory that does not grow with rows.

Lengths below 65,536 are counted exactly (so percentiles are exact); longer ones fall in
log2 buckets and are reported at their bucket's lower edge.
"""

from __future__ import annotations

import numpy as np

from prefdata._validate.report import Histogram, LengthStats

_EXACT = 1 << 16


class LengthCounts:
    """A running histogram of non-negative integer lengths."""

    def __init__(self) -> None:
        self.exact = np.zeros(0, dtype=np.int64)
        self.long: dict[int, int] = {}
        self.total = 0
        self.sum = 0
        self.max = 0

    def add(self, lengths: np.ndarray) -> None:
        """Count a batch of lengths."""
        lengths = np.asarray(lengths, dtype=np.int64)
        if not len(lengths):
            return
        self.total += len(lengths)
        self.sum += int(lengths.sum())
        self.max = max(self.max, int(lengths.max()))
        short = lengths[lengths < _EXACT]
        counts = np.bincount(short, minlength=len(self.exact))
        counts[: len(self.exact)] += self.exact
        self.exact = counts
        for bucket in np.floor(np.log2(lengths[lengths >= _EXACT])).astype(int):
            self.long[int(bucket)] = self.long.get(int(bucket), 0) + 1

    def _values_and_counts(self) -> tuple[np.ndarray, np.ndarray]:
        keys = sorted(self.long)
        values = np.concatenate([np.arange(len(self.exact)), [2**k for k in keys]]).astype(np.int64)
        counts = np.concatenate([self.exact, [self.long[k] for k in keys]]).astype(np.int64)
        return values, counts

    def percentile(self, q: float) -> int:
        """The smallest length with at least q% of the counts at or below it."""
        values, counts = self._values_and_counts()
        cum = np.cumsum(counts)
        return int(values[np.searchsorted(cum, max(1, int(np.ceil(q / 100 * self.total))))])

    def stats(self) -> LengthStats | None:
        """Summary statistics, or None when nothing was counted."""
        if not self.total:
            return None
        values, counts = self._values_and_counts()
        low = int(values[np.flatnonzero(counts)[0]])
        return LengthStats(
            count=self.total,
            min=low,
            mean=round(self.sum / self.total, 2),
            p50=self.percentile(50),
            p90=self.percentile(90),
            p99=self.percentile(99),
            max=self.max,
        )

    def histogram(self, bins: int = 30) -> Histogram | None:
        """Counts over log-spaced bins from 0 to the longest length (for plots)."""
        if not self.total:
            return None
        edges = np.unique(np.concatenate([[0], np.geomspace(1, self.max + 1, bins)]).round(0))
        values, counts = self._values_and_counts()
        hist, _ = np.histogram(values, bins=edges, weights=counts)
        return Histogram(edges=[float(e) for e in edges], counts=[int(c) for c in hist])

"""Character lengths of each side, per split (statistics and histograms, not findings)."""

from __future__ import annotations

from prefdata._validate.batch import BatchView
from prefdata._validate.checks.base import Check
from prefdata._validate.finding_sink import FindingSink
from prefdata._validate.lengths import LengthCounts
from prefdata._validate.report import SideStats, SplitStats


class LengthStatsCheck(Check):
    """Collects `SplitStats` for the report."""

    def __init__(self) -> None:
        self.counts: dict[str, dict[str, LengthCounts]] = {}
        self.rows: dict[str, int] = {}

    def update(self, view: BatchView, sink: FindingSink) -> None:
        per = self.counts.setdefault(view.split, {})
        self.rows[view.split] = self.rows.get(view.split, 0) + len(view)
        for side in view.shape.sides:
            per.setdefault(side, LengthCounts()).add(view.char_lengths(side))

    def end_split(self, split: str, sink: FindingSink) -> None:
        # a split with no rows (every input row dropped) is listed too, with 0 rows
        self.counts.setdefault(split, {})
        self.rows.setdefault(split, 0)

    def split_stats(self) -> dict[str, SplitStats]:
        """Statistics for every split seen."""
        return {
            split: SplitStats(
                rows=self.rows[split],
                sides={
                    side: SideStats(chars=c.stats(), char_histogram=c.histogram()) for side, c in per.items()
                },
            )
            for split, per in self.counts.items()
        }

"""Holding a whole split to the reading inferred from a sample."""

from __future__ import annotations

from prefdata.errors import DetectionError
from prefdata.records.inference import Inference
from prefdata.records.manifest import SplitReport

# drop reasons that say a row contradicts the inferred reading (not an empty reply, not a tie)
CONTRADICTING = ("missing_preference", "bad_value", "fewer_than_two_responses")


def check_inferred_split(name: str, report: SplitReport, inference: Inference) -> None:
    """Stop when more than the allowed share of a split's rows contradict the inferred reading."""
    bad = sum(report.dropped.get(r, 0) for r in CONTRADICTING)
    if not report.rows_in or bad <= inference.max_contradicting_share * report.rows_in:
        return
    share = bad / report.rows_in
    reasons = ", ".join(f"{r} {report.dropped[r]:,}" for r in CONTRADICTING if report.dropped.get(r))
    raise DetectionError(
        f"the inferred layout does not hold: {bad:,} of {report.rows_in:,} rows ({share:.1%}) of split "
        f"`{name}` contradict it ({reasons}); the limit is {inference.max_contradicting_share:.0%}",
        where="convert",
        fix="check the inferred spec (`prefdata detect SOURCE --print-spec`), correct it, and pass --spec FILE",
    )

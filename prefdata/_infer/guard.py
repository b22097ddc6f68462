"""Holding a whole split to the reading inferred from a sample."""

from __future__ import annotations

from prefdata._errors import DetectionError
from prefdata._infer.agreement import NOT_CONTRADICTING
from prefdata.records.inference import Inference
from prefdata.records.manifest import SplitReport


def check_inferred_split(name: str, report: SplitReport, inference: Inference) -> None:
    """Stop when more than the allowed share of a split's rows is dropped under the inferred reading.

    Every drop counts, whatever its reason (a missing label, no shared prompt, an empty reply):
    a reading that loses rows may be the wrong reading. Ties are the reading's answer, not a
    loss. A split with rows of which none is kept always stops.
    """
    bad = sum(n for r, n in report.dropped.items() if r not in NOT_CONTRADICTING)
    kept_nothing = report.rows_in > 0 and report.rows_out == 0
    if not report.rows_in or (bad <= inference.max_contradicting_share * report.rows_in and not kept_nothing):
        return
    share = bad / report.rows_in
    reasons = ", ".join(f"{r} {n:,}" for r, n in report.dropped.items() if n)
    raise DetectionError(
        f"the inferred layout does not hold: {bad:,} of {report.rows_in:,} rows ({share:.1%}) of split "
        f"`{name}` are dropped under it ({reasons}); the limit is {inference.max_contradicting_share:.0%}"
        + (", and no row was kept" if kept_nothing else ""),
        where="convert",
        fix="check the inferred spec (`prefdata detect SOURCE --print-spec`), correct it, and pass --spec FILE",
    )

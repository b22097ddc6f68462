"""The one way a transform says "this row (or pair) cannot be used"."""

from __future__ import annotations

from prefdata.records.drop_reasons import DROP_REASONS

# Reason -> description, for the transforms' messages; the reasons themselves (and what validate
# reports them as) are registered in prefdata.records.drop_reasons.
REASONS = {name: reason.description for name, reason in DROP_REASONS.items()}


class Drop(Exception):
    """Raised by a transform to drop the current row or pair with a stable `reason`."""

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason, self.detail = reason, detail
        super().__init__(f"{reason}: {detail}" if detail else reason)

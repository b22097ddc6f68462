"""The interface every check implements (all steps optional)."""

from __future__ import annotations

from prefdata._validate.batch import BatchView
from prefdata._validate.finding_sink import FindingSink


class Check:
    """A check over batches; subclasses override the steps they need."""

    def update(self, view: BatchView, sink: FindingSink) -> None:
        """Look at one batch."""

    def end_split(self, split: str, sink: FindingSink) -> None:
        """Called after the last batch of `split`."""

    def finish(self, sink: FindingSink) -> None:
        """Called after the last split."""

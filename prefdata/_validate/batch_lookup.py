"""Examples for findings computed after a split was read (from row numbers, not batches)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from prefdata._validate.batch import BatchView
from prefdata._validate.finding_sink import FindingSink

ViewOf = Callable[[np.ndarray], BatchView]


def examples_for(
    sink: FindingSink, code: str, view_of: ViewOf, rows: np.ndarray, field: str, key: str
) -> None:
    """Add `rows` (0-based rows of split `key`) to `code`, fetching the first few to show them."""
    if not len(rows):
        return
    sink.mark_rows(code, key, rows)
    wanted = rows[: sink.wants_examples(code)]
    view = view_of(wanted) if len(wanted) else None
    examples = [view.example(i, field) for i in range(len(view))] if view is not None else []
    sink.add(code, len(rows), key, examples)

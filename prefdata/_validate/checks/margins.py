"""Margin checks: a `margin` column must hold a finite number in every row, and should not be negative.

| margin value             | code               | why                                                        |
| ------------------------ | ------------------ | ---------------------------------------------------------- |
| NaN, inf, not a number   | `structure.margin` | the loss becomes NaN; training stops (`prefdata-train fit`) |
| null (or a null column)  | `margin.null`      | TRL's RewardTrainer cannot batch a None margin and crashes  |
| below 0                  | `margin.negative`  | chosen scored below rejected: a flipped pair, or a sign     |

`prefdata-train` reads margins per row and trains on rows without one, so a null margin stops
TRL, not prefdata's trainer: its code is not a `structure.*` code, which `fit` refuses.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from prefdata._validate.batch import BatchView
from prefdata._validate.checks.base import Check
from prefdata._validate.finding_sink import FindingSink


class MarginCheck(Check):
    """`structure.margin`, `margin.null`, `margin.negative`."""

    def update(self, view: BatchView, sink: FindingSink) -> None:
        col = view.column("margin")
        if col is None:
            return
        nulls = col.is_null().to_numpy(zero_copy_only=False)
        sink.add_rows(
            "margin.null", view, np.flatnonzero(nulls).tolist(), lambda i: view.example(i, "margin", "null")
        )
        if pa.types.is_null(col.type):
            return
        if not (pa.types.is_floating(col.type) or pa.types.is_integer(col.type)):
            rows = np.flatnonzero(~nulls).tolist()
            sink.add_rows(
                "structure.margin",
                view,
                rows,
                lambda i: view.example(i, "margin", f"{col[i].as_py()!r} ({col.type})"),
            )
            return
        bad = np.zeros(len(view), dtype=bool)
        if pa.types.is_floating(col.type):
            bad = pc.fill_null(pc.invert(pc.is_finite(col)), False).to_numpy(zero_copy_only=False)
            sink.add_rows(
                "structure.margin",
                view,
                np.flatnonzero(bad).tolist(),
                lambda i: view.example(i, "margin", repr(col[i].as_py())),
            )
        # -inf is reported as not finite, not also as negative
        negative = pc.fill_null(pc.less(col, 0), False).to_numpy(zero_copy_only=False) & ~bad
        sink.add_rows(
            "margin.negative",
            view,
            np.flatnonzero(negative).tolist(),
            lambda i: view.example(i, "margin", f"{col[i].as_py()!r}: chosen scored below rejected"),
        )

"""Structure checks: roles and turn order (the shape is checked by the runner, margins in `margins.py`)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from prefdata._transforms.turn_order import TurnProblem, turn_problem
from prefdata._validate.batch import BatchView
from prefdata._validate.checks.base import Check
from prefdata._validate.finding_sink import FindingSink

ROLES = ("system", "user", "assistant", "tool")


class StructureCheck(Check):
    """`structure.roles`, `structure.turn_order`."""

    def update(self, view: BatchView, sink: FindingSink) -> None:
        if view.shape.format == "conversational":
            for side in view.shape.sides:
                self._roles(view, side, sink)
            self._turn_order(view, sink)

    def _roles(self, view: BatchView, side: str, sink: FindingSink) -> None:
        msgs = view.messages(side)
        bad = ~pc.is_in(msgs.roles, pa.array(ROLES)).to_numpy(zero_copy_only=False)
        first = msgs.first_where(bad)
        rows = np.flatnonzero(first >= 0).tolist()
        sink.add_rows(
            "structure.roles",
            view,
            rows,
            lambda i: view.example(i, side, f"role {msgs.roles[first[i]].as_py()!r}"),
        )

    def _turn_order(self, view: BatchView, sink: FindingSink) -> None:
        """Rows whose conversations break `turn_order.turn_problem`, the rules convert drops by."""
        head = view.messages("prompt").codes() if view.shape.prompt == "explicit" else None
        problems: dict[int, TurnProblem] = {}
        for side in ("chosen", "rejected"):
            for i, body in enumerate(view.messages(side).codes()):
                if i not in problems and (problem := turn_problem(head[i] if head else None, body, side)):
                    problems[i] = problem
        rows = sorted(problems)
        sink.add_rows(
            "structure.turn_order",
            view,
            rows,
            lambda i: view.example(i, problems[i].side, problems[i].detail()),
        )

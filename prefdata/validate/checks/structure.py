"""Structure checks: roles, turn order and margins (the shape itself is checked by the runner)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from prefdata.validate.batch import BatchView
from prefdata.validate.checks.base import Check
from prefdata.validate.messages import Messages
from prefdata.validate.sink import FindingSink

ROLES = ("system", "user", "assistant", "tool")


class StructureCheck(Check):
    """`structure.roles`, `structure.turn_order`, `structure.margin`."""

    def update(self, view: BatchView, sink: FindingSink) -> None:
        if view.shape.format == "conversational":
            for side in view.shape.sides:
                self._roles(view, side, sink)
            self._turn_order(view, sink)
        self._margin(view, sink)

    def _roles(self, view: BatchView, side: str, sink: FindingSink) -> None:
        msgs = view.messages(side)
        bad = ~pc.is_in(msgs.roles, pa.array(ROLES)).to_numpy(zero_copy_only=False)
        first = msgs.first_where(bad)
        rows = np.flatnonzero(first >= 0).tolist()
        sink.add_rows(
            "structure.roles",
            view.split,
            rows,
            lambda i: view.example(i, side, f"role {msgs.roles[first[i]].as_py()!r}"),
        )

    def _turn_order(self, view: BatchView, sink: FindingSink) -> None:
        opener = "prompt" if view.shape.prompt == "explicit" else "chosen"
        problems: dict[int, tuple[str, str]] = {}
        msgs = view.messages(opener)
        first = msgs.first_where(~msgs.role_is("system"))
        for i in np.flatnonzero((first >= 0) & _at(msgs.role_is("assistant"), first)):
            problems[int(i)] = (opener, "an assistant turn replies to nothing (no user turn before it)")
        if view.shape.prompt == "explicit":
            self._boundary(view, msgs, problems)
        rows = sorted(problems)
        sink.add_rows("structure.turn_order", view.split, rows, lambda i: view.example(i, *problems[i]))

    def _boundary(self, view: BatchView, prompt: Messages, problems: dict[int, tuple[str, str]]) -> None:
        lengths = np.diff(prompt.offsets)
        last = np.where(lengths > 0, prompt.offsets[1:] - 1, -1)
        prompt_ends_assistant = (last >= 0) & _at(prompt.role_is("assistant"), last)
        for side in ("chosen", "rejected"):
            msgs = view.messages(side)
            starts = np.where(np.diff(msgs.offsets) > 0, msgs.offsets[:-1], -1)
            opens_assistant = (starts >= 0) & _at(msgs.role_is("assistant"), starts)
            opens_other = (starts >= 0) & ~opens_assistant & ~_at(msgs.role_is("tool"), starts)
            for i in np.flatnonzero(prompt_ends_assistant & opens_assistant):
                problems.setdefault(
                    int(i), ("prompt", "the prompt ends on an assistant turn before an assistant reply")
                )
            for i in np.flatnonzero(opens_other):
                role = msgs.roles[starts[i]].as_py()
                problems.setdefault(int(i), (side, f"the {side} completion starts with a {role!r} turn"))

    def _margin(self, view: BatchView, sink: FindingSink) -> None:
        col = view.column("margin")
        if col is None or pa.types.is_null(col.type):
            return
        if not (pa.types.is_floating(col.type) or pa.types.is_integer(col.type)):
            rows = np.flatnonzero(col.is_valid().to_numpy(zero_copy_only=False)).tolist()
            sink.add_rows(
                "structure.margin",
                view.split,
                rows,
                lambda i: view.example(i, "margin", f"{col[i].as_py()!r} ({col.type})"),
            )
            return
        if pa.types.is_integer(col.type):
            return
        bad = pc.fill_null(pc.invert(pc.is_finite(col)), False).to_numpy(zero_copy_only=False)
        sink.add_rows(
            "structure.margin",
            view.split,
            np.flatnonzero(bad).tolist(),
            lambda i: view.example(i, "margin", repr(col[i].as_py())),
        )


def _at(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """values[index] where index >= 0, False elsewhere."""
    if not len(values):
        return np.zeros(len(index), dtype=bool)
    return np.where(index >= 0, values[np.clip(index, 0, len(values) - 1)], False)

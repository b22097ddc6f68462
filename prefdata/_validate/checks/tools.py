"""Tool checks: tool replies answer a call, call arguments are JSON objects, `tools` are schemas."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from prefdata._validate.batch import BatchView
from prefdata._validate.checks.base import Check
from prefdata._validate.checks.jsonschema import tools_problem
from prefdata._validate.finding_sink import FindingSink
from prefdata._validate.flatten import CALL_FIELD_SEP, CALL_SEP

_CACHE_LIMIT = 10_000


class ToolsCheck(Check):
    """`structure.tool_reply`, `structure.tool_call`, `structure.tools_schema`."""

    def __init__(self) -> None:
        self._tools_seen: dict[str, str | None] = {}

    def update(self, view: BatchView, sink: FindingSink) -> None:
        if view.shape.format == "conversational":
            self._calls(view, sink)
            self._replies(view, sink)
        self._tools(view, sink)

    def _calls(self, view: BatchView, sink: FindingSink) -> None:
        bad: dict[int, tuple[str, str]] = {}
        for side in view.shape.sides:
            msgs = view.messages(side)
            has = np.flatnonzero(pc.binary_length(msgs.calls).to_numpy(zero_copy_only=False) > 0)
            for m in has:
                problem = _call_problem(msgs.calls[int(m)].as_py())
                if problem and int(msgs.parents[m]) not in bad:
                    bad[int(msgs.parents[m])] = (side, problem)
        rows = sorted(bad)
        sink.add_rows("structure.tool_call", view, rows, lambda i: view.example(i, *bad[i]))

    def _replies(self, view: BatchView, sink: FindingSink) -> None:
        sides = view.shape.sides
        candidates: set[int] = set()
        for side in sides:
            msgs = view.messages(side)
            candidates.update(msgs.rows_with(msgs.role_is("tool")).tolist())
        bad: dict[int, tuple[str, str]] = {}
        for i in sorted(candidates):
            found = _unanswered(view, i, sides)
            if found:
                bad[i] = found
        rows = sorted(bad)
        sink.add_rows("structure.tool_reply", view, rows, lambda i: view.example(i, *bad[i]))

    def _tools(self, view: BatchView, sink: FindingSink) -> None:
        col = view.column("tools")
        if col is None or pa.types.is_null(col.type):
            return
        values = col.to_pylist()
        bad = {i: p for i, v in enumerate(values) if v is not None and (p := self._problem(v))}
        sink.add_rows("structure.tools_schema", view, sorted(bad), lambda i: view.example(i, "tools", bad[i]))

    def _problem(self, value: Any) -> str | None:
        key = _freeze(value)
        if key not in self._tools_seen:
            if len(self._tools_seen) > _CACHE_LIMIT:
                self._tools_seen.clear()
            self._tools_seen[key] = _decode_tools_problem(value)
        return self._tools_seen[key]


def _freeze(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _decode_tools_problem(value: Any) -> str | None:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            return f"not JSON: {exc}"
    return tools_problem(value)


def _call_problem(serialised: str) -> str | None:
    for call in serialised.split(CALL_SEP):
        name, arguments, _ = call.split(CALL_FIELD_SEP)
        if not name:
            return "tool call without a function name"
        try:
            decoded = json.loads(arguments)
        except ValueError:
            return f"tool call {name!r}: arguments are not JSON: {arguments[:40]!r}"
        if not isinstance(decoded, dict):
            return f"tool call {name!r}: arguments are not a JSON object: {arguments[:40]!r}"
    return None


def _unanswered(view: BatchView, i: int, sides: tuple[str, ...]) -> tuple[str, str] | None:
    """The first tool message of row `i` that answers no earlier call, per completion."""
    prompt = _row_messages(view, "prompt", i) if "prompt" in sides else []
    for side in ("chosen", "rejected"):
        ids: set[str] = set()
        pending = 0
        for where, msg in [("prompt", m) for m in prompt] + [(side, m) for m in _row_messages(view, side, i)]:
            if msg.get("role") == "assistant" and msg.get("tool_calls"):
                pending += len(msg["tool_calls"])
                ids.update(c.get("id") for c in msg["tool_calls"] if c.get("id"))
            elif msg.get("role") == "tool":
                call_id = msg.get("tool_call_id")
                if pending == 0 or (call_id and ids and call_id not in ids):
                    return where, f"tool message answers no call: {str(msg.get('content'))[:50]!r}"
                pending -= 1
    return None


def _row_messages(view: BatchView, side: str, i: int) -> list[dict[str, Any]]:
    return view.side(side)[i].as_py() or []

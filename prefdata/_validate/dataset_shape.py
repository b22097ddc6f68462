"""The four TRL shapes of preference data, read from an Arrow schema.

| shape                       | `prompt`        | `chosen` / `rejected` |
| --------------------------- | --------------- | --------------------- |
| standard, explicit prompt   | str             | str                   |
| standard, implicit prompt   | (absent)        | str                   |
| conversational, explicit    | list of message | list of message       |
| conversational, implicit    | (absent)        | list of message       |
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import pyarrow as pa

SIDES = ("prompt", "chosen", "rejected")
OPTIONAL_COLUMNS = frozenset(
    {"margin", "tools", "chat_template_kwargs", "tie", "source_row", "source_rows", "source_split", "id"}
)


@dataclass(frozen=True)
class Shape:
    """Which of TRL's four shapes a dataset has."""

    format: Literal["standard", "conversational"]
    prompt: Literal["explicit", "implicit"]

    @property
    def sides(self) -> tuple[str, ...]:
        """The text columns present: prompt (when explicit), chosen, rejected."""
        return SIDES if self.prompt == "explicit" else SIDES[1:]


def is_text_type(t: pa.DataType) -> bool:
    """True for Arrow string types (and null, which a column of only nulls gets)."""
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_null(t)


def is_messages_type(t: pa.DataType) -> bool:
    """True for a list of structs that have at least `role` and `content`."""
    if not (pa.types.is_list(t) or pa.types.is_large_list(t)):
        return False
    item = t.value_type
    if not pa.types.is_struct(item):
        return False
    names = {item.field(i).name for i in range(item.num_fields)}
    return {"role", "content"} <= names


def read_shape(schema: pa.Schema) -> tuple[Shape | None, list[str]]:
    """Return the shape of `schema`, or None and the reasons it matches none of the four."""
    names = set(schema.names)
    problems = [f"column `{c}` is missing" for c in ("chosen", "rejected") if c not in names]
    if problems:
        return None, problems
    sides = [c for c in SIDES if c in names]
    kinds = {c: _kind(schema.field(c).type) for c in sides}
    for col, kind in kinds.items():
        if kind is None:
            problems.append(
                f"column `{col}` has type {schema.field(col).type}; expected str or list of messages"
            )
    if problems:
        return None, problems
    found = {k for k in kinds.values() if k != "any"}
    if len(found) > 1:
        mixed = ", ".join(f"`{c}` is {k}" for c, k in kinds.items())
        return None, [f"columns mix standard and conversational values ({mixed})"]
    fmt = found.pop() if found else "standard"
    prompt = "explicit" if "prompt" in names else "implicit"
    return Shape(fmt, prompt), []  # type: ignore[arg-type]


def _kind(t: pa.DataType) -> str | None:
    if pa.types.is_null(t):
        return "any"
    if is_text_type(t):
        return "standard"
    if is_messages_type(t):
        return "conversational"
    return None


def is_canonical_columns(names: Iterable[str]) -> bool:
    """True when the columns are exactly TRL's plus the optional canonical ones."""
    cols = set(names)
    return {"chosen", "rejected"} <= cols and cols <= set(SIDES) | OPTIONAL_COLUMNS

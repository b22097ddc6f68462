"""Columns a JSON source shows only after the sampled rows, where converting on would lose data.

A source's columns are read from a sample of its first split (200 rows): they decide which
optional columns (`margin`, `tools`, `chat_template_kwargs`) the output has and which names a
spec is checked against. A JSON row is free to carry a key no sampled row had. Two such keys
would be lost without a word:

| key first seen late                                   | would be                      |
| ----------------------------------------------------- | ----------------------------- |
| an optional column the spec reads (`tools` on row 290) | left out of that row's output |
| a twin of a column the spec reads (`Chosen`, `chosen `) | ignored                       |

Either stops the conversion (`RowError`), naming the key, the row and the fix. A row whose keys
are all known costs one set test.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection
from typing import Any

from prefdata._errors import RowError
from prefdata._transforms.fields import columns_read
from prefdata.records.options import ConvertOptions
from prefdata.records.spec import LayoutSpec


def column_key(name: str) -> str:
    """What two column names share when a reader takes them for one: case, outer white space,
    invisible format characters (a zero-width space) and compatibility forms (NFKC) aside."""
    text = unicodedata.normalize("NFKC", name)
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf").strip().casefold()


def shown(name: str) -> str:
    """A column name in backticks, escaped where white space or invisible characters would hide."""
    return f"`{name}`" if name.isprintable() and name == name.strip() else repr(name)


def spec_columns(spec: LayoutSpec) -> set[str]:
    """The top-level columns `spec` reads (those named in its match, responses and prompt at least)."""
    read = set(columns_read(spec) or ())
    read |= {c.split(".")[0] for c in spec.match.columns}
    if spec.responses is not None:
        read |= {c.split(".")[0] for c in [*spec.responses.columns, spec.responses.list_column or ""] if c}
    read |= {p.column.split(".")[0] for p in spec.prompt if p.column}
    return read


class LateColumns:
    """The check, made once per spec, options and sampled columns; holds configuration only."""

    def __init__(self, spec: LayoutSpec, options: ConvertOptions, columns: Collection[str]) -> None:
        self.known = frozenset(columns)
        uses_margin = spec.margin is not None and (spec.margin.always or options.margin)
        optional = [
            spec.margin.column if spec.margin and uses_margin else None,
            spec.tools,
            spec.chat_template_kwargs,
        ]
        self.unseen = frozenset(c.split(".")[0] for c in optional if c and c.split(".")[0] not in self.known)
        self.read = {column_key(c): c for c in spec_columns(spec) if c in self.known}
        self.margin = spec.margin.column.split(".")[0] if spec.margin is not None else ""

    @staticmethod
    def margin_fix(key: str) -> str:
        return (
            f"give every row a `{key}` (a margin column needs a number on every row, as TRL reads one from "
            f"each; rows without one are dropped as `no_margin`), or remove `{key}` to convert without margins"
        )

    def check(self, row: dict[str, Any], index: int) -> None:
        """Raise `RowError` when `row` has a key the sample did not, that converting would lose."""
        if self.known.issuperset(row):
            return
        for key in row:
            if key in self.known:
                continue
            if key in self.unseen and row[key] is not None:
                raise RowError(
                    f"column {shown(key)} first holds a value here, after the sampled rows that decided the "
                    "output's columns: its values would be left out",
                    where=f"row {index}",
                    fix=self.margin_fix(key)
                    if key == self.margin
                    else f'add "{key}": null to the first row '
                    "(or move a row that has it to the top), so the column is known from the start",
                )
            twin = self.read.get(column_key(key))
            if twin is not None:
                raise RowError(
                    f"columns {shown(twin)} and {shown(key)} differ only in case, white space or invisible "
                    f"characters; the layout reads {shown(twin)} and would ignore {shown(key)}",
                    where=f"row {index}",
                    fix="rename or remove one of them",
                )


__all__ = ["LateColumns", "column_key", "shown", "spec_columns"]

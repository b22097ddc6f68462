"""The columns a spec reads, checked against a source before any row is converted.

A spec naming a column the source lacks would drop every row (`prompt: [{column: questionn}]`
gives nothing but `empty_prompt`): that is a mistake in the spec, reported as one `SpecError`
naming every such column and the closest name the source has.

| spec part                                   | required                                 |
| ------------------------------------------- | ---------------------------------------- |
| `prompt` pieces                             | yes, unless `optional: true`             |
| `responses.columns` / `list_column`         | yes                                      |
| `responses.field`, rank / score `field`     | in the list items (score: unless it has `fallback_fields`) |
| preference columns (the `--axis` in use)    | yes                                      |
| `margin`, `tools`, `chat_template_kwargs`   | no: used when the source has them        |

A `paired` spec listing a rejected-side name first (`[rejected, chosen]`, `[bad, good]`) is
refused too (`check_paired_order`): it would flip every pair.

Top-level names are checked against the source's columns; a dotted path (`info.post`) and a
field of list items are checked in the first rows of every split.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from prefdata._errors import SpecError
from prefdata._infer.names import stem_partner
from prefdata._sources import Source
from prefdata.records.options import ConvertOptions
from prefdata.records.spec import Index, LayoutSpec, OneHot, Paired, Rank, Score

_SAMPLE_ROWS = 50
Required = tuple[str, str, "str | None"]  # (spec key, path, the list column whose items hold it)


def check_spec_columns(spec: LayoutSpec, src: Source, options: ConvertOptions) -> None:
    """Raise a `SpecError` naming every column (or nested field) `spec` reads that `src` lacks."""
    check_paired_order(spec)
    paths = required_paths(spec, options)
    problems = [
        p for key, path, items in paths if items is None and (p := _missing_top(key, path, src.columns))
    ]
    nested = [(key, path, items) for key, path, items in paths if items or "." in path]
    if nested and not problems:
        for name, split in src.splits.items():
            rows = split.sample(_SAMPLE_ROWS)
            problems += [
                p for key, path, items in nested if (p := _missing_nested(key, path, items, rows, name))
            ]
    if problems:
        raise SpecError(
            f"layout `{spec.name}` reads what the source lacks: " + "; ".join(problems),
            where=src.description,
            fix="correct the name in the spec (a prompt piece that may be absent takes `optional: true`)",
        )


def check_paired_order(spec: LayoutSpec) -> None:
    """Refuse a `paired` spec whose names put the worse side first (`columns: [rejected, chosen]`).

    `paired` takes the first column as chosen: listed the other way round, every pair would be
    flipped, the worst mistake a conversion can make, and nothing in the data shows it."""
    pref, resp = spec.preference, spec.responses
    if not isinstance(pref, Paired) or resp is None or len(resp.columns) != 2:
        return
    for key, names in (("responses.columns", resp.columns), ("preference.scores", pref.scores)):
        if len(names) != 2:
            continue
        first, second = names
        partner = stem_partner(second)
        if partner is not None and partner[0] == first:
            raise SpecError(
                f"{key} lists `{first}` before `{second}`: `paired` takes the first as the preferred one, "
                f"but the names say `{second}` is (`{partner[1]}` vs `{partner[2]}`); every pair would be flipped",
                where=f"layout `{spec.name}`",
                fix=f"list them as [{second}, {first}]",
            )


def required_paths(spec: LayoutSpec, options: ConvertOptions) -> list[Required]:
    """(spec key, path, list column whose items hold it or None) for everything `spec` must find."""
    out: list[Required] = []
    for i, piece in enumerate(spec.prompt):
        if not piece.optional:  # a template's fields have fallbacks: only its column is required
            column = piece.column.split(".")[0] if piece.format == "template" else piece.column
            out.append((f"prompt[{i}].column", column, None))
    resp = spec.responses
    if resp is not None:
        out += [(f"responses.columns[{i}]", c, None) for i, c in enumerate(resp.columns)]
        if resp.list_column:
            out.append(("responses.list_column", resp.list_column, None))
            if resp.field:
                out.append(("responses.field", resp.field, resp.list_column))
    out += _signal_paths(spec, options)
    return out


def _signal_paths(spec: LayoutSpec, options: ConvertOptions) -> list[Required]:
    pref = spec.preference
    items = spec.responses.list_column if spec.responses is not None else None
    named: list[tuple[str, str]] = []  # (spec key, top-level column)
    if isinstance(pref, Paired):
        named = [(f"preference.scores[{i}]", c) for i, c in enumerate(pref.scores)]
    elif isinstance(pref, OneHot):
        named = [("preference.columns", c) for c in pref.columns]
        named += [("preference.tie_columns", c) for c in pref.tie_columns]
    elif isinstance(pref, Index):
        axis = options.axis if options.axis in pref.axes else pref.default_axis
        named = [(f"preference.axes.{axis}", pref.axes[axis])]
    elif isinstance(pref, (Rank, Score)):
        if pref.columns:
            named = [(f"preference.columns[{i}]", c) for i, c in enumerate(pref.columns)]
        elif not (
            isinstance(pref, Score) and pref.fallback_fields
        ):  # with fallbacks, the field may be absent
            return [("preference.field", pref.field, items)]
    elif column := getattr(pref, "column", None):  # label, signed
        named = [("preference.column", column)]
    return [(key, column, None) for key, column in named]


def _missing_top(key: str, path: str, columns: list[str]) -> str | None:
    top = path.split(".")[0]
    if top in columns:
        return None
    return f"`{top}` ({key}) is not a column{_closest(top, columns)}"


def _missing_nested(
    key: str, path: str, items: str | None, rows: list[dict[str, Any]], split: str
) -> str | None:
    """A problem when the sampled rows have values to look into and none has the path."""
    containers: list[Any]
    if items is not None:
        containers = [it for row in rows for it in (row.get(items) or []) if isinstance(it, dict)]
        steps, what = path.split("."), f"items of `{items}`"
    else:
        head, *steps = path.split(".")
        containers = [row.get(head) for row in rows]
        what = f"`{head}`"
    for step in steps[:-1]:
        containers = [c.get(step) for c in containers if isinstance(c, dict)]
    dicts = [c for c in containers if isinstance(c, dict)]
    if not dicts or any(steps[-1] in c for c in dicts):
        return None
    keys = list(dict.fromkeys(k for c in dicts for k in c))
    return f"`{path}` ({key}): no field `{steps[-1]}` in {what} in split {split}{_closest(steps[-1], keys)}"


def _closest(name: str, names: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(names), n=1, cutoff=0.5)
    return f" (closest: `{close[0]}`)" if close else ""

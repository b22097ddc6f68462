"""Reading values out of a row by dotted path, and filling text templates from them."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from prefdata._transforms.drops import Drop
from prefdata.records.spec import Index, Label, LayoutSpec, OneHot, Paired, Preference, Rank, Score, Signed

_MISSING = object()
_FIELD = re.compile(r"\{([A-Za-z0-9_.\-]+)\}")


def get_path(row: Any, path: str, default: Any = None) -> Any:
    """`row["a"]["b"]` for path `a.b`; `default` when any step is missing or null."""
    if "." not in path:  # a top-level column, the common case: one lookup, no split
        value = row.get(path) if isinstance(row, dict) else None
        return default if value is None else value
    value = row
    for key in path.split("."):
        if not isinstance(value, dict):
            return default
        value = value.get(key, _MISSING)
        if value is _MISSING or value is None:
            return default
    return value


def has_path(row: dict[str, Any], path: str) -> bool:
    """The first step of `path` is a key of `row` (the column exists)."""
    return path.split(".")[0] in row


def fill_template(row: dict[str, Any], templates: list[str], blank_is_missing: bool = False) -> str:
    """The first template whose `{fields}` are all non-null, with the fields filled in.

    Only `{dotted.path}` substitution is done: a template is data, never evaluated. With
    `blank_is_missing`, a field holding blank text counts as null.
    """
    for template in templates:
        values = {name: get_path(row, name) for name in _FIELD.findall(template)}
        if blank_is_missing:
            values = {k: None if isinstance(v, str) and not v.strip() else v for k, v in values.items()}
        if all(v is not None for v in values.values()):
            return _FIELD.sub(_filler(values), template)
    raise Drop("empty_prompt", "no template has all its fields filled")


def _filler(values: dict[str, Any]) -> Callable[[re.Match[str]], str]:
    def fill(match: re.Match[str]) -> str:
        return str(values[match.group(1)])

    return fill


def number(value: Any, what: str) -> float | None:
    """A number from an int, float or numeric string; None for null or 'N/A'-style text."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    raise Drop("bad_value", f"{what} is {type(value).__name__}, not a number")


def columns_read(spec: LayoutSpec) -> list[str] | None:
    """The top-level columns converting under `spec` reads (a reader may skip the others).

    None (read every column) for message trees, which read whole rows, and for any
    encoding not listed in `signal_paths`.
    """
    signal = signal_paths(spec.preference)
    if signal is None or spec.responses is None:
        return None
    resp = spec.responses
    paths = [*signal, *resp.columns, resp.list_column, spec.tools, spec.chat_template_kwargs]
    paths.append(spec.margin.column if spec.margin else None)
    for piece in spec.prompt:
        paths += [piece.column, *(name for text in piece.template for name in _FIELD.findall(text))]
    return sorted({path.split(".")[0] for path in paths if path})


def signal_paths(pref: Preference) -> list[str] | None:
    """The paths a preference encoding reads (fields of list items included: harmless extras)."""
    if isinstance(pref, Paired):
        return [*pref.scores, *([pref.tie_column] if pref.tie_column else [])]
    if isinstance(pref, OneHot):
        return [*pref.columns, *pref.tie_columns]
    if isinstance(pref, Label):
        return [pref.column, *pref.votes]
    if isinstance(pref, Signed):
        return [pref.column]
    if isinstance(pref, Index):
        return list(pref.axes.values())
    if isinstance(pref, Rank):
        return [pref.field, *pref.columns]
    if isinstance(pref, Score):
        return [pref.field, *pref.fallback_fields, *pref.columns]
    return None

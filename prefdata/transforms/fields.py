"""Reading values out of a row by dotted path, and filling text templates from them."""

from __future__ import annotations

import re
from typing import Any

from prefdata.transforms.drops import Drop

_MISSING = object()
_FIELD = re.compile(r"\{([A-Za-z0-9_.\-]+)\}")


def get_path(row: Any, path: str, default: Any = None) -> Any:
    """`row["a"]["b"]` for path `a.b`; `default` when any step is missing or null."""
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


def fill_template(row: dict[str, Any], templates: list[str]) -> str:
    """The first template whose `{fields}` are all non-null, with the fields filled in.

    Only `{dotted.path}` substitution is done: a template is data, never evaluated.
    """
    for template in templates:
        values = {name: get_path(row, name) for name in _FIELD.findall(template)}
        if all(v is not None for v in values.values()):
            filled = values  # bound here: the lambda runs before the loop moves on
            return _FIELD.sub(lambda m: str(filled[m.group(1)]), template)
    raise Drop("empty_prompt", "no template has all its fields filled")


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

"""Preference signals checked against the domain their layout publishes (`LabelDomain`).

| value (domain: integer in -3..3) | read as                              |
| -------------------------------- | ------------------------------------ |
| `2`, `2.0`, `-3`                 | 2.0, 2.0, -3.0                       |
| null, NaN, `"N/A"`, `""`         | None: a missing preference            |
| `7`, `2.5`, `"2"`, `true`, inf   | dropped as `label_out_of_domain`     |
"""

from __future__ import annotations

import math
from typing import Any

from prefdata._transforms.drops import Drop
from prefdata.records.spec import LabelDomain

# text that says "no value" rather than giving a wrong one
_NO_VALUE = frozenset({"", "n/a", "na", "nan", "null", "none"})


def domain_value(value: Any, domain: LabelDomain, where: str, responses: int = 2) -> float | None:
    """`value` as a number inside `domain`; None when it says "no value" (null, NaN, `N/A`).

    Anything else outside the domain raises `Drop("label_out_of_domain")` naming `where`, the
    value and the domain. `responses` is the row's number of responses (for `max_is_responses`).
    """
    if value is None or (isinstance(value, str) and value.strip().lower() in _NO_VALUE):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _outside(value, domain, where, responses)
    try:
        number = float(value)
    except OverflowError:  # an integer past float range is past any domain
        raise _outside(value, domain, where, responses) from None
    if math.isnan(number):
        return None
    high = float(responses) if domain.max_is_responses else domain.max
    if (
        math.isinf(number)
        or (domain.integer and not number.is_integer())
        or (domain.min is not None and number < domain.min)
        or (high is not None and number > high)
    ):
        raise _outside(value, domain, where, responses)
    return number


def describe(domain: LabelDomain, responses: int = 2) -> str:
    """The domain in words: `an integer in -3..3`, `an integer in 1..4 (the number of responses)`."""
    kind = "an integer" if domain.integer else "a number"
    low = "" if domain.min is None else f"{domain.min:g}"
    high = f"{responses} (the number of responses)" if domain.max_is_responses else ""
    high = high or ("" if domain.max is None else f"{domain.max:g}")
    if low and high:
        return f"{kind} in {low}..{high}"
    if low or high:
        return f"{kind} {'>= ' + low if low else '<= ' + high}"
    return kind


def _outside(value: Any, domain: LabelDomain, where: str, responses: int) -> Drop:
    kind = " (text)" if isinstance(value, str) else " (a boolean)" if isinstance(value, bool) else ""
    return Drop(
        "label_out_of_domain",
        f"`{where}` is {value!r:.60}{kind}; the layout publishes {describe(domain, responses)}",
    )

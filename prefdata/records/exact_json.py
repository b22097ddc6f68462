"""Parsing JSON text without losing integers: orjson's speed, Python's exactness where it matters.

orjson reads an integer beyond 64 bits as a float (`12345678901234567890123` becomes
`1.2345678901234568e+22`), silently. Such a number needs at least 20 digits in a row, so text
holding a run of 20 digits is parsed again with Python's `json`, whose integers are exact.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

_LONG_DIGITS = re.compile(rb"[0-9]{20}")
_LONG_DIGITS_TEXT = re.compile(r"[0-9]{20}")


def loads(data: bytes | str) -> Any:
    """`orjson.loads(data)`, with integers of any size kept exact; raises `orjson.JSONDecodeError`."""
    value = orjson.loads(data)
    pattern = _LONG_DIGITS if isinstance(data, bytes) else _LONG_DIGITS_TEXT
    if pattern.search(data):  # type: ignore[arg-type]
        return json.loads(data)  # valid JSON (orjson took it): Python's parser reads it as well
    return value

"""What a column's sampled values are: text, messages, candidate lists, numbers, labels.

A column gets a kind when at least `AGREE` of its non-null sampled values have it; mixed
columns get `mixed` and take no role (inference does not guess past its sample).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from prefdata._transforms.fields import get_path

AGREE = 0.9
MAX_LABELS = 12  # more distinct values than this: not a label


def _json(value: str) -> Any:
    text = value.lstrip()
    if text[:1] not in ("[", "{"):
        return None
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        return None


def _is_message(v: Any) -> bool:
    return isinstance(v, dict) and "role" in v and ("content" in v or "tool_calls" in v)


def _is_sharegpt(v: Any) -> bool:
    return isinstance(v, dict) and "from" in v and "value" in v


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def kind_of(value: Any) -> str:
    """The kind of one value (see the module docstring of `prefdata._infer`)."""
    if isinstance(value, bool):
        return "bool"
    if _is_number(value):
        return "number"
    if isinstance(value, str):
        parsed = _json(value)
        if isinstance(parsed, list) and parsed:
            inner = kind_of(parsed)
            if inner in ("messages", "texts"):
                return "json_" + inner
        return "text"
    if isinstance(value, dict):
        if _is_message(value):
            return "message"
        if _is_sharegpt(value):
            return "sharegpt_message"
        return "mapping"
    if isinstance(value, list):
        if not value:
            return "empty_list"
        if all(_is_message(m) for m in value):
            return "messages"
        if all(_is_sharegpt(m) for m in value):
            return "sharegpt"
        if all(isinstance(m, str) for m in value):
            return "texts"
        if all(isinstance(m, dict) for m in value):
            return "records"
        if all(isinstance(m, list) and m and all(_is_message(x) for x in m) for m in value):
            return "message_lists"
        if all(_is_number(m) for m in value):
            return "numbers"
    return "other"


@dataclass
class Profile:
    """A column's sampled values, summarised."""

    column: str
    kind: str
    values: list[Any]
    mean_length: float = 0.0
    distinct: int = 0
    labels: Counter[str] = field(default_factory=Counter)

    @property
    def is_response(self) -> bool:
        """Values that can be a response: text, a message list, one message."""
        return self.kind in RESPONSE_KINDS

    @property
    def is_label(self) -> bool:
        """Few distinct scalar values: a label (or a category)."""
        return bool(self.labels) and self.kind in ("text", "number", "bool")


RESPONSE_KINDS = frozenset({"text", "messages", "sharegpt", "json_messages", "message", "sharegpt_message"})


def label_key(value: Any) -> str:
    """A label value as text: `1.0` and `1` are the same label."""
    if _is_number(value) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


def profile(column: str, sample: Sequence[dict[str, Any]]) -> Profile:
    """Summarise a column (or dotted path) over the sampled rows."""
    values = [v for v in (get_path(r, column) for r in sample) if v is not None]
    kinds = Counter(kind_of(v) for v in values)
    kind = "null"
    if values:
        top, n = kinds.most_common(1)[0]
        kind = top if n >= AGREE * len(values) else "mixed"
        if kind == "mixed" and set(kinds) <= {"text", "json_texts", "json_messages"}:
            kind = "text"
    prof = Profile(column, kind, values)
    if kind == "text":
        texts = [v for v in values if isinstance(v, str)]
        prof.mean_length = sum(len(t) for t in texts) / max(1, len(texts))
    if kind in ("text", "number", "bool"):
        keys = Counter(label_key(v) for v in values)
        prof.distinct = len(keys)
        # a label: few distinct values, each short text or a whole number
        short = all(len(k) <= 24 for k in keys) and (kind != "number" or all(_whole(k) for k in keys))
        if len(keys) <= MAX_LABELS and short and (len(values) >= 2 * len(keys) or len(keys) <= 6):
            prof.labels = keys
    return prof


def _whole(key: str) -> bool:
    return key.lstrip("-").isdigit()


def common_fields(items: Sequence[Any]) -> dict[str, list[Any]]:
    """Keys present in most record items, with their values (one level of nesting, dotted)."""
    seen: dict[str, list[Any]] = {}
    for item in items:
        if not isinstance(item, dict):
            continue
        for key, value in item.items():
            seen.setdefault(key, []).append(value)
            if isinstance(value, dict):
                for sub, inner in value.items():
                    seen.setdefault(f"{key}.{sub}", []).append(inner)
    dicts = sum(isinstance(i, dict) for i in items)
    return {k: v for k, v in seen.items() if len(v) >= AGREE * dicts}


def numeric(values: Sequence[Any]) -> bool:
    """Every non-null value is a number or a numeric string (`"4.5"`)."""
    ok = 0
    for v in values:
        if v is None:
            continue
        if _is_number(v):
            ok += 1
            continue
        try:
            float(str(v).strip())
            ok += 1
        except ValueError:
            return False
    return ok > 0

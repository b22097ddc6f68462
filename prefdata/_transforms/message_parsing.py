"""Normalising one message from any source into the canonical message dict.

No key invented, none lost: `role` and `content` always, and every other key the source
message has (`tool_calls`, `name`, `tool_call_id`, and any other, e.g. `reasoning_content`)
unless its value is null (a null counts as absent, since Arrow fills missing struct keys
with nulls). Tool-call arguments become JSON text.
"""

from __future__ import annotations

from typing import Any

import orjson

from prefdata._transforms.drops import Drop

ROLE_ALIASES = {
    "system": "system",
    "user": "user",
    "human": "user",
    "prompter": "user",
    "assistant": "assistant",
    "gpt": "assistant",
    "bot": "assistant",
    "model": "assistant",
    "chatgpt": "assistant",
    "tool": "tool",
    "function": "tool",
    "ipython": "tool",
    "observation": "tool",
}


def role_of(value: Any) -> str:
    """Map a source role name to a canonical role, or drop the row."""
    role = ROLE_ALIASES.get(str(value).strip().lower()) if value is not None else None
    if role is None:
        raise Drop("unknown_role", f"role {value!r}")
    return role


# Text parts are joined with a newline, as OpenAI-compatible servers flatten them before the
# chat template sees the message (vLLM, `vllm/entrypoints/chat_utils.py`:
# `text_prompt = "\n".join(texts)`): the converted message renders as the served one does.
# Kept as a list, parts would give `content` two Arrow types in one column.
TEXT_PART_SEPARATOR = "\n"


def content_of(value: Any) -> str | None:
    """Message content as text: strings as they are, text parts joined by a newline, null kept null."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(p, dict) for p in value):
        texts = [p.get("text") for p in value if p.get("type", "text") == "text"]
        if len(texts) == len(value) and all(isinstance(t, str) for t in texts):
            return TEXT_PART_SEPARATOR.join(texts)  # type: ignore[arg-type]
    raise Drop("bad_value", f"content is {type(value).__name__}, not text")


def arguments_text(value: Any) -> str:
    """Tool-call arguments as JSON text of an object; a JSON string is kept verbatim if valid."""
    if isinstance(value, str):
        try:
            parsed = orjson.loads(value)
        except orjson.JSONDecodeError:
            raise Drop("bad_value", f"tool-call arguments are not valid JSON: {value[:60]!r}") from None
        if not isinstance(parsed, dict):
            raise Drop("bad_value", "tool-call arguments are not a JSON object")
        return value
    if isinstance(value, dict):
        return json_text(value)
    raise Drop("bad_value", f"tool-call arguments are {type(value).__name__}")


def json_text(value: Any) -> str:
    """JSON text the way chat templates' `tojson` writes it (key order kept, non-ASCII kept)."""
    import json

    return json.dumps(value, ensure_ascii=False)


def tool_call_of(call: Any) -> dict[str, Any]:
    """One tool call in canonical form: `{type, function: {name, arguments}, id?}`."""
    if not isinstance(call, dict):
        raise Drop("bad_value", "a tool call is not an object")
    function = call.get("function")
    fn: dict[str, Any] = function if isinstance(function, dict) else call
    name = fn.get("name")
    if not isinstance(name, str) or not name:
        raise Drop("bad_value", "a tool call has no function name")
    kind = call.get("type") or "function"
    if not isinstance(kind, str):
        raise Drop("bad_value", f"a tool call's type is {kind!r}, not text")
    out: dict[str, Any] = {
        "type": kind,
        "function": {"name": name, "arguments": arguments_text(fn.get("arguments", {}))},
    }
    if call.get("id") is not None:
        out["id"] = str(call["id"])
    return out


def message_of(raw: Any) -> dict[str, Any]:
    """Normalise a `{role, content, ...}` (or `{from, value}`) message."""
    if not isinstance(raw, dict):
        raise Drop("bad_value", f"a message is {type(raw).__name__}, not an object")
    if "role" in raw:
        msg: dict[str, Any] = {"role": role_of(raw["role"]), "content": content_of(raw.get("content"))}
        read = _ROLE_KEYS
    elif "from" in raw:
        msg = {"role": role_of(raw["from"]), "content": content_of(raw.get("value"))}
        read = _SHAREGPT_KEYS
    else:
        raise Drop("bad_value", "a message has neither `role` nor `from`")
    calls = raw.get("tool_calls")
    if calls:
        if not isinstance(calls, list):
            raise Drop("bad_value", "tool_calls is not a list")
        msg["tool_calls"] = [tool_call_of(c) for c in calls]
    for key in ("name", "tool_call_id"):
        if raw.get(key) is not None:
            msg[key] = str(raw[key])
    if len(raw) > len(msg):  # some key not read above: kept as it is (rare, so looked for only then)
        for key, value in raw.items():
            if key not in read and value is not None:
                msg[key] = extra_value(key, value)
    return msg


# the keys `message_of` reads itself, per message style
_ROLE_KEYS = frozenset(["role", "content", "tool_calls", "name", "tool_call_id"])
_SHAREGPT_KEYS = frozenset(["from", "value", "tool_calls", "name", "tool_call_id"])
_INT64 = range(-(2**63), 2**63)


class ExtraKeyKinds:
    """The kind (text, number, boolean) of each extra message key in one split.

    Arrow gives a key one type in a whole column, so a row whose value for a key has another
    kind than in earlier rows is dropped (`bad_value`), not written as something else.
    """

    def __init__(self) -> None:
        self.kinds: dict[str, str] = {}

    def check(self, *sides: Any) -> None:
        """Raise `Drop` when a message of `sides` (message lists; text is skipped) disagrees."""
        for side in sides:
            if not isinstance(side, list):
                continue
            for m in side:
                if len(m) > 2:  # plain {role, content} messages, nearly all of them, skip at once
                    for key in m.keys() - _CANONICAL_KEYS:
                        self._check_kind(key, m[key])

    def _check_kind(self, key: str, value: Any) -> None:
        kind = "boolean" if isinstance(value, bool) else "text" if isinstance(value, str) else "number"
        first = self.kinds.setdefault(key, kind)
        if first != kind:
            raise Drop(
                "bad_value",
                f"message key `{key}` is {kind} ({str(value)[:40]!r}) here but {first} in earlier rows; "
                "give the key one type",
            )


_CANONICAL_KEYS = frozenset(["role", "content", "tool_calls", "name", "tool_call_id"])


def extra_value(key: str, value: Any) -> Any:
    """A message key prefdata does not read, kept as it is when Arrow can hold it exactly."""
    if isinstance(value, bool) or (isinstance(value, int) and value in _INT64):
        return value
    if isinstance(value, (str, float)):
        return value
    raise Drop(
        "bad_value",
        f"message key `{key}` holds {type(value).__name__} {str(value)[:40]!r}: extra message keys are kept "
        "only as text, numbers or booleans; map the key with a spec or remove it",
    )


def messages_of(raw: Any) -> list[dict[str, Any]]:
    """Normalise a list of messages."""
    if not isinstance(raw, list):
        raise Drop("bad_value", f"expected a list of messages, got {type(raw).__name__}")
    return [message_of(m) for m in raw]


def is_empty(msg: dict[str, Any]) -> bool:
    """A message says nothing: no text and no tool call."""
    content = msg.get("content")
    # content is text or None; `isspace` answers `not content.strip()` without copying the text
    return (not content or content.isspace()) and not msg.get("tool_calls")

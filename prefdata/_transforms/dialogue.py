"""Turning dialogue encodings (raw transcripts, JSON turn lists, ShareGPT) into messages.

| format        | example value                                            |
| ------------- | -------------------------------------------------------- |
| `hh`          | `"\\n\\nHuman: hi\\n\\nAssistant: hello"`                     |
| `extra_id`    | `"hi\\n<extra_id_1>Assistant\\nhello\\n<extra_id_1>User\\nbye"` |
| `json_turns`  | `'["hi", "and then?"]'` (one string per turn, one role)    |
| `sharegpt`    | `[{"from": "human", "value": "hi"}]`                      |
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from prefdata._transforms.drops import Drop
from prefdata._transforms.message_parsing import message_of, messages_of
from prefdata.records import exact_json

HUMAN, ASSISTANT = "\n\nHuman:", "\n\nAssistant:"
_HH_SPLIT = re.compile(r"(\n\nHuman:|\n\nAssistant:)")
_EXTRA_ID_SPLIT = re.compile(r"\n?<extra_id_1>(User|Assistant)\n?")
_EXTRA_ID_SYSTEM = re.compile(r"^<extra_id_0>System\n?(.*?)\n?(?=<extra_id_1>)", re.S)


def parse_hh(text: str) -> list[dict[str, Any]]:
    """Split a `Human:`/`Assistant:` transcript into turns (the rules are `hh_turns`').

    Text before the first marker is a user turn. A trailing empty assistant turn (a
    transcript ending in the `Assistant:` cue) is dropped.
    """
    messages = hh_turns(text, "user", opening_turn=False)
    if messages and messages[-1]["role"] == "assistant" and not messages[-1]["content"]:
        messages.pop()
    return messages


def hh_turns(text: str, first: str, *, opening_turn: bool = True) -> list[dict[str, Any]]:
    """The turns of transcript text whose opening text (before any marker) is spoken by `first`.

    A marker starts a turn only where it follows a blank line and changes the speaker: a
    marker not preceded by a blank line, or one of the role already speaking (the real data
    has replies that write `\\n\\nAssistant:` themselves), stays in the turn's text, so no
    turn is ever cut in two and no two turns of one role follow each other. Blank opening
    text is a turn only with `opening_turn` (a reply that is empty is still a reply).
    """
    parts = _HH_SPLIT.split(text)
    turns = [[first, parts[0]]] if opening_turn or parts[0].strip() else []
    for marker, body in zip(parts[1::2], parts[2::2], strict=True):
        role = "user" if marker == HUMAN else "assistant"
        if turns and turns[-1][0] == role:
            turns[-1][1] += marker + body
        else:
            turns.append([role, body])
    return [{"role": role, "content": body.strip()} for role, body in turns]


def split_hh_pair(
    chosen: str, rejected: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Split two transcripts into the shared prompt turns and each side's completion.

    The prompt is everything up to and including the last `\\n\\nAssistant:` turn marker
    inside the text both sides share (a marker that starts a turn, see `hh_turns`); the rest
    of each side is its completion: the reply, then, when the sides diverge before their last
    turn, the later turns. A completion that ends on a user turn is left for the turn-order
    check to drop: it is never written as one reply with the raw markers in it.
    """
    shared = _common_prefix_len(chosen, rejected)
    cut = _last_turn_cue(chosen, shared)
    if cut < 0:
        raise Drop("no_shared_prompt", "chosen and rejected share no `Assistant:` turn")
    end = cut + len(ASSISTANT)
    return parse_hh(chosen[:end]), hh_turns(chosen[end:], "assistant"), hh_turns(rejected[end:], "assistant")


def _last_turn_cue(text: str, stop: int) -> int:
    """Where the last `\\n\\nAssistant:` before `stop` that starts a turn (follows a user turn) is; -1 if none."""
    cut = text.rfind(ASSISTANT, 0, stop)
    while cut >= 0:
        before = text.rfind(ASSISTANT, 0, cut)
        if text.rfind(HUMAN, 0, cut) > before or before < 0:
            return cut
        cut = before  # the assistant is already speaking there: the marker is part of its reply
    return cut


def _common_prefix_len(a: str, b: str) -> int:
    n = min(len(a), len(b))
    if a[:n] == b[:n]:
        return n
    lo, hi = 0, n  # binary search on slices: C-speed comparisons, O(log n) of them
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def parse_extra_id(text: str) -> list[dict[str, Any]]:
    """Split a HelpSteer2-style transcript: the first turn is the user's, unmarked."""
    messages: list[dict[str, Any]] = []
    system = _EXTRA_ID_SYSTEM.match(text)
    if system:
        if system.group(1).strip():
            messages.append({"role": "system", "content": system.group(1).strip()})
        text = text[system.end() :]
    parts = _EXTRA_ID_SPLIT.split(text)
    if parts[0].strip():
        messages.append({"role": "user", "content": parts[0].strip()})
    for who, body in zip(parts[1::2], parts[2::2], strict=True):
        messages.append({"role": "user" if who == "User" else "assistant", "content": body.strip()})
    return messages


def parse_json(value: Any, what: str) -> Any:
    """Decode JSON text (a value that is already decoded passes through)."""
    if not isinstance(value, (str, bytes)):
        return value
    try:
        return exact_json.loads(value)
    except orjson.JSONDecodeError:
        raise Drop("bad_value", f"{what} is not valid JSON: {str(value)[:60]!r}") from None


def json_turns(value: Any, role: str) -> list[dict[str, Any]]:
    """A JSON list of strings (or nulls), one message per string."""
    turns = parse_json(value, "turn list")
    if not isinstance(turns, list):
        raise Drop("bad_value", f"turn list is {type(turns).__name__}, not a list")
    for t in turns:
        if t is not None and not isinstance(t, str):
            raise Drop("bad_value", f"a turn is {type(t).__name__}, not text")
    return [{"role": role, "content": t} for t in turns]


def interleave(prompts: list[dict[str, Any]], replies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """user, reply, user, reply...: the turns of a multi-turn arena conversation."""
    if len(prompts) != len(replies):
        raise Drop("turn_mismatch", f"{len(prompts)} prompt turns but {len(replies)} response turns")
    out = prompts + replies  # the right length; then every other slot (slice assignment: C speed)
    out[::2], out[1::2] = prompts, replies
    return out


def read_dialogue(value: Any, fmt: str, role: str) -> list[dict[str, Any]]:
    """Turn one value into messages according to a spec `format`."""
    if fmt == "auto":
        fmt = "text" if isinstance(value, str) else "messages"
        role = "none" if fmt == "text" else role
    if fmt == "text":
        if value is not None and not isinstance(value, str):
            raise Drop("bad_value", f"expected text, got {type(value).__name__}")
        return [{"role": role, "content": value}]
    if fmt == "messages":
        return messages_of(value)
    if fmt == "json_messages":
        return messages_of(parse_json(value, "message list"))
    if fmt == "json_turns":
        return json_turns(value, role)
    if fmt == "hh":
        return parse_hh(_text(value))
    if fmt == "extra_id":
        return parse_extra_id(_text(value))
    if fmt == "sharegpt":
        return messages_of(value)
    if fmt == "sharegpt_message":
        return [message_of(value)]
    raise ValueError(f"format {fmt!r} is read elsewhere")


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise Drop("bad_value", f"expected dialogue text, got {type(value).__name__}")
    return value

"""The one definition of a well-formed conversation, used by convert (a `turn_order` drop) and by
validate (a `structure.turn_order` finding), so that every row convert writes passes validate.

A conversation is written as one letter per message, its *codes*:

| code | message                             |
| ---- | ----------------------------------- |
| `s`  | system                              |
| `u`  | user                                |
| `a`  | assistant, no tool calls            |
| `c`  | assistant with tool calls           |
| `t`  | tool (a tool's reply to a call)     |
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

ROLE_CODES = {"system": "s", "user": "u", "assistant": "a", "tool": "t"}
_REPLY = frozenset("ac")
# What may come right after each code ("" is the start of the conversation), and why not otherwise.
_FOLLOWS = {"": "su", "s": "su", "u": "ac", "a": "u", "c": "t", "t": "tac"}
_NAMES = {"s": "system", "u": "user", "a": "assistant", "c": "assistant", "t": "tool"}


@dataclass(frozen=True)
class TurnProblem:
    """Where a conversation breaks the rules: the column, the 0-based message in it, and why."""

    side: str
    position: int
    why: str

    def detail(self) -> str:
        """One line for rejects.jsonl and validate examples."""
        return f"{self.side} message {self.position}: {self.why}"


def codes_of(messages: Iterable[dict[str, Any]], default: str = "user") -> str:
    """The codes of canonical message dicts; role `none` (role-less text) counts as `default`."""
    out = []
    for m in messages:
        role = m["role"] if m["role"] != "none" else default
        code = ROLE_CODES.get(role, "?")
        out.append("c" if code == "a" and m.get("tool_calls") else code)
    return "".join(out)


def turn_problem(prompt: str | None, completion: str, side: str) -> TurnProblem | None:
    """The first rule `prompt + completion` breaks, or None when the conversation is well-formed.

    `prompt` is None for an implicit-prompt row (the completion is the whole dialogue). Rules:

    - system turns come first, before any other turn;
    - the first other turn is the user's: an assistant turn would reply to nothing;
    - user and assistant alternate; an assistant turn with tool calls is followed by the tool
      replies (one or more `tool` turns), and after them the assistant speaks again;
    - a completion starts with a reply (assistant or tool turn), never a user or system turn,
      and ends with an assistant turn (a completion that ends on a user or tool turn has no
      final reply to score); an empty completion is left to the emptiness checks.

    A *continuation prompt* (a prompt ending with an assistant turn, the completion continuing
    it with another assistant turn) is not well-formed: TRL's `RewardTrainer` renders
    `prompt + chosen` through the chat template as two separate assistant turns in a row (its
    `apply_chat_template` uses `continue_final_message` for the prompt alone, so the prompt
    is then not even a prefix of prompt + completion), and many templates refuse two
    assistant turns in a row. A prompt may end with an assistant turn only when that turn
    calls tools and the completion starts with the tool replies.
    """
    if not completion or "?" in completion or (prompt and "?" in prompt):
        return None  # unknown roles are reported as such (`unknown_role`, `structure.roles`)
    if prompt is not None and completion[0] in "us":
        return TurnProblem(
            side, 0, f"the {side} completion starts with a {_NAMES[completion[0]]} turn, not a reply"
        )
    whole = (prompt or "") + completion
    start = len(prompt or "")
    previous = ""
    for i, code in enumerate(whole):
        if code not in _FOLLOWS[previous]:
            where, at = (side, i - start) if i >= start else ("prompt", i)
            return TurnProblem(where, at, _why(previous, code, prompt is not None and i == start))
        previous = code
    if completion[-1] not in _REPLY:
        last = _NAMES[completion[-1]]
        return TurnProblem(
            side, len(completion) - 1, f"the {side} completion ends with a {last} turn, not a reply"
        )
    return None


def _why(previous: str, code: str, boundary: bool) -> str:
    if code == "t":
        return "a tool turn answers no tool call (no assistant turn with tool calls before it)"
    if code == "s":
        return "a system turn after the conversation started"
    if code in _REPLY and previous in ("", "s"):
        return "an assistant turn replies to nothing (no user turn before it)"
    if previous == "c":
        return "the assistant's tool calls get no tool reply before the next turn"
    if code in _REPLY and boundary:
        return (
            "the prompt ends on an assistant turn and the completion starts with another one "
            "(a continuation prompt, which chat templates render as two assistant turns)"
        )
    if code in _REPLY:
        return "two assistant turns in a row"
    if previous == "t":
        return "a user turn follows tool replies before the assistant answered them"
    return "two user turns in a row"

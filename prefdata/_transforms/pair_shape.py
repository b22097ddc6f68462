"""Building the canonical prompt/chosen/rejected from a prompt and two candidate dialogues.

| option            | value           | columns written                                    |
| ----------------- | --------------- | -------------------------------------------------- |
| `prompt`          | `explicit`      | `prompt` (shared turns), `chosen`, `rejected` (replies) |
| `prompt`          | `implicit`      | `chosen`, `rejected` (whole dialogues)             |
| `format`          | `conversational`| message lists                                      |
| `format`          | `standard`      | text; multi-turn dialogue as a Human/Assistant transcript |
"""

from __future__ import annotations

from typing import Any

from prefdata._transforms.drops import Drop
from prefdata._transforms.message_parsing import is_empty
from prefdata._transforms.turn_order import codes_of, turn_problem
from prefdata.records.options import ConvertOptions

Messages = list[dict[str, Any]]
_SPEAKER = {"user": "Human", "assistant": "Assistant"}


def derive_prompt(chosen: Messages, rejected: Messages) -> tuple[Messages, Messages, Messages]:
    """Split two whole dialogues into the turns they share and each side's continuation.

    The shared part never ends on an assistant turn, so both continuations start with the
    assistant's reply (or are empty).
    """
    k = 0
    for a, b in zip(chosen, rejected, strict=False):
        if a != b:
            break
        k += 1
    while k > 0 and chosen[k - 1]["role"] == "assistant":
        k -= 1
    if k == 0:
        raise Drop("no_shared_prompt", "the two dialogues differ from their first turn")
    return chosen[:k], chosen[k:], rejected[k:]


def check_pair(prompt: Messages, chosen: Messages, rejected: Messages, opts: ConvertOptions) -> None:
    """Drop pairs with an empty side, an empty prompt, or identical sides (per policy)."""
    if opts.empty != "keep":
        if not chosen or not rejected or _empty_reply(chosen) or _empty_reply(rejected):
            raise Drop("empty_response", _which_empty(chosen, rejected))
        if prompt and all(is_empty(m) for m in prompt):
            raise Drop("empty_prompt", "every prompt turn is empty")
    if opts.identical != "keep" and chosen == rejected:
        raise Drop("identical", "chosen and rejected are the same")
    check_turn_order(prompt, chosen, rejected, opts.prompt == "explicit" and bool(prompt))


def check_turn_order(prompt: Messages, chosen: Messages, rejected: Messages, explicit: bool) -> None:
    """Drop a pair whose conversation, as it will be written, is not well-formed.

    The rules are `turn_order.turn_problem`'s, the ones `prefdata validate` checks; `explicit`
    says whether the prompt is written apart (else it is part of both completions). Role-less
    text (a standard-format source) has no turns to check.
    """
    if is_plain_text(prompt, chosen, rejected):
        return
    head = codes_of(prompt, "user")
    for side, messages in (("chosen", chosen), ("rejected", rejected)):
        body = codes_of(messages, "assistant")
        problem = turn_problem(head, body, side) if explicit else turn_problem(None, head + body, side)
        if problem is not None:
            raise Drop("turn_order", problem.detail())


def _empty_reply(messages: Messages) -> bool:
    for m in messages:  # a loop, not any(...): this runs for every pair
        if m["role"] in _REPLY_ROLES and is_empty(m):
            return True
    last = messages[-1]  # a last reply was checked above
    return last["role"] not in _REPLY_ROLES and is_empty(last)


_REPLY_ROLES = frozenset(["assistant", "none"])


def _which_empty(chosen: Messages, rejected: Messages) -> str:
    sides = [n for n, side in (("chosen", chosen), ("rejected", rejected)) if not side or _empty_reply(side)]
    return f"{' and '.join(sides)} empty"


def to_columns(
    prompt: Messages, chosen: Messages, rejected: Messages, opts: ConvertOptions, standard: bool
) -> dict[str, Any]:
    """The canonical `prompt`/`chosen`/`rejected` values in the requested shape."""
    explicit = opts.prompt == "explicit" and bool(prompt)
    if not explicit:
        # implicit on request, or a source without shared turns (plain-text pairs) stays implicit
        prompt, chosen, rejected = [], prompt + chosen, prompt + rejected
    if standard:
        prompt_text = render_prompt_text(prompt)
        cue = prompt_text.endswith("\n\nAssistant:")
        out: dict[str, Any] = {
            "chosen": render_text(chosen, reply=explicit, after_cue=cue),
            "rejected": render_text(rejected, reply=explicit, after_cue=cue),
        }
        return {"prompt": prompt_text, **out} if explicit else out
    fix = _conversational_roles
    out = {"chosen": fix(chosen, "assistant"), "rejected": fix(rejected, "assistant")}
    return {"prompt": fix(prompt, "user"), **out} if explicit else out


def _conversational_roles(messages: Messages, default: str) -> Messages:
    for m in messages:
        if m["role"] == "none":
            return [{**m, "role": default} if m["role"] == "none" else m for m in messages]
    return messages  # nothing to fix: no copy


def is_plain_text(*sides: Messages) -> bool:
    """All messages are role-less text (a standard-format source)."""
    for side in sides:  # loops, not all(...): this runs for every pair
        for m in side:
            if m["role"] != "none":
                return False
    return True


def render_prompt_text(prompt: Messages) -> str:
    """A prompt as text: plain text and a lone user turn as they are; dialogue as a transcript
    ending in the `Assistant:` cue."""
    if all(m["role"] == "none" for m in prompt):
        return "".join(m["content"] or "" for m in prompt)
    if len(prompt) == 1 and prompt[0]["role"] == "user":
        return prompt[0]["content"] or ""
    return _transcript(prompt) + "\n\nAssistant:"


def render_text(messages: Messages, *, reply: bool, after_cue: bool = False) -> str:
    """A completion (or an implicit whole dialogue) as text.

    A reply after a transcript prompt continues its `Assistant:` cue, so it starts with the
    space after it (`prompt + chosen` reads as one transcript, as in hh-rlhf).
    """
    if all(m["role"] == "none" for m in messages):
        return "".join(m["content"] or "" for m in messages)
    lone = messages[0] if len(messages) == 1 else {}
    if reply and not after_cue and lone.get("role") == "assistant" and not lone.get("tool_calls"):
        return lone["content"] or ""
    text = _transcript(messages)
    return text.removeprefix("\n\nAssistant:") if reply else text


def _transcript(messages: Messages) -> str:
    parts = []
    for m in messages:
        if m["role"] == "tool" or m.get("tool_calls"):
            raise Drop("bad_value", "tool calls need the conversational format")
        if m["role"] == "system":
            parts.append(m["content"] or "")
        else:
            parts.append(f"\n\n{_SPEAKER.get(m['role'], 'Human')}: {m['content'] or ''}")
    return "".join(parts)

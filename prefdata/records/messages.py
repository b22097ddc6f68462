"""The message and tool models of the canonical preference record.

A conversational column holds a list of messages:

| key            | type                 | when                                  |
| -------------- | -------------------- | ------------------------------------- |
| `role`         | str                  | always (`system`, `user`, `assistant`, `tool`) |
| `content`      | str or null          | always; null only beside `tool_calls` |
| `tool_calls`   | list of `ToolCall`   | assistant messages that call tools    |
| `name`         | str                  | tool replies that name their function |
| `tool_call_id` | str                  | tool replies that answer a call by id |
| any other key  | str, number, bool    | kept from the source (`reasoning_content`, `weight`...) |

Arrow stores one struct type per column, so a key that some message of a dataset has
appears, as null, in every other message of that dataset. In canonical data *null means
absent*: readers drop null keys before rendering (`strip_absent`). Tool-call `arguments`
and the `tools` column are stored as JSON text (`json.dumps`, key order kept), because an
Arrow struct would merge the keys of different functions and invent nulls inside them.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

ROLES = ("system", "user", "assistant", "tool")


class FunctionCall(BaseModel):
    """The function half of a tool call."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(description="Name of the called function.")
    arguments: str = Field(description="Arguments as JSON text (an object), key order as in the source.")


class ToolCall(BaseModel):
    """One call an assistant message makes to a tool."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["function"] = "function"
    function: FunctionCall
    id: str | None = Field(default=None, description="Call id, when the source had one (OpenAI style).")


class Message(BaseModel):
    """One chat message of a canonical conversational column.

    Keys beyond these are the source's own (no key lost): text, numbers or booleans.
    """

    model_config = ConfigDict(extra="allow")
    role: Literal["system", "user", "assistant", "tool"]
    content: str | None = Field(description="Message text; null only when the message carries tool calls.")
    tool_calls: list[ToolCall] | None = None
    name: str | None = None
    tool_call_id: str | None = None


def strip_absent(message: dict[str, Any]) -> dict[str, Any]:
    """Return `message` without the null keys Arrow added (null means absent in canonical data)."""
    out = {k: v for k, v in message.items() if v is not None or k == "content"}
    calls = out.get("tool_calls")
    if calls:
        out["tool_calls"] = [{k: v for k, v in call.items() if v is not None} for call in calls]
    return out

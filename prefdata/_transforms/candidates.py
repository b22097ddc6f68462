"""Reading one source row into a prompt and a list of candidate responses, as a spec says."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from prefdata._transforms.dialogue import interleave, read_dialogue
from prefdata._transforms.drops import Drop
from prefdata._transforms.fields import fill_template, get_path, has_path
from prefdata._transforms.message_parsing import is_empty
from prefdata.records.spec import LayoutSpec, Piece, Responses

Messages = list[dict[str, Any]]


@dataclass
class Example:
    """A row read by its spec.

    `prompt` is None when the responses hold whole dialogues (the prompt is then the turns
    they share). `raw` holds the untouched response values of `hh` transcripts, which are
    split as a pair. `items` are the list-column entries, parallel to `responses`.
    """

    prompt: Messages | None
    responses: list[Messages | None]
    items: list[Any] = field(default_factory=list)
    raw: list[Any] | None = None


def read_piece(row: dict[str, Any], piece: Piece) -> Messages:
    """The messages one prompt piece contributes (none for an absent optional piece)."""
    if piece.format == "template":
        return [{"role": piece.role, "content": fill_template(row, piece.template, piece.blank_is_missing)}]
    value = get_path(row, piece.column)
    if value is None or (isinstance(value, (str, list)) and not value):
        if piece.optional:
            return []
        if not has_path(row, piece.column) or value is None:
            raise Drop("empty_prompt", f"`{piece.column}` is null")
    messages = read_dialogue(value, piece.format, piece.role)
    if piece.optional and all(is_empty(m) for m in messages):
        return []
    return messages


def read_prompt(row: dict[str, Any], spec: LayoutSpec) -> Messages | None:
    if not spec.prompt:
        return None
    messages: Messages = []
    for piece in spec.prompt:
        messages += read_piece(row, piece)
    # a prompt column that is there but null/empty: dropping beats writing a null prompt
    # into an explicit-prompt dataset, which TRL cannot read
    if not messages and any(has_path(row, p.column) for p in spec.prompt):
        raise Drop("empty_prompt", f"`{spec.prompt[0].column}` is null or empty")
    # only optional pieces, all absent: the responses are whole dialogues (implicit prompt)
    return messages or None


def _responses(spec: LayoutSpec) -> Responses:
    if spec.responses is None:  # the spec model allows this only for message trees
        raise ValueError(f"layout `{spec.name}` has no `responses`")
    return spec.responses


def response_values(row: dict[str, Any], spec: LayoutSpec) -> tuple[list[Any], list[Any]]:
    """The raw response values and, for a list column, the items they came from."""
    resp = _responses(spec)
    if resp.columns:
        return [get_path(row, c) for c in resp.columns], []
    items = get_path(row, resp.list_column or "")
    if items is None:
        items = []
    if not isinstance(items, list):
        raise Drop("bad_value", f"`{resp.list_column}` is {type(items).__name__}, not a list")
    values = [get_path(it, resp.field) if resp.field else it for it in items]
    return values, items


def read_example(row: dict[str, Any], spec: LayoutSpec) -> Example:
    """Read the prompt and every candidate response of `row`."""
    prompt = read_prompt(row, spec)
    values, items = response_values(row, spec)
    resp = _responses(spec)
    if resp.format == "hh" and prompt is None:
        return Example(prompt=None, responses=[None] * len(values), items=items, raw=values)
    responses: list[Messages | None] = []
    for value in values:
        if value is None:
            responses.append(None)
            continue
        messages = read_dialogue(value, resp.format, resp.role)
        if resp.interleave:
            messages = interleave(prompt or [], messages)
        responses.append(messages)
    if resp.interleave:
        prompt = None  # conversations diverge after the first user turn: derive what is shared
    return Example(prompt=prompt, responses=responses, items=items)

"""The layout spec: a declarative description of how a source encodes preference.

Every built-in layout is a YAML file of this model under `prefdata/layouts/specs/`, and a
user describes any other source the same way (`prefdata convert --spec my.yaml`). Specs
are data: they are parsed with a safe loader and validated here; nothing in them runs.

A spec has four parts:

| part         | says                                                                       |
| ------------ | -------------------------------------------------------------------------- |
| `match`      | which columns and values identify the layout (used by detection)           |
| `prompt`     | the pieces read, in order, into the shared prompt (system, user turns...)  |
| `responses`  | where the candidate responses are: fixed columns or one list column        |
| `preference` | how the source says which response is better (one of seven encodings)      |

When `prompt` is empty, each response holds the whole dialogue and the prompt is
derived as the turns both sides share.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

DialogueFormat = Literal[
    "auto",
    "text",
    "messages",
    "json_messages",
    "json_turns",
    "hh",
    "extra_id",
    "sharegpt",
    "sharegpt_message",
    "template",
]
"""How a value turns into turns.

| format             | value                                              | gives                         |
| ------------------ | -------------------------------------------------- | ----------------------------- |
| `text`             | a string                                           | one message with `role`       |
| `messages`         | a list of `{role, content, ...}`                   | those messages                |
| `json_messages`    | the same list as JSON text                         | those messages                |
| `json_turns`       | JSON text of a list of strings, one per turn       | one `role` message per string |
| `hh`               | `\\n\\nHuman: ...\\n\\nAssistant: ...` text            | alternating user/assistant    |
| `extra_id`         | `<extra_id_1>User` / `<extra_id_1>Assistant` text  | alternating user/assistant    |
| `sharegpt`         | a list of `{from, value}`                          | those messages                |
| `sharegpt_message` | one `{from, value}`                                | one message                   |
| `template`         | built from other fields with `template`            | one message with `role`       |
| `auto`             | a string or a message list                         | `text` (standard) or `messages` |
"""

Role = Literal["system", "user", "assistant", "none"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ValueCheck(_Strict):
    """A test applied to sampled values of one column during detection."""

    column: str = Field(description="Column (dotted path into structs) whose values are tested.")
    kind: Literal[
        "string",
        "number",
        "integer",
        "bool",
        "messages",
        "json_turns",
        "json_messages",
        "hh_text",
        "extra_id_text",
        "list_of_struct",
        "struct",
        "sharegpt",
        "one_of",
    ] = Field(description="What every non-null sampled value must be.")
    fields: list[str] = Field(
        default_factory=list, description="Keys that `struct`/`list_of_struct` values must have."
    )
    values: list[str | int | float | bool] = Field(
        default_factory=list, description="Allowed values for `one_of`."
    )


class Match(_Strict):
    """What identifies a layout from its columns and values alone."""

    columns: list[str] = Field(description="Columns that must all be present.")
    absent: list[str] = Field(default_factory=list, description="Columns that must not be present.")
    values: list[ValueCheck] = Field(default_factory=list, description="Value tests on a sample of rows.")


class Piece(_Strict):
    """One piece of a conversation read from a row."""

    column: str = Field(description="Column, or dotted path into a struct (`info.post`).")
    format: DialogueFormat = Field(default="text", description="How the value turns into messages.")
    role: Role = Field(
        default="user", description="Role given to plain text (`none` keeps standard, role-less text)."
    )
    optional: bool = Field(default=False, description="A missing column or a null/empty value adds nothing.")
    template: list[str] = Field(
        default_factory=list,
        description="For `format: template`: texts with `{dotted.path}` fields; the first whose fields "
        "are all non-null is used.",
    )


class Responses(_Strict):
    """Where the candidate responses are."""

    columns: list[str] = Field(default_factory=list, description="Fixed response columns, in index order.")
    list_column: str | None = Field(default=None, description="Or: one column holding a list of candidates.")
    field: str | None = Field(default=None, description="Text field inside each list item.")
    format: DialogueFormat = Field(default="text", description="How each response turns into messages.")
    role: Role = Field(default="assistant", description="Role given to plain-text responses.")
    interleave: bool = Field(
        default=False,
        description="Response turns interleave with the prompt's turns (one user turn, one reply, ...).",
    )

    @model_validator(mode="after")
    def _one_place(self) -> Responses:
        if bool(self.columns) == bool(self.list_column):
            raise ValueError("responses: give exactly one of `columns` or `list_column`")
        if self.list_column and not self.field and self.format in ("text", "auto"):
            raise ValueError("responses: `list_column` with text items needs `field`")
        return self


class Paired(_Strict):
    """Responses are given as [chosen, rejected]."""

    encoding: Literal["paired"]
    scores: list[str] = Field(
        default_factory=list,
        description="Optional [chosen score, rejected score] columns: equal scores are a tie; "
        "their difference is the margin.",
    )


class OneHot(_Strict):
    """One 0/1 column per response, plus tie columns."""

    encoding: Literal["one_hot"]
    columns: list[str] = Field(description="One winner column per response, in response order.")
    tie_columns: list[str] = Field(default_factory=list, description="Columns whose 1 means a tie.")


class Label(_Strict):
    """A column whose value names the winner."""

    encoding: Literal["label"]
    column: str
    winners: dict[str, int] = Field(description="Value -> index of the preferred response.")
    ties: dict[str, str] = Field(
        default_factory=dict, description="Value -> tie kind (`tie`, `tie_both_bad`, ...)."
    )


class Index(_Strict):
    """A column holding the preferred response's index, per axis."""

    encoding: Literal["index"]
    axes: dict[str, str] = Field(description="Axis name -> column holding the preferred index.")
    default_axis: str
    values: dict[str, int] = Field(
        default_factory=dict,
        description="Column value -> response index, when it is not the index itself (SHP: 1 means A=0).",
    )

    @model_validator(mode="after")
    def _axis_known(self) -> Index:
        if self.default_axis not in self.axes:
            raise ValueError(
                f"preference.default_axis {self.default_axis!r} is not one of {sorted(self.axes)}"
            )
        return self


class Signed(_Strict):
    """A signed strength between two responses: the sign picks, the size is the margin, 0 ties."""

    encoding: Literal["signed"]
    column: str
    negative_prefers: int = Field(
        default=0, description="Response index preferred when the value is negative."
    )


class Rank(_Strict):
    """A rank per response, lower is better."""

    encoding: Literal["rank"]
    field: str = Field(description="Rank field inside each list item (or column, with fixed responses).")


class Score(_Strict):
    """A score per response, higher is better."""

    encoding: Literal["score"]
    field: str = Field(description="Score field inside each list item (dotted path).")
    fallback_fields: list[str] = Field(
        default_factory=list,
        description="When `field` is null: the mean of these numeric fields (non-numeric like 'N/A' ignored).",
    )


class MessageTree(_Strict):
    """OpenAssistant-style message trees: ranked sibling replies become pairs."""

    encoding: Literal["message_tree"]
    structure: Literal["tree", "flat"] = Field(
        description="Nested `replies` per row, or one message per row."
    )


Preference = Annotated[
    Paired | OneHot | Label | Index | Signed | Rank | Score | MessageTree, Field(discriminator="encoding")
]


class MarginSource(_Strict):
    """A column that gives the preference strength (used with `--margin`, or always)."""

    column: str
    transform: Literal["identity", "abs", "log"] = "identity"
    always: bool = Field(
        default=False, description="Write the margin even without `--margin` (data that already is a margin)."
    )


class LayoutSpec(_Strict):
    """A complete description of one preference-data layout."""

    name: str = Field(description="Short identifier, e.g. `arena-55k`.")
    description: str = Field(default="", description="One line shown by `prefdata detect`.")
    match: Match
    prompt: list[Piece] = Field(
        default_factory=list,
        description="Pieces read, in order, into the shared prompt; empty means the responses hold "
        "whole dialogues and the prompt is the turns they share.",
    )
    responses: Responses | None = Field(
        default=None, description="Required unless the encoding is `message_tree`."
    )
    preference: Preference
    margin: MarginSource | None = Field(default=None, description="Column giving the preference strength.")
    tools: str | None = Field(default=None, description="Column with tool schemas (list or JSON text).")
    chat_template_kwargs: str | None = Field(default=None, description="Column with per-row template kwargs.")
    priority: int = Field(default=0, description="Breaks detection ties between equally good matches.")

    @model_validator(mode="after")
    def _responses_given(self) -> LayoutSpec:
        if self.responses is None and self.preference.encoding != "message_tree":
            raise ValueError("`responses` is required for this encoding")
        return self

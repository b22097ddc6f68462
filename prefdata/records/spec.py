"""The layout spec: a declarative description of how a source encodes preference.

Every built-in layout is a YAML file of this model under `prefdata/_layouts/specs/`, and a
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
    blank_is_missing: bool = Field(
        default=False,
        description="For `format: template`: a field whose value is blank text counts as missing "
        "(Alpaca-style `input` columns that are often empty).",
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


class LabelDomain(_Strict):
    """The values a layout publishes for its preference signal (a strength, an index, a rank).

    A value outside is dropped as `label_out_of_domain` (`--labels error` stops instead): it
    is a broken row, and reading it anyway could flip or inflate the preference. The rules are
    the same for every layout:

    - values are numbers as the layout publishes them: text (`"2"`) and booleans are outside
      the domain even where they would parse; text meaning "no value" (`N/A`) and NaN are a
      missing preference;
    - with `integer`, a float that is exactly integral (`2.0`, which is how Arrow stores an
      integer column with nulls) counts as that integer; `2.5` is outside.
    """

    integer: bool = Field(default=False, description="Only whole numbers (exactly integral floats count).")
    min: float | None = Field(default=None, description="Smallest allowed value.")
    max: float | None = Field(default=None, description="Largest allowed value.")
    max_is_responses: bool = Field(
        default=False, description="The largest allowed value is the row's number of responses (ranks 1..n)."
    )

    @model_validator(mode="after")
    def _consistent(self) -> LabelDomain:
        if self.max is not None and self.max_is_responses:
            raise ValueError("domain: give `max` or `max_is_responses`, not both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"domain: min {self.min:g} is above max {self.max:g}")
        return self


def _response_index(where: str, value: int) -> None:
    """Two-response encodings name a response by index: 0 or 1, nothing else."""
    if value not in (0, 1):
        raise ValueError(
            f"{where} is {value!r}: a response index here is 0 or 1 (two responses are compared)"
        )


class Paired(_Strict):
    """Responses are given as [chosen, rejected]."""

    encoding: Literal["paired"]
    scores: list[str] = Field(
        default_factory=list,
        description="Optional [chosen score, rejected score] columns: equal scores are a tie; "
        "their difference is the margin; a chosen score below the rejected one is `label_out_of_domain`.",
    )

    tie_column: str = Field(
        default="",
        description="Optional boolean column whose true marks a tied pair (what `--ties keep` writes); "
        "read when the source has it.",
    )

    @model_validator(mode="after")
    def _two_scores(self) -> Paired:
        if self.scores and (len(self.scores) != 2 or self.scores[0] == self.scores[1]):
            raise ValueError(f"scores is {self.scores}: give two different columns, [chosen, rejected]")
        return self


class OneHot(_Strict):
    """One 0/1 column per response, plus tie columns."""

    encoding: Literal["one_hot"]
    columns: list[str] = Field(description="One winner column per response, in response order.")
    tie_columns: list[str] = Field(default_factory=list, description="Columns whose 1 means a tie.")

    @model_validator(mode="after")
    def _distinct(self) -> OneHot:
        both = [c for c in self.columns if c in self.tie_columns]
        both += sorted({c for c in self.columns if self.columns.count(c) > 1})
        if both:
            raise ValueError(f"column `{both[0]}` is named twice among `columns` and `tie_columns`")
        return self


class Label(_Strict):
    """A column whose value names the winner."""

    encoding: Literal["label"]
    column: str
    winners: dict[str, int] = Field(description="Value -> index of the preferred response.")
    ties: dict[str, Literal["tie", "tie_both_bad"]] = Field(
        default_factory=dict,
        description="Value -> tie kind: `tie`, or `tie_both_bad` (both responses bad, kept apart from other ties).",
    )
    votes: list[str] = Field(
        default_factory=list,
        description="Several annotators' label columns read with the same values (`column` is the first): "
        "the majority wins, no majority is a tie; unknown or null votes are not counted.",
    )

    @model_validator(mode="after")
    def _in_range(self) -> Label:
        for value, winner in self.winners.items():
            _response_index(f"winners.{value}", winner)
        both = sorted(set(self.winners) & set(self.ties))
        if both:
            raise ValueError(f"value {both[0]!r} is in both `winners` and `ties`: it cannot be both")
        return self


class Index(_Strict):
    """A column holding the preferred response's index, per axis."""

    encoding: Literal["index"]
    axes: dict[str, str] = Field(description="Axis name -> column holding the preferred index.")
    default_axis: str
    values: dict[str, int] = Field(
        default_factory=dict,
        description="Column value -> response index, when it is not the index itself (SHP: 1 means A=0).",
    )
    domain: LabelDomain | None = Field(default=None, description="The values the index columns hold.")

    @model_validator(mode="after")
    def _axis_known(self) -> Index:
        if self.default_axis not in self.axes:
            raise ValueError(
                f"preference.default_axis {self.default_axis!r} is not one of {sorted(self.axes)}"
            )
        for value, winner in self.values.items():
            _response_index(f"values.{value}", winner)
        if self.domain is not None and not self.values:  # the value is the index itself
            low, high = self.domain.min, self.domain.max
            if (low is not None and low < 0) or (high is not None and high > 1):
                raise ValueError(f"domain {low}..{high} reaches past the response indices 0 and 1")
        return self


class Signed(_Strict):
    """A signed strength between two responses: the sign picks, the size is the margin, 0 ties."""

    encoding: Literal["signed"]
    column: str
    negative_prefers: int = Field(
        default=0, description="Response index preferred when the value is negative."
    )
    center: float = Field(
        default=0.0,
        description="The tie point of the scale: the sign of `value - center` picks (a 1.0-2.0 scale "
        "between responses 1 and 2 has center 1.5).",
    )
    domain: LabelDomain | None = Field(default=None, description="The values the strength column holds.")

    @model_validator(mode="after")
    def _in_range(self) -> Signed:
        _response_index("negative_prefers", self.negative_prefers)
        return self


class Rank(_Strict):
    """A rank per response, lower is better."""

    encoding: Literal["rank"]
    field: str = Field(default="", description="Rank field inside each list item (dotted path).")
    columns: list[str] = Field(
        default_factory=list, description="Or: one rank column per response, with fixed response columns."
    )
    domain: LabelDomain | None = Field(default=None, description="The values a rank takes.")

    @model_validator(mode="after")
    def _one_source(self) -> Rank:
        if bool(self.field) == bool(self.columns):
            raise ValueError("preference: give exactly one of `field` or `columns`")
        return self


class Score(_Strict):
    """A score per response, higher is better."""

    encoding: Literal["score"]
    field: str = Field(default="", description="Score field inside each list item (dotted path).")
    columns: list[str] = Field(
        default_factory=list, description="Or: one score column per response, with fixed response columns."
    )
    fallback_fields: list[str] = Field(
        default_factory=list,
        description="When `field` is null: the mean of these numeric fields (non-numeric like 'N/A' ignored).",
    )

    @model_validator(mode="after")
    def _one_source(self) -> Score:
        if bool(self.field) == bool(self.columns):
            raise ValueError("preference: give exactly one of `field` or `columns`")
        return self


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

    @model_validator(mode="before")
    @classmethod
    def _decided(cls, data: object) -> object:
        # a spec printed for an ambiguous source holds this placeholder where a reading must be picked
        undecided = _undecided_paths(data, "")
        if undecided:
            raise ValueError(
                f"decide this field: {', '.join(f'`{p}`' for p in undecided)} still hold(s) {UNDECIDED_VALUE}; "
                "replace it with the value of the reading the dataset's documentation gives"
            )
        return data

    @model_validator(mode="after")
    def _responses_given(self) -> LayoutSpec:
        if self.responses is None and self.preference.encoding != "message_tree":
            raise ValueError("`responses` is required for this encoding")
        columns = self.responses.columns if self.responses is not None else []
        twice = sorted({c for c in columns if columns.count(c) > 1})
        if twice:
            raise ValueError(f"responses.columns names `{twice[0]}` twice")
        encoding = self.preference.encoding
        if columns and encoding in TWO_RESPONSE_ENCODINGS and len(columns) != 2:
            raise ValueError(
                f"preference.encoding `{encoding}` compares two responses, but responses.columns lists "
                f"{len(columns)}: {columns}"
            )
        if columns and len(columns) < 2:
            raise ValueError(f"responses.columns lists {len(columns)} column(s): a preference needs two")
        if encoding == "one_hot" and len(getattr(self.preference, "columns", [])) != 2:
            raise ValueError(
                "preference.columns: one-hot needs one winner column for each of the two responses"
            )
        per_response = getattr(self.preference, "columns", None) if encoding in ("rank", "score") else None
        if per_response and len(per_response) != len(columns):
            raise ValueError(
                f"preference.columns lists {len(per_response)} column(s) for {len(columns)} response column(s)"
            )
        return self


# encodings whose signal names one of exactly two responses (the other is the rejected one)
TWO_RESPONSE_ENCODINGS = frozenset({"paired", "one_hot", "label", "index", "signed"})

# the value an ambiguous source's printed spec holds where the user must pick a reading
UNDECIDED_VALUE = "DECIDE"


def _undecided_paths(data: object, where: str) -> list[str]:
    if data == UNDECIDED_VALUE:
        return [where or "(top)"]
    if isinstance(data, dict):
        return [p for k, v in data.items() for p in _undecided_paths(v, f"{where}.{k}" if where else str(k))]
    if isinstance(data, list):
        return [p for i, v in enumerate(data) for p in _undecided_paths(v, f"{where}[{i}]")]
    return []

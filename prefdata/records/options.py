"""Conversion policies: what to do with ties, rankings, empty responses and output shape."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Action = Literal["drop", "keep", "error"]


class ConvertOptions(BaseModel):
    """Policies applied by `prefdata convert`; all are recorded in the manifest."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ties: Action = Field(
        default="drop",
        description="Ties: drop them (counted), keep them with `tie=True`, or stop with an error.",
    )
    pairing: Literal["best-worst", "best-random", "all-pairs"] = Field(
        default="best-worst",
        description="How ratings or rankings of several responses become pairs.",
    )
    seed: int = Field(default=0, description="Seed for `best-random` pairing.")
    margin: bool = Field(
        default=False,
        description="Add a `margin` column from the score difference or signed strength "
        "(a layout's own margin column is always kept).",
    )
    axis: str | None = Field(
        default=None,
        description="Preference axis for layouts with several (PKU-SafeRLHF: `helpful` or `safe`).",
    )
    prompt: Literal["explicit", "implicit"] = Field(
        default="explicit",
        description="Explicit: a `prompt` column plus completions; implicit: whole dialogues in chosen/rejected.",
    )
    format: Literal["auto", "conversational", "standard"] = Field(
        default="auto",
        description="Message lists or plain text; `auto` keeps plain text plain and dialogue conversational.",
    )
    empty: Action = Field(default="drop", description="Responses that are empty or null.")
    identical: Action = Field(default="drop", description="Pairs whose chosen and rejected are identical.")
    labels: Literal["drop", "error"] = Field(
        default="drop",
        description="Preference labels outside the layout's domain (a strength of 7 on a -3..3 scale, a "
        "chosen score below the rejected one): drop the row (counted as `label_out_of_domain`) or stop.",
    )

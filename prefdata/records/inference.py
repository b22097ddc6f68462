"""What layout inference decided and why: recorded in the detection result and the manifest."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from prefdata.records.spec import LayoutSpec


class Decision(BaseModel):
    """One decision inference took: which part of the spec, what it chose, and the evidence."""

    model_config = ConfigDict(extra="forbid")
    part: str = Field(description="Spec part decided: `prompt`, `responses`, `preference`, ...")
    choice: str = Field(description="What was chosen, in words.")
    evidence: list[str] = Field(
        default_factory=list, description="Column names and sampled values behind it."
    )


class Inference(BaseModel):
    """A spec inferred from column names and sampled values, when no built-in spec matched."""

    model_config = ConfigDict(extra="forbid")
    spec: LayoutSpec = Field(description="The inferred spec (what `--print-spec` prints).")
    decisions: list[Decision] = Field(default_factory=list)
    sampled_rows: int = Field(default=0, description="Rows the decisions were taken on.")
    max_contradicting_share: float = Field(
        default=0.05,
        description="Share of rows that may contradict the inferred reading (dropped, counted) before "
        "the conversion stops and says the inference failed.",
    )

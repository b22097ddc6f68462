"""What convert reports: the manifest written as `prefdata.json`, rejects and detection."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from prefdata.records.inference import Inference
from prefdata.records.options import ConvertOptions
from prefdata.records.spec import LayoutSpec


class LayoutScore(BaseModel):
    """How well one layout spec fits a source."""

    model_config = ConfigDict(extra="forbid")
    name: str
    score: float = Field(description="0 when a required column is missing or a value test fails.")
    matched: list[str] = Field(default_factory=list, description="Columns and value tests that held.")
    failed: list[str] = Field(default_factory=list, description="What did not hold, with an example value.")


class DetectionResult(BaseModel):
    """The layout chosen for a source, the runner-up, and why."""

    model_config = ConfigDict(extra="forbid")
    layout: str
    runner_up: LayoutScore | None
    scores: list[LayoutScore]
    columns: list[str] = Field(description="The source's columns.")
    reason: str
    inference: Inference | None = Field(
        default=None, description="When no built-in spec matched (`layout: inferred`): the spec and evidence."
    )


class Reject(BaseModel):
    """One dropped input row, as written to `rejects.jsonl`."""

    model_config = ConfigDict(extra="forbid")
    split: str
    source_row: int
    reason: str
    detail: str = ""
    source: str | None = Field(default=None, description="The mix source the row came from (`prefdata mix`).")


class SplitReport(BaseModel):
    """Counts for one split."""

    model_config = ConfigDict(extra="forbid")
    rows_in: int = 0
    rows_out: int = 0
    dropped: dict[str, int] = Field(default_factory=dict, description="Reason -> dropped input rows.")
    pairs_dropped: dict[str, int] = Field(
        default_factory=dict,
        description="Reason -> pairs dropped from rows that still gave other pairs (ties in all-pairs...).",
    )


class Manifest(BaseModel):
    """Everything needed to know how an output folder was made (`OUT_DIR/prefdata.json`)."""

    model_config = ConfigDict(extra="forbid")
    prefdata_version: str
    source: str
    source_fingerprint: str
    layout: str
    spec: LayoutSpec
    options: ConvertOptions
    detection: DetectionResult | None = None
    format: str = Field(description="`conversational` or `standard`; `unknown` when no row was written.")
    prompt: str = Field(description="`explicit` or `implicit`; `unknown` when no row was written.")
    columns: list[str] = Field(default_factory=list)
    splits: dict[str, SplitReport] = Field(default_factory=dict)
    notes: list[str] = Field(
        default_factory=list,
        description="Warnings raised during conversion: an option that had no effect on this layout, "
        "rows an option cost.",
    )

    def summary(self) -> dict[str, Any]:
        """Totals over all splits."""
        return split_totals(self.splits)


def split_totals(splits: dict[str, SplitReport]) -> dict[str, Any]:
    """`rows_in`, `rows_out` and `dropped` (reason -> count) summed over splits."""
    dropped: dict[str, int] = {}
    for rep in splits.values():
        for reason, n in rep.dropped.items():
            dropped[reason] = dropped.get(reason, 0) + n
    return {
        "rows_in": sum(r.rows_in for r in splits.values()),
        "rows_out": sum(r.rows_out for r in splits.values()),
        "dropped": dropped,
    }

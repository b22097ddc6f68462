"""The validation report: findings (one per check code that fired) and per-split statistics.

`ValidationReport.model_json_schema()` is the source of `schemas/validation-report.schema.json`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from prefdata._validate.codes import SEVERITY_RANK, Severity


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Example(_Model):
    """One offending row."""

    split: str
    row: int | None = Field(
        description="Row to look at in the input you gave: the 0-based row of the split for canonical "
        "data, the source row for a raw source. Null for findings about the whole dataset."
    )
    source_row: int | None = Field(default=None, description="Row in the original source, when known.")
    field: str = Field(description="Column (or `tokenizer`) the problem is in.")
    excerpt: str = Field(description="A short excerpt of the offending value.")

    def location(self) -> str:
        """`train row 3`; `train source row 6` for a row no longer in the data (dropped by convert)."""
        if self.row is not None:
            return f"{self.split} row {self.row}"
        return self.split + (f" source row {self.source_row}" if self.source_row is not None else "")


class Finding(_Model):
    """Everything one check found."""

    code: str = Field(description="Stable check code, e.g. `content.empty`.")
    severity: Severity
    title: str
    count: int = Field(description="Offending rows (or occurrences, for whole-dataset findings).")
    examples: list[Example] = Field(default_factory=list, description="The first few offending rows.")
    breakdown: dict[str, int] = Field(
        default_factory=dict,
        description="Counts per split; per split pair for `splits.prompt_leak`; per split and drop reason "
        "(`train: tie`) for the drops recorded in a convert output's manifest.",
    )


class LengthStats(_Model):
    """Distribution of lengths (characters or tokens) of one side."""

    count: int
    min: int
    mean: float
    p50: int
    p90: int
    p99: int
    max: int


class Histogram(_Model):
    """Counts between consecutive `edges` (log-spaced)."""

    edges: list[float]
    counts: list[int]


class SideStats(_Model):
    """Lengths of one side (`prompt`, `chosen`, `rejected`) of a split."""

    chars: LengthStats | None = None
    char_histogram: Histogram | None = None
    tokens: LengthStats | None = Field(
        default=None, description="Token lengths (prompt alone; chosen/rejected with the prompt)."
    )
    token_histogram: Histogram | None = None


class SplitStats(_Model):
    """Statistics for one split."""

    rows: int = Field(description="Rows of the validated data: one preference pair each.")
    rows_in: int | None = Field(
        default=None,
        description="Input rows these pairs came from, when known: the rows of a raw source, or the "
        "`rows_in` a convert output's manifest records. A row can give several pairs or none.",
    )
    sides: dict[str, SideStats] = Field(default_factory=dict)


class ValidationReport(_Model):
    """What `prefdata validate` found."""

    prefdata_version: str
    path: str
    input: Literal["canonical", "raw"] = Field(
        description="Canonical data, or a raw source read through convert."
    )
    layout: str | None = Field(default=None, description="Layout of a raw source, as convert detected it.")
    format: Literal["standard", "conversational"] | None = None
    prompt: Literal["explicit", "implicit"] | None = None
    tokenizer: str | None = None
    max_length: int | None = None
    splits: dict[str, SplitStats] = Field(default_factory=dict)
    findings: list[Finding] = Field(default_factory=list)
    rows_affected: dict[Severity, int] = Field(
        default_factory=dict,
        description="Distinct rows with at least one finding, per severity: a row with several problems "
        "counts once (source rows for a raw source; dropped input rows included).",
    )

    def count(self, severity: Severity) -> int:
        """Number of check codes that found something at exactly `severity`."""
        return sum(1 for f in self.findings if f.severity == severity)

    def finding(self, code: str) -> Finding | None:
        """The finding with `code`, or None when that check found nothing."""
        return next((f for f in self.findings if f.code == code), None)

    def exit_status(self, fail_on: Severity = "error") -> int:
        """1 when a finding is at `fail_on` severity or worse, else 0."""
        floor = SEVERITY_RANK[fail_on]
        return int(any(SEVERITY_RANK[f.severity] >= floor for f in self.findings))

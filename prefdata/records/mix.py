"""What `prefdata mix` reads and reports: the recipe (a YAML or JSON file) and the manifest of a
mixture (`OUT_DIR/prefdata.json`).

A recipe: which sources, how much of each, and what to remove.

```yaml
seed: 0
sources:
  - name: hh                       # default: derived from the path
    path: data/hh-rlhf.jsonl.gz     # anything `convert` reads, or a converted folder
    spec: my-layout.yaml            # optional, as `convert --spec`
    options: {ties: drop}           # convert's options
    take: 0.5                       # share (0, 1] or count of the source's clean pairs; default all
    splits: {train: train}          # source split -> output split; default: same names, all splits
dedup: pairs                        # none | prompts | pairs
decontaminate:
  against: [eval/benchmark.jsonl]
  ngram: 13
```

Relative paths are read from the recipe file's folder.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, field_validator, model_validator

from prefdata.records.manifest import Manifest, SplitReport, split_totals
from prefdata.records.options import ConvertOptions


class MixSource(BaseModel):
    """One source of a mixture."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(
        default=None, min_length=1, description="Name in the `source` column; default: from the path."
    )
    path: str = Field(
        description="A file, folder or Hub id that `prefdata convert` reads, or a converted folder."
    )
    spec: str | None = Field(
        default=None, description="Layout spec file or built-in name, as `convert --spec`."
    )
    options: ConvertOptions = Field(default_factory=ConvertOptions, description="Convert's options.")
    take: StrictInt | StrictFloat | None = Field(
        default=None,
        description="A float in (0, 1]: that share of the source's clean pairs (per split, rounded down); "
        "an integer: that many pairs per split; omitted: all.",
    )
    splits: dict[str, str] | None = Field(
        default=None,
        min_length=1,
        description="Source split -> output split. Splits not listed are not used; omitted: every split, same name.",
    )

    @field_validator("splits")
    @classmethod
    def _plain_split_names(cls, splits: dict[str, str] | None) -> dict[str, str] | None:
        for out in (splits or {}).values():
            if not out or out in (".", "..") or "/" in out or "\\" in out or out.startswith("."):
                raise ValueError(f"output split {out!r} is not a plain name such as train or test")
        return splits

    @field_validator("take")
    @classmethod
    def _take_in_range(cls, take: int | float | None) -> int | float | None:
        if isinstance(take, float) and not 0.0 < take <= 1.0:
            raise ValueError(f"a share must be in (0, 1], got {take}; an integer takes that many pairs")
        if isinstance(take, int) and take < 1:
            raise ValueError(f"a count must be at least 1, got {take}")
        return take


class Decontaminate(BaseModel):
    """Evaluation sets whose prompts must not appear in training data."""

    model_config = ConfigDict(extra="forbid")
    against: list[str] = Field(min_length=1, description="Evaluation sets, in anything prefdata reads.")
    ngram: int = Field(
        default=13,
        ge=1,
        le=64,
        description="A training prompt sharing any n-gram of words with an evaluation prompt is contaminated "
        "(a prompt shorter than n words is contaminated when it equals an evaluation prompt).",
    )


class Recipe(BaseModel):
    """A training mixture: sources, deduplication and decontamination (see the module docstring)."""

    model_config = ConfigDict(extra="forbid")
    seed: int = Field(
        default=0, description="Seed for `take`: the same recipe and seed give the same output."
    )
    sources: list[MixSource] = Field(
        min_length=1, description="In priority order: earlier sources win duplicates."
    )
    dedup: Literal["none", "prompts", "pairs"] = Field(
        default="pairs",
        description="`pairs`: drop a pair whose normalised prompt, chosen and rejected were all seen before; "
        "`prompts`: drop pairs of a prompt that an earlier source has; `none`.",
    )
    decontaminate: Decontaminate | None = None

    @model_validator(mode="after")
    def _names_unique(self) -> Recipe:
        seen: set[str] = set()
        for source in self.sources:
            source.name = source.name or default_name(source.path)
            if source.name in seen:
                raise ValueError(f"two sources are named {source.name!r}: give them distinct `name`s")
            seen.add(source.name)
        return self


def default_name(path: str) -> str:
    """`data/hh-rlhf.jsonl.gz` -> `hh-rlhf`; a folder or Hub id -> its last part."""
    name = Path(path.rstrip("/")).name or path
    name = re.sub(r"(\.(jsonl|json|csv|parquet|arrow|gz|bz2|xz|zst))+$", "", name, flags=re.IGNORECASE)
    return name or path


class SourceSplitReport(BaseModel):
    """The pairs of one split of one source: in, dropped by reason, not taken, and taken."""

    model_config = ConfigDict(extra="forbid")
    output_split: str = Field(description="The output split these pairs went to.")
    pairs_in: int = Field(description="Pairs the source's conversion gave for this split.")
    dropped: dict[str, int] = Field(
        default_factory=dict, description="Reason (`duplicate`, `contaminated`) -> pairs dropped."
    )
    duplicates_of: dict[str, int] = Field(
        default_factory=dict,
        description="Source whose copy came first (earlier in the recipe, or earlier in this source) -> "
        "duplicates dropped here. `take` runs after dedup, so that copy may be left out in turn.",
    )
    not_taken: int = Field(default=0, description="Clean pairs left out by `take`.")
    taken: int = Field(description="Pairs written to the output.")


class SourceReport(BaseModel):
    """One source of the mixture: where it came from, how it was converted, what was taken."""

    model_config = ConfigDict(extra="forbid")
    path: str
    converted: Manifest | None = Field(
        default=None, description="The source's own conversion manifest (rows in, rows out, row drops)."
    )
    splits: dict[str, SourceSplitReport] = Field(default_factory=dict)


class MixManifest(BaseModel):
    """Everything needed to know how a mixture was made.

    `splits` counts pairs per output split the way a convert manifest counts rows, so tools
    reading `splits.<name>.dropped` read a mixture too; `sources` has the detail per source.
    """

    model_config = ConfigDict(extra="forbid")
    prefdata_version: str
    kind: Literal["mix"] = "mix"
    recipe: dict[str, Any] = Field(description="The recipe as applied (names and defaults filled in).")
    source_fingerprint: str = Field(description="Digest of the recipe and of every source's fingerprint.")
    order: list[str] = Field(
        default_factory=lambda: ["convert", "dedup", "decontaminate", "take"],
        description="The order in which the steps ran.",
    )
    format: str = Field(description="`conversational` or `standard`.")
    prompt: str = Field(description="`explicit` or `implicit`.")
    columns: list[str] = Field(default_factory=list)
    sources: dict[str, SourceReport] = Field(default_factory=dict)
    splits: dict[str, SplitReport] = Field(
        default_factory=dict, description="Per output split: pairs in, pairs out, pairs dropped by reason."
    )
    eval_prompts: int = Field(default=0, description="Evaluation prompts indexed for decontamination.")
    notes: list[str] = Field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Totals over all output splits (pairs, counted as a convert manifest counts rows)."""
        return split_totals(self.splits)

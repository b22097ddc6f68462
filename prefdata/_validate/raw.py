"""Validating a raw source: read it through `prefdata.convert` (nothing written), then map the
converter's drop reasons to check codes so dropped rows are reported by their source row.

Each reason's check code is registered in `prefdata.records.drop_reasons`.

A path is canonical when it is a folder with `prefdata.json`, or when its columns are exactly
TRL's (plus the optional canonical ones) and the texts are not whole dialogues in a raw
transcript format (`\\n\\nHuman: ... \\n\\nAssistant: ...`, which hh-rlhf uses with TRL's
column names). Anything else is raw.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from prefdata._canonical_folder import MANIFEST_FILE
from prefdata._errors import SourceError
from prefdata._validate.dataset_shape import is_canonical_columns
from prefdata._validate.finding_sink import FindingSink, excerpt
from prefdata._validate.reading import CanonicalInput, from_dataset, open_canonical
from prefdata._validate.report import Example
from prefdata.records.drop_reasons import DROPPED_CHECK, drop_reason

TRANSCRIPT = re.compile(r"^\s*(Human|User|USER):.*\n\s*(Assistant|ASSISTANT):", re.S)
_SAMPLE = 50


def is_raw(path: str | Path) -> bool:
    """True when `path` is not canonical data (see the module docstring)."""
    p = Path(path)
    if p.is_dir() and (p / MANIFEST_FILE).is_file():
        return False
    try:
        data = open_canonical(p)
    except SourceError:  # not a path or format read here (a Hub id, csv...): convert may read it
        return True
    return any(not is_canonical_columns(s.schema.names) or _transcripts(s) for s in data.splits.values())


def _transcripts(split: Any) -> bool:
    field_type = split.schema.field("chosen").type
    if (
        not (pa.types.is_string(field_type) or pa.types.is_large_string(field_type))
        or "prompt" in split.schema.names
    ):
        return False
    batch = next(split.batches(_SAMPLE), None)
    values = [v for v in batch.column("chosen").to_pylist()[:_SAMPLE] if v] if batch is not None else []
    return bool(values) and sum(bool(TRANSCRIPT.match(v)) for v in values) > len(values) / 2


@dataclass
class RawInput:
    """A raw source converted in memory, and the rows the converter dropped."""

    data: CanonicalInput
    layout: str | None
    rejects: list[Any] = field(default_factory=list)
    rows_in: dict[str, int] = field(default_factory=dict)

    def report_rejects(self, sink: FindingSink) -> None:
        """Add every dropped row as a finding under the code of its drop reason."""
        for reject in sorted(self.rejects, key=lambda r: (r.split, r.source_row)):
            code = drop_reason(reject.reason).check
            text = reject.detail if code != DROPPED_CHECK else f"{reject.reason}: {reject.detail}"
            ex = Example(
                split=reject.split,
                row=reject.source_row,
                source_row=reject.source_row,
                field="row",
                excerpt=excerpt(text or reject.reason),
            )
            sink.add(code, 1, reject.split, [ex])
            sink.mark_dropped(code, reject.split, [reject.source_row])

    def source_rows(self, split: str, rows: np.ndarray) -> np.ndarray:
        """The source rows the given rows of the converted `split` came from."""
        if not len(rows):
            return rows
        taken = self.data.splits[split].take(rows)
        index = taken.schema.get_field_index("source_row")
        if index < 0:  # convert always writes it; without it, pairs are the rows
            return rows
        return np.asarray(taken.column(index).drop_null().to_numpy(zero_copy_only=False), dtype=np.int64)


def open_raw(
    path: str | Path, *, spec: str | Path | None = None, splits: list[str] | None = None
) -> RawInput:
    """Convert `path` in memory with `prefdata.convert` (imported here: only raw sources need it)."""
    from prefdata import ConvertOptions, convert  # the converter is only needed for raw sources

    # Empty and identical rows are kept so the content checks see them (with their source row
    # and every problem they have, e.g. an empty reply that is also a duplicate).
    options = ConvertOptions(empty="keep", identical="keep")
    result = convert(str(path), None, spec=spec, options=options)
    rejects = [r for r in getattr(result, "rejects", []) if not splits or r.split in splits]
    manifest = getattr(result, "manifest", None)
    rows_in = {name: rep.rows_in for name, rep in getattr(manifest, "splits", {}).items()}
    return RawInput(from_dataset(result.dataset, splits), getattr(manifest, "layout", None), rejects, rows_in)

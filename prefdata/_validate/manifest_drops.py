"""What `prefdata convert` threw away, reported from the manifest beside a canonical folder.

A convert output records its drops in `prefdata.json` (`splits.<name>.dropped`: reason ->
rows) and lists each dropped row in `rejects.jsonl`. Validating the folder reports them so
that CI shows what the conversion lost: ties under `content.tie` (info, as for a raw source),
every other reason under `convert.dropped` (warning). The breakdown is per split and reason
(`train: missing_preference`); the examples are the first rejected rows of `rejects.jsonl`.

| manifest `splits.train.dropped` | finding | breakdown |
| --- | --- | --- |
| `{"tie": 3, "bad_value": 1}` | `content.tie` 3, `convert.dropped` 1 | `train: tie`, `train: bad_value` |
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from prefdata._canonical_folder import REJECTS_FILE
from prefdata._validate.finding_sink import FindingSink, excerpt
from prefdata._validate.report import Example
from prefdata.records.drop_reasons import drop_reason


def drop_code(reason: str) -> str:
    """The check code a manifest drop reason is reported under (see prefdata.records.drop_reasons)."""
    return drop_reason(reason).output_check


def report_manifest_drops(
    manifest: dict[str, Any], folder: str | Path, splits: list[str], sink: FindingSink
) -> None:
    """Add the drops `manifest` records for `splits`, with rejected rows from `folder` as examples."""
    for split in splits:
        for reason, count in sorted(_dropped(manifest, split).items()):
            sink.add(drop_code(reason), int(count), f"{split}: {reason}")
            sink.mark_dropped(drop_code(reason), split, count=int(count))  # one reason per dropped row
    wanted = set(splits)
    codes = {drop_code(r) for s in splits for r in _dropped(manifest, s)}
    for reject in _rejects(Path(folder) / REJECTS_FILE):
        if not any(sink.wants_examples(c) for c in codes):
            break  # every code has its examples: the rest of the file is not read
        code = drop_code(str(reject.get("reason")))
        if code in codes and reject.get("split") in wanted:
            sink.add_example(code, _example(reject))


def manifest_rows_in(manifest: dict[str, Any] | None) -> dict[str, int]:
    """Input rows per split, as the manifest records them (empty without a manifest)."""
    splits = (manifest or {}).get("splits") or {}
    return {name: rep["rows_in"] for name, rep in splits.items() if isinstance(rep.get("rows_in"), int)}


def _dropped(manifest: dict[str, Any], split: str) -> dict[str, int]:
    return ((manifest.get("splits") or {}).get(split) or {}).get("dropped") or {}


def _example(reject: dict[str, Any]) -> Example:
    # The row is no longer in the data: only its source row can be looked at.
    reason, detail = reject.get("reason"), reject.get("detail")
    return Example(
        split=str(reject.get("split")),
        row=None,
        source_row=reject.get("source_row"),
        field="row",
        excerpt=excerpt(f"{reason}: {detail}" if detail else str(reason)),
    )


def _rejects(path: Path) -> Iterator[dict[str, Any]]:
    """The rejected rows, read lazily (the file can be large; only the first few are needed)."""
    if not path.is_file():
        return
    with path.open("rb") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)

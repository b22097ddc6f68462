"""Notes for the manifest: an option that had no effect on this layout, rows an option cost.

`prefdata convert` prints them after its summary; they are kept in `prefdata.json` (`notes`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from prefdata._transforms.encodings import gives_margin
from prefdata.records.manifest import SplitReport
from prefdata.records.options import ConvertOptions
from prefdata.records.spec import LayoutSpec

# encodings with more than two candidates per row, which --pairing turns into pairs
_RANKED = frozenset({"rank", "score", "message_tree"})


def conversion_notes(
    spec: LayoutSpec, options: ConvertOptions, columns: Collection[str], splits: Mapping[str, SplitReport]
) -> list[str]:
    """Short sentences on options without effect and on rows dropped for want of a margin."""
    notes = []
    encoding = spec.preference.encoding
    margin_column = spec.margin is not None and spec.margin.column.split(".")[0] in columns
    if options.margin and not margin_column and not gives_margin(spec.preference):
        notes.append(
            f"--margin: layout `{spec.name}` has no score, strength or margin column, "
            "so no margin column was written"
        )
    if options.pairing != "best-worst" and encoding not in _RANKED:
        notes.append(
            f"--pairing {options.pairing}: layout `{spec.name}` compares exactly two responses per row, "
            "so pairing has no effect"
        )
    if options.seed != 0 and (options.pairing != "best-random" or encoding not in _RANKED):
        notes.append("--seed: only --pairing best-random on ranked or scored responses draws at random")
    lacking = sum(rep.dropped.get("no_margin", 0) for rep in splits.values())
    if lacking:
        where = (
            f"the `{spec.margin.column}` column" if spec.margin is not None and margin_column else "--margin"
        )
        notes.append(
            f"{lacking:,} row(s) had no usable margin and were dropped (`no_margin`): a margin column needs a "
            f"number on every row, as TRL reads one from each; fill the missing margins, or convert without "
            f"{where}, to keep them"
        )
    return notes

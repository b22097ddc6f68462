"""The output splits of a mixture: names no file of the output folder takes, every split written
even when no pair reached it, and a note saying why a split is empty.

| case                                              | outcome                                             |
| ------------------------------------------------- | --------------------------------------------------- |
| `splits: {train: rejects.jsonl}` (a side file)     | error before any source is converted                |
| a source split with no pair (all dropped by convert) | the output split is written, with no rows         |
| every pair of a split dropped or not taken         | note: `output split train has no pairs: 50 contaminated` |
"""

from __future__ import annotations

from collections.abc import Iterable

from prefdata._canonical_folder import SIDE_FILES
from prefdata._errors import SpecError
from prefdata.records.mix import MixManifest

CONTAMINATION_FILE = "contamination.jsonl"
RESERVED = SIDE_FILES | {CONTAMINATION_FILE}


def check_split_names(source: str, names: Iterable[str]) -> None:
    """Refuse an output split named as a file the output folder holds (`prefdata.json`,
    `rejects.jsonl`, ...): the split's folder and the file cannot both be there."""
    taken = sorted({name for name in names if name in RESERVED})
    if taken:
        raise SpecError(
            f"source {source!r} would write output split {taken[0]!r}, the name of a file of the "
            f"output folder ({', '.join(sorted(RESERVED))})",
            fix="map it to a plain split name in `splits`, e.g. {train: train}",
        )


def empty_split_notes(manifest: MixManifest) -> list[str]:
    """A note per output split that got no pair, saying where its pairs went."""
    notes = []
    for split, total in manifest.splits.items():
        if total.rows_out:
            continue
        lost = {**total.dropped, **total.pairs_dropped}
        where = ", ".join(f"{n:,} {reason.replace('_', ' ')}" for reason, n in sorted(lost.items()) if n)
        notes.append(
            f"output split {split} has no pairs: "
            + (
                f"of {total.rows_in:,} pairs in, {where}"
                if where
                else "its sources' conversions gave none (their dropped rows are in rejects.jsonl)"
            )
        )
    return notes

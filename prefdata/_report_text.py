"""Plain-text summaries of library results, for any front end (the `prefdata` CLI, the trainer's demo)."""

from __future__ import annotations

from collections import Counter

from prefdata._canonical_folder import REJECTS_FILE
from prefdata.records.drop_reasons import drop_reason
from prefdata.records.manifest import Manifest


def convert_summary(manifest: Manifest, out_dir: str | None) -> str:
    """Rows in/out and drops by reason, per split, with the layout and output shape."""
    lines = [f"layout: {manifest.layout}    output: {manifest.format}, {manifest.prompt} prompt"]
    lines.append(f"{'split':<16}{'rows in':>10}{'rows out':>10}{'dropped':>10}")
    for name, rep in manifest.splits.items():
        lines.append(f"{name:<16}{rep.rows_in:>10,}{rep.rows_out:>10,}{sum(rep.dropped.values()):>10,}")
    dropped = manifest.summary()["dropped"]
    if dropped:
        lines.append("dropped rows by reason:")
        for reason, n in sorted(dropped.items(), key=lambda kv: -kv[1]):
            lines.append(f"  {reason:<26}{n:>8,}  {drop_reason(reason).description}")
    pair_drops: Counter[str] = sum(
        (Counter(rep.pairs_dropped) for rep in manifest.splits.values()), Counter()
    )
    if pair_drops:
        lines.append(
            "pairs dropped from rows that gave other pairs: "
            + ", ".join(f"{r} {n:,}" for r, n in sorted(pair_drops.items()))
        )
    lines += [f"note: {note}" for note in manifest.notes]
    if out_dir:
        lines.append(f"wrote {out_dir}" + (f" (dropped rows listed in {REJECTS_FILE})" if dropped else ""))
    return "\n".join(lines)

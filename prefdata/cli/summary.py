"""Plain-text tables printed by `prefdata convert` and `prefdata detect`."""

from __future__ import annotations

from collections import Counter

from prefdata.records.manifest import DetectionResult, Manifest
from prefdata.transforms.drops import REASONS


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
            lines.append(f"  {reason:<26}{n:>8,}  {REASONS.get(reason, '')}")
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
        lines.append(f"wrote {out_dir}" + (" (dropped rows listed in rejects.jsonl)" if dropped else ""))
    return "\n".join(lines)


def detect_summary(result: DetectionResult) -> str:
    """The chosen layout, the runner-up and the evidence for each."""
    best = next(s for s in result.scores if s.name == result.layout)
    lines = [f"layout: {result.layout}", "  because: " + "; ".join(best.matched)]
    if result.runner_up is not None:
        ru = result.runner_up
        why = (
            "; ".join(ru.failed)
            if ru.failed
            else "matches too, but less specifically (" + "; ".join(ru.matched) + ")"
        )
        lines.append(f"runner-up: {ru.name} (score {ru.score:g} vs {best.score:g})")
        lines.append(f"  {why}")
    lines.append("columns: " + ", ".join(result.columns))
    return "\n".join(lines)

"""Plain-text tables printed by `prefdata convert` and `prefdata detect`."""

from __future__ import annotations

from prefdata._report_text import convert_summary
from prefdata.records.manifest import DetectionResult

# convert_summary lives in the library (the trainer's demo prints it too); re-exported for the CLI
__all__ = ["convert_summary", "detect_summary"]


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

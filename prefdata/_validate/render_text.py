"""The terminal summary: one line per split, one table row per finding, then examples."""

from __future__ import annotations

from prefdata._validate.codes import Severity
from prefdata._validate.report import Finding, SplitStats, ValidationReport

_MARK = {"error": "ERROR", "warning": "warn", "info": "info"}


def render_text(report: ValidationReport) -> str:
    """A readable summary of `report`."""
    lines = [f"{report.path} ({report.input}, {report.format or '?'} / {report.prompt or '?'} prompt)"]
    for name, stats in report.splits.items():
        lines.append(f"  {name}: {split_line(stats)}")
    if not report.findings:
        lines.append("no problems found")
        return "\n".join(lines)
    lines += ["", f"{'severity':<8}  {'code':<36}  {'count':>8}  title", "-" * 90]
    lines += [f"{_MARK[f.severity]:<8}  {f.code:<36}  {f.count:>8,}  {f.title}" for f in report.findings]
    for finding in report.findings:
        lines += _examples(finding)
    lines.append("")
    lines.append(f"{_tally(report, 'error')}, {_tally(report, 'warning')}")
    return "\n".join(lines)


def split_line(stats: SplitStats) -> str:
    """`100 rows in, 207 pairs` when the input rows are known, else `207 pairs`."""
    pairs = f"{stats.rows:,} pair{'s' * (stats.rows != 1)}"
    return (
        pairs if stats.rows_in is None else f"{stats.rows_in:,} row{'s' * (stats.rows_in != 1)} in, {pairs}"
    )


def _tally(report: ValidationReport, severity: Severity) -> str:
    """`2 errors in 7 rows`: checks that fired at `severity`, and the distinct rows they hit."""
    checks, rows = report.count(severity), report.rows_affected.get(severity, 0)
    text = f"{checks} {severity}{'s' * (checks != 1)}"
    return text + (f" in {rows:,} row{'s' * (rows != 1)}" if rows else "")


def _examples(finding: Finding) -> list[str]:
    if not finding.examples:
        return []
    out = ["", f"{finding.code} ({finding.count:,}):"]
    for ex in finding.examples:
        out.append(f"  {ex.location()} [{ex.field}]: {ex.excerpt}")
    return out

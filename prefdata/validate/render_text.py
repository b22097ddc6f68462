"""The terminal summary: one line per split, one table row per finding, then examples."""

from __future__ import annotations

from prefdata.validate.report import Finding, ValidationReport

_MARK = {"error": "ERROR", "warning": "warn", "info": "info"}


def render_text(report: ValidationReport) -> str:
    """A readable summary of `report`."""
    lines = [f"{report.path} ({report.input}, {report.format or '?'} / {report.prompt or '?'} prompt)"]
    for name, stats in report.splits.items():
        lines.append(f"  {name}: {stats.rows:,} rows")
    if not report.findings:
        lines.append("no problems found")
        return "\n".join(lines)
    lines += ["", f"{'severity':<8}  {'code':<36}  {'count':>8}  title", "-" * 90]
    lines += [f"{_MARK[f.severity]:<8}  {f.code:<36}  {f.count:>8,}  {f.title}" for f in report.findings]
    for finding in report.findings:
        lines += _examples(finding)
    lines.append("")
    lines.append(f"{report.count('error')} error(s), {report.count('warning')} warning(s)")
    return "\n".join(lines)


def _examples(finding: Finding) -> list[str]:
    if not finding.examples:
        return []
    out = ["", f"{finding.code} ({finding.count:,}):"]
    for ex in finding.examples:
        out.append(f"  {ex.location()} [{ex.field}]: {ex.excerpt}")
    return out

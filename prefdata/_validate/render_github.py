"""GitHub workflow annotations (`::error title=...::message`), one per finding."""

from __future__ import annotations

from prefdata._validate.report import Finding, ValidationReport

_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(report: ValidationReport, file: str | None = None) -> str:
    """One annotation line per finding, naming the file when the input is one."""
    return "\n".join(_annotation(f, file) for f in report.findings)


def _annotation(finding: Finding, file: str | None) -> str:
    props = ([f"file={_prop(file)}"] if file else []) + [f"title={_prop(finding.code)}"]
    shown = "; ".join(f"{ex.location()} [{ex.field}] {ex.excerpt}" for ex in finding.examples[:3])
    message = f"{finding.title}: {finding.count} row(s)" + (f" (e.g. {shown})" if shown else "")
    return f"::{_LEVEL[finding.severity]} {','.join(props)}::{_data(message)}"


def render_error(path: str, message: str) -> str:
    """One `::error` annotation for a path that could not be validated at all."""
    return f"::error title={_prop('prefdata validate')}::{_data(f'{path}: {message}')}"

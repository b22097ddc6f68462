"""A self-contained HTML report: counts, findings and inline-SVG length histograms.

No external assets: styles are inline and figures are SVG elements in the page.
"""

from __future__ import annotations

from html import escape

from prefdata._validate.render_text import split_line
from prefdata._validate.report import Finding, Histogram, ValidationReport

_COLORS = {"chosen": "#2e7d32", "rejected": "#c62828", "prompt": "#1565c0"}
_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}"
    "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}.error{color:#b71c1c}"
    ".warning{color:#e65100}.info{color:#555}figure{display:inline-block;margin:1em}"
)


def render_html(report: ValidationReport) -> str:
    """The whole page as a string."""
    body = [f"<h1>prefdata validate: {escape(report.path)}</h1>", _summary(report), _findings(report)]
    for split, stats in report.splits.items():
        body.append(f"<h2>Split {escape(split)} ({split_line(stats)})</h2>")
        for unit in ("chars", "tokens"):
            series = {
                side: getattr(s, "char_histogram" if unit == "chars" else "token_histogram")
                for side, s in stats.sides.items()
            }
            pairs = {k: v for k, v in series.items() if k != "prompt" and v is not None}
            if pairs:
                body.append(
                    _figure(f"{split}: chosen vs rejected length ({unit})", pairs, f"{split}-pair-{unit}")
                )
            if series.get("prompt") is not None:
                body.append(
                    _figure(
                        f"{split}: prompt length ({unit})",
                        {"prompt": series["prompt"]},
                        f"{split}-prompt-{unit}",
                    )
                )
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>prefdata validate</title>"
        f"<style>{_STYLE}</style></head><body>{''.join(body)}</body></html>"
    )


def _summary(report: ValidationReport) -> str:
    cells = [
        ("input", report.input),
        ("format", report.format or "?"),
        ("prompt", report.prompt or "?"),
        ("errors", str(report.count("error"))),
        ("error-rows", str(report.rows_affected.get("error", 0))),
        ("warnings", str(report.count("warning"))),
        ("warning-rows", str(report.rows_affected.get("warning", 0))),
    ]
    rows = "".join(f"<tr><th>{k}</th><td id='summary-{k}'>{escape(v)}</td></tr>" for k, v in cells)
    return f"<table class='summary'>{rows}</table>"


def _findings(report: ValidationReport) -> str:
    if not report.findings:
        return "<p>No problems found.</p>"
    head = "<tr><th>severity</th><th>code</th><th>count</th><th>title</th><th>examples</th></tr>"
    rows = "".join(map(_finding_row, report.findings))
    return f"<h2>Findings</h2><table class='findings'>{head}{rows}</table>"


def _finding_row(f: Finding) -> str:
    examples = "<br>".join(escape(f"{e.location()} [{e.field}] {e.excerpt}") for e in f.examples)
    return (
        f"<tr class='{f.severity}' data-code='{escape(f.code)}'>"
        f"<td>{f.severity}</td><td>{escape(f.code)}</td>"
        f"<td class='count'>{f.count}</td><td>{escape(f.title)}</td><td>{examples}</td></tr>"
    )


def _figure(title: str, series: dict[str, Histogram], fig_id: str) -> str:
    width, height, pad = 520, 220, 30
    edges = max(series.values(), key=lambda h: len(h.edges)).edges
    top = max(max(h.counts, default=0) for h in series.values()) or 1
    n_bins, n_series = max(len(h.counts) for h in series.values()), len(series)
    slot = (width - 2 * pad) / max(n_bins, 1)
    bars = []
    for k, (name, hist) in enumerate(series.items()):
        for b, count in enumerate(hist.counts):
            h = (height - 2 * pad) * count / top
            x = pad + b * slot + k * slot / n_series
            bars.append(
                f"<rect x='{x:.1f}' y='{height - pad - h:.1f}' width='{slot / n_series:.1f}' "
                f"height='{h:.1f}' fill='{_COLORS.get(name, '#555')}'><title>{name}: {count}</title></rect>"
            )
    ticks = "".join(
        f"<text x='{pad + i * slot:.1f}' y='{height - 8}' font-size='9'>{int(edges[i])}</text>"
        for i in range(0, len(edges) - 1, max(1, len(edges) // 6))
    )
    legend = "".join(
        f"<text x='{width - 110}' y='{16 + 14 * k}' font-size='11' fill='{_COLORS.get(n, '#555')}'>"
        f"{escape(n)}</text>"
        for k, n in enumerate(series)
    )
    svg = (
        f"<svg xmlns='http://www.w3.org/2000/svg' id='{escape(fig_id)}' class='histogram' width='{width}' "
        f"height='{height}' data-series='{','.join(series)}'>{''.join(bars)}{ticks}{legend}</svg>"
    )
    return f"<figure>{svg}<figcaption>{escape(title)}</figcaption></figure>"

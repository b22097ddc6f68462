"""The HTML report is self-contained and shows the counts and the length histograms."""

from __future__ import annotations

from html.parser import HTMLParser

from click.testing import CliRunner

from prefdata._cli.validate_command import validate_cmd
from tests.validate.conftest import clean_standard


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.svgs: list[dict[str, str]] = []
        self.rects = 0
        self.external: list[str] = []
        self.counts: dict[str, str] = {}
        self._code: str | None = None
        self._in_count = False
        self.summary: dict[str, str] = {}
        self._summary: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "svg":
            self.svgs.append(a)
        self.rects += tag == "rect"
        self.external += [v for k, v in attrs if k in ("src", "href") and v]
        if tag == "tr" and "data-code" in a:
            self._code = a["data-code"]
        self._in_count = tag == "td" and a.get("class") == "count"
        self._summary = a["id"] if tag == "td" and a.get("id", "").startswith("summary-") else None

    def handle_data(self, data):
        if self._in_count and self._code:
            self.counts[self._code] = data
            self._in_count = False
        if self._summary:
            self.summary[self._summary] = data
            self._summary = None


def test_html_report(write, tmp_path):
    rows = clean_standard()
    rows[2]["rejected"] = rows[2]["chosen"]
    rows[4]["chosen"] = ""
    out = tmp_path / "report.html"
    result = CliRunner().invoke(
        validate_cmd, [str(write({"train": rows, "test": rows[:2]})), "--html", str(out)]
    )
    assert result.exit_code == 1
    page = _Page()
    page.feed(out.read_text())
    assert page.external == []  # nothing loaded from elsewhere
    assert page.counts["content.identical"] == "1" and page.counts["content.empty"] == "1"
    assert page.counts["splits.prompt_leak"] == "2"
    assert page.summary["summary-errors"] == "2"
    assert page.summary["summary-error-rows"] == "2"  # rows 2 and 4 (issue 10: rows, not codes)
    assert page.summary["summary-warning-rows"] == "2"  # the test rows leaking train prompts
    ids = {s["id"] for s in page.svgs}
    assert {"train-pair-chars", "train-prompt-chars", "test-pair-chars"} <= ids
    pair = next(s for s in page.svgs if s["id"] == "train-pair-chars")
    assert pair["data-series"] == "chosen,rejected"
    assert page.rects > 10

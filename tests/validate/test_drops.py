"""A folder written by `prefdata convert` reports what the conversion dropped (manifest + rejects)."""

from __future__ import annotations

import json
from pathlib import Path

import prefdata
from prefdata._validate import validate
from prefdata._validate.render_text import render_text

ARENA = Path(__file__).resolve().parents[1] / "fixtures" / "layouts" / "chatbot-arena-conversations.jsonl"


def _converted(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    prefdata.convert(str(ARENA), out)
    dropped = json.loads((out / "prefdata.json").read_text())["splits"]["train"]["dropped"]
    # the fixture's drops, which the findings below must carry
    assert dropped == {"empty_response": 1, "missing_preference": 1, "tie": 2, "tie_both_bad": 1}
    return out


def test_convert_output_reports_its_drops(tmp_path):
    report = validate(_converted(tmp_path))
    dropped = report.finding("convert.dropped")
    assert dropped.severity == "warning" and dropped.count == 2
    assert dropped.breakdown == {"train: empty_response": 1, "train: missing_preference": 1}
    assert [(e.row, e.source_row) for e in dropped.examples] == [(None, 6), (None, 7)]
    assert dropped.examples[1].excerpt == "empty_response: rejected empty"
    ties = report.finding("content.tie")
    assert ties.severity == "info" and ties.count == 3
    assert ties.breakdown == {"train: tie": 2, "train: tie_both_bad": 1}
    assert [e.source_row for e in ties.examples] == [1, 4, 10]
    assert "train source row 7 [row]: empty_response: rejected empty" in render_text(report)
    assert report.exit_status() == 0 and report.exit_status("warning") == 1


def test_drops_without_a_rejects_file_are_counted(tmp_path):
    out = _converted(tmp_path)
    (out / "rejects.jsonl").unlink()
    report = validate(out)
    assert report.finding("convert.dropped").count == 2
    assert report.finding("convert.dropped").examples == []


def test_drops_of_splits_not_validated_are_left_out(tmp_path):
    out = _converted(tmp_path)
    manifest = json.loads((out / "prefdata.json").read_text())
    manifest["splits"]["test"] = {"rows_in": 1, "rows_out": 0, "dropped": {"bad_value": 1}}
    (out / "prefdata.json").write_text(json.dumps(manifest))
    report = validate(out, splits=["train"])
    assert "test: bad_value" not in report.finding("convert.dropped").breakdown


def test_plain_canonical_data_has_no_drop_findings(write):
    from tests.validate.conftest import clean_standard

    report = validate(write(clean_standard()))
    assert report.finding("convert.dropped") is None and report.finding("content.tie") is None

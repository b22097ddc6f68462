"""A raw source is validated through convert's mapping, nothing written, traps reported by source row."""

from __future__ import annotations

from pathlib import Path

import pytest

from prefdata._validate import validate
from prefdata._validate.finding_sink import FindingSink
from prefdata._validate.raw import RawInput, is_raw
from prefdata._validate.reading import CanonicalInput
from prefdata.records import Reject

HH = Path(__file__).resolve().parents[3] / "shared" / "data" / "hh-rlhf-harmless-base-test.jsonl.gz"


@pytest.mark.skipif(not HH.exists(), reason="real sample not present")
def test_hh_rlhf_traps_by_source_row(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert is_raw(HH)
    report = validate(HH)
    assert report.input == "raw" and report.layout == "hh-rlhf"
    empty = report.finding("content.empty")
    assert empty.count == 4
    assert [e.row for e in empty.examples] == [86, 516, 925, 1103]
    prefix = report.finding("content.prefix")
    # issue 10: the 4 empty replies are `content.empty` only, not also strict prefixes
    assert prefix.count == 1
    assert [e.row for e in prefix.examples] == [1609]
    assert all(e.source_row == e.row for e in prefix.examples)
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_converter_drops_map_to_codes():
    raw = RawInput(
        CanonicalInput("x", {}),
        "x",
        [
            Reject(split="train", source_row=7, reason="empty_response", detail="chosen empty"),
            Reject(split="train", source_row=3, reason="tie", detail="tie"),
            Reject(split="train", source_row=9, reason="unparsable", detail="bad turns"),
        ],
    )
    sink = FindingSink()
    raw.report_rejects(sink)
    found = {f.code: [e.row for e in f.examples] for f in sink.findings()}
    assert found == {"content.empty": [7], "content.tie": [3], "convert.dropped": [9]}
    dropped = next(f for f in sink.findings() if f.code == "convert.dropped")
    assert dropped.examples[0].excerpt.startswith("unparsable")


def test_canonical_columns_are_not_raw(write):
    from tests.validate.conftest import clean_standard

    assert not is_raw(write(clean_standard()))


@pytest.mark.skipif(not HH.exists(), reason="real sample not present")
def test_cli_with_spec_on_raw_source(tmp_path, monkeypatch):
    import json

    from click.testing import CliRunner

    from prefdata._cli.validate_command import validate_cmd
    from prefdata._layouts import SPECS_DIR

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(validate_cmd, [str(HH), "--spec", str(SPECS_DIR / "hh-rlhf.yaml"), "--json"])
    assert result.exit_code == 1
    found = {f["code"]: f for f in json.loads(result.output)["findings"]}
    assert found["content.empty"]["count"] == 4 and found["content.prefix"]["count"] == 1
    assert list(tmp_path.iterdir()) == []


def test_paths_read_only_by_convert_go_the_raw_way(tmp_path):
    (tmp_path / "prefs.csv").write_text("chosen,rejected\na,b\n")
    assert is_raw(tmp_path / "prefs.csv")

"""The manifest beside a folder (`prefdata/_validate/manifest_reading.py`): read, or refused with the reason."""

from __future__ import annotations

import json

import pytest

from prefdata._errors import SourceError
from prefdata._validate import validate
from prefdata._validate.manifest_reading import manifest_problems, read_manifest
from tests.validate.conftest import clean_standard

GOOD = {"prefdata_version": "0.1.0", "splits": {"train": {"rows_in": 8, "dropped": {"tie": 2}}}}


def test_a_good_manifest_and_none(tmp_path):
    assert read_manifest(tmp_path) is None
    (tmp_path / "prefdata.json").write_text(json.dumps(GOOD))
    assert read_manifest(tmp_path) == GOOD


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("text", "expected a JSON object, got a string"),
        ({"splits": None}, "`splits` is missing or null"),
        ({"splits": {"train": []}}, "`splits.train` is an array"),
        ({"splits": {"train": {"rows_in": -1}}}, "`splits.train.rows_in` is -1"),
        ({"splits": {"train": {"rows_in": True}}}, "`splits.train.rows_in` is True"),
        ({"splits": {"train": {"dropped": {"tie": 1.5}}}}, "`splits.train.dropped.tie` is 1.5"),
        ({"prefdata_version": 1, "splits": {}}, "`prefdata_version` is a number"),
    ],
)
def test_problems_name_the_field(value, problem):
    assert any(p.startswith(problem) for p in manifest_problems(value)), manifest_problems(value)


def test_newer_versions(tmp_path):
    (tmp_path / "prefdata.json").write_text(json.dumps({**GOOD, "prefdata_version": "0.10.0"}))
    assert read_manifest(tmp_path) == {**GOOD, "prefdata_version": "0.10.0"}  # reads as ours: used
    (tmp_path / "prefdata.json").write_text(json.dumps({"prefdata_version": "0.10.0", "splits": 3}))
    with pytest.raises(SourceError, match=r"newer than this prefdata \(0\.1\.0\)"):
        read_manifest(tmp_path)
    (tmp_path / "prefdata.json").write_text(json.dumps({"prefdata_version": "0.0.9", "splits": 3}))
    with pytest.raises(SourceError, match="not a prefdata manifest"):
        read_manifest(tmp_path)


def test_not_utf8(tmp_path):
    (tmp_path / "prefdata.json").write_bytes(b'{"splits": "\xff"}')
    with pytest.raises(SourceError, match="not UTF-8"):
        read_manifest(tmp_path)


def test_rows_in_from_the_manifest(write):
    folder = write(clean_standard(6))
    (folder / "prefdata.json").write_text(json.dumps(GOOD))
    report = validate(folder)
    assert report.splits["train"].rows == 6 and report.splits["train"].rows_in == 8
    assert report.finding("content.tie").count == 2
    assert report.rows_affected == {"info": 2}

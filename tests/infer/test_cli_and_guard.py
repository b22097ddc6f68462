"""`prefdata detect` / `--print-spec` / `convert` on inferred layouts, and the whole-split guard."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from corpus import fixture

import prefdata
from prefdata._cli import main
from prefdata._errors import DetectionError


def test_detect_shows_evidence_and_print_spec_round_trips(tmp_path) -> None:
    runner = CliRunner()
    shown = runner.invoke(main, ["detect", str(fixture("llmbar"))])
    assert shown.exit_code == 0, shown.output
    assert "layout: inferred" in shown.output and "because:" in shown.output
    spec_text = runner.invoke(main, ["detect", str(fixture("llmbar")), "--print-spec"]).output
    spec_file = tmp_path / "spec.yaml"
    spec_file.write_text(spec_text)
    assert prefdata.load_spec(spec_file) == prefdata.detect(fixture("llmbar")).inference.spec
    inferred = prefdata.convert(fixture("llmbar"))
    given = prefdata.convert(fixture("llmbar"), spec=spec_file)
    assert inferred.dataset["train"].to_list() == given.dataset["train"].to_list()


def test_manifest_records_inference(tmp_path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["convert", str(fixture("judgebench")), str(out)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "prefdata.json").read_text())
    assert manifest["layout"] == "inferred"
    inference = manifest["detection"]["inference"]
    assert inference["spec"] == manifest["spec"]
    assert {d["part"] for d in inference["decisions"]} >= {"prompt", "responses", "preference"}


def test_python_convert_accepts_detection() -> None:
    found = prefdata.detect(fixture("offsetbias"))
    result = prefdata.convert(fixture("offsetbias"), spec=found)
    assert result.manifest.detection == found and result.manifest.layout == "inferred"


def test_ambiguous_exits_2(tmp_path) -> None:
    result = CliRunner().invoke(main, ["convert", str(fixture("autoj-pairwise")), str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "ambiguous" in result.output and "0-based" in result.output and "1-based" in result.output
    assert not (tmp_path / "o").exists()


def _label_rows(n: int, bad: int) -> list[dict]:
    rows = [
        {
            "input": f"q{i}",
            "output_1": f"first answer {i}",
            "output_2": f"second answer {i}",
            "label": 1 + i % 2,
        }
        for i in range(n)
    ]
    for i in range(bad):
        rows[n - 1 - i]["label"] = 7
    return rows


def _write(path, rows) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def test_a_row_outside_the_inferred_values_is_a_counted_drop(tmp_path) -> None:
    src = tmp_path / "d.jsonl"
    _write(src, _label_rows(400, 1))  # the bad row is past the 200-row sample
    result = prefdata.convert(src)
    assert result.manifest.splits["train"].dropped == {"missing_preference": 1}
    assert [r.source_row for r in result.rejects] == [399]


def test_many_contradicting_rows_stop_the_conversion(tmp_path) -> None:
    src = tmp_path / "d.jsonl"
    _write(src, _label_rows(400, 60))  # 15% of rows, all after the sample
    with pytest.raises(DetectionError, match=r"inferred layout does not hold: 60 of 400 rows \(15.0%\)"):
        prefdata.convert(src, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_detect_help_says_read_not_convert() -> None:
    out = CliRunner().invoke(main, ["detect", "--help"]).output
    assert "Convert only" not in out and "Read only this split" in out

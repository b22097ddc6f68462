"""`prefdata validate DATA --against EVAL...`: the contamination `prefdata mix` drops, reported, nothing written."""

from __future__ import annotations

import json
import subprocess
import sys

from prefdata._mix import Recipe, mix
from prefdata._validate import validate
from tests.mix.conftest import UNRELATED, generated_rows, write_jsonl


def _files(tmp_path):
    rows = generated_rows(30)
    data = write_jsonl(tmp_path / "train.jsonl", rows)
    planted = [rows[4]["prompt"][0]["content"], " ".join(rows[9]["prompt"][0]["content"].split()[:15])]
    first = write_jsonl(tmp_path / "eval1.jsonl", [{"prompt": planted[0]}, {"prompt": UNRELATED[0]}])
    second = write_jsonl(tmp_path / "eval2.jsonl", [{"prompt": UNRELATED[1]}, {"prompt": planted[1]}])
    return data, first, second


def test_validate_against_reports_what_mix_drops(tmp_path):
    data, first, second = _files(tmp_path)
    report = validate(data, against=[first, second])
    finding = next(f for f in report.findings if f.code == "splits.contamination")
    assert finding.severity == "error" and finding.count == 2
    assert [e.row for e in finding.examples] == [4, 9]
    assert "eval1.jsonl split train row 0" in finding.examples[0].excerpt
    assert "eval2.jsonl split train row 1" in finding.examples[1].excerpt
    recipe = Recipe.model_validate(
        {"sources": [{"path": str(data)}], "decontaminate": {"against": [str(first), str(second)]}}
    )
    mixed = mix(recipe, tmp_path / "mixed")
    dropped = [r.source_row for r in mixed.rejects if r.reason == "contaminated"]
    assert dropped == [e.row for e in finding.examples]
    assert validate(data).findings == [f for f in report.findings if f.code != "splits.contamination"]


def test_cli_takes_several_evaluation_sets_after_against_and_writes_nothing(tmp_path):
    data, first, second = _files(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "prefdata",
            "validate",
            str(data),
            "--against",
            str(first),
            str(second),
            "--json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    codes = {f["code"]: f["count"] for f in report["findings"]}
    assert codes["splits.contamination"] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    one = subprocess.run(
        [sys.executable, "-m", "prefdata", "validate", str(data), "--against", str(first), "--ngram", "20"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert one.returncode == 1 and "splits.contamination" in one.stdout


def test_against_without_an_evaluation_set_is_a_usage_error(tmp_path):
    data, _, _ = _files(tmp_path)
    for args in (["--against"], ["--against", "--json"], ["--ngram", "9"]):
        proc = subprocess.run(
            [sys.executable, "-m", "prefdata", "validate", str(data), *args],
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 2, args
        assert "Traceback" not in proc.stderr and "--against" in proc.stderr

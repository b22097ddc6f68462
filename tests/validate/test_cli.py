"""Exit statuses and output formats of `prefdata validate`, in-process and as a real process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from prefdata._cli.validate_command import validate_cmd
from prefdata._validate import ValidationReport
from tests.validate.conftest import clean_standard

ROOT = Path(__file__).resolve().parents[2]


def _run(*args):
    return CliRunner().invoke(validate_cmd, [str(a) for a in args])


def _with_identical(write):
    rows = clean_standard()
    rows[2]["rejected"] = rows[2]["chosen"]
    return write(rows)


def _with_warning_only(write):
    rows = clean_standard()
    rows[1]["rejected"] = rows[1]["chosen"] + " more"
    return write(rows)


def test_exit_statuses(write, tmp_path):
    assert _run(write(clean_standard())).exit_code == 0
    assert _run(_with_identical(write)).exit_code == 1
    warning_only = _with_warning_only(write)
    assert _run(warning_only).exit_code == 0
    assert _run(warning_only, "--fail-on", "warning").exit_code == 1
    missing = _run(tmp_path / "nope")
    assert missing.exit_code == 2 and "no such file" in missing.output
    assert _run(write(clean_standard()), "--max-length", "5").exit_code == 2  # misuse: needs --tokenizer


def test_text_output_lists_code_and_row(write):
    out = _run(_with_identical(write)).output
    assert "content.identical" in out and "train row 2" in out


def test_json_output_is_the_report_model(write):
    result = _run(_with_identical(write), "--json")
    report = ValidationReport.model_validate_json(result.output)
    assert report.finding("content.identical").examples[0].row == 2


def test_github_annotations(write):
    lines = _run(_with_identical(write), "--format", "github").output.strip().splitlines()
    assert lines[0].startswith("::error title=content.identical::")
    assert "train row 2" in lines[0]


def test_unreadable_input_exits_2(tmp_path):
    bad = tmp_path / "bad.parquet"
    bad.write_text("not parquet")
    assert _run(bad).exit_code == 2


def _subprocess(*args):
    return subprocess.run(
        [sys.executable, "-m", "prefdata._cli", "validate", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_real_process_exit_statuses(write, tmp_path):
    assert _subprocess(write(clean_standard())).returncode == 0
    failing = _subprocess(_with_identical(write), "--json")
    assert failing.returncode == 1
    assert json.loads(failing.stdout)["findings"][0]["code"] == "content.identical"
    assert _subprocess(tmp_path / "missing").returncode == 2


def test_several_paths(write, tmp_path):
    clean, flawed = write(clean_standard()), _with_identical(write)
    text = _run(clean, flawed)
    assert text.exit_code == 1
    assert text.output.count("(canonical, standard / explicit prompt)") == 2
    assert "2 paths: 1 passed, 1 with problems, 0 unreadable" in text.output
    github = _run(clean, tmp_path / "nope", "--format", "github")
    assert github.exit_code == 2
    assert "::error title=prefdata validate::" in github.output and "no such file" in github.output
    reports = json.loads(_run(flawed, clean, "--json").output)
    assert [ValidationReport.model_validate(r).path for r in reports] == [str(flawed), str(clean)]
    html = _run(clean, flawed, "--html", tmp_path / "r.html")
    assert html.exit_code == 2 and "--html" in html.output and not (tmp_path / "r.html").exists()

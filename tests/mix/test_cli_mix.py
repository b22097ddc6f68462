"""`prefdata mix` from the command line: summary, exit status, errors without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys

import datasets
import yaml
from click.testing import CliRunner

from prefdata._cli import main
from tests.mix.conftest import generated_rows, write_jsonl


def _recipe(tmp_path, **extra):
    write_jsonl(tmp_path / "gen.jsonl", generated_rows(12))
    recipe = {"sources": [{"path": "gen.jsonl", **extra}]}
    path = tmp_path / "recipe.yaml"
    path.write_text(yaml.safe_dump(recipe))
    return path


def test_mix_prints_a_summary_and_writes_a_trl_shaped_folder(tmp_path):
    recipe = _recipe(tmp_path, take=5)
    result = CliRunner().invoke(main, ["mix", str(recipe), str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "gen" in result.output and "taken" in result.output
    assert "output split train: 5 pairs" in result.output
    train = datasets.load_from_disk(str(tmp_path / "out"))["train"]
    assert len(train) == 5 and set(train["source"]) == {"gen"}
    as_json = CliRunner().invoke(main, ["mix", str(recipe), str(tmp_path / "out"), "--overwrite", "--json"])
    assert json.loads(as_json.output)["sources"]["gen"]["splits"]["train"]["taken"] == 5


def _run(*args):
    return subprocess.run(
        [sys.executable, "-m", "prefdata", *args], capture_output=True, text=True, check=False
    )


def test_mix_errors_exit_2_without_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("sources:\n  - path: gen.jsonl\n    wieght: 2\n")
    cases = [
        (bad, "sources.0.wieght"),
        (_recipe(tmp_path, take=100), "only 12 are left"),
        (tmp_path / "missing.yaml", "missing.yaml"),
    ]
    for recipe, message in cases:
        proc = _run("mix", str(recipe), str(tmp_path / "out"))
        assert proc.returncode == 2, proc.stderr
        assert message in proc.stderr
        assert "Traceback" not in proc.stderr
        assert not (tmp_path / "out").exists()
    (tmp_path / "out").mkdir()
    proc = _run("mix", str(_recipe(tmp_path)), str(tmp_path / "out"))
    assert proc.returncode == 2 and "--overwrite" in proc.stderr


def test_overwrite_never_replaces_a_folder_holding_a_source(tmp_path):
    out = tmp_path / "out"
    recipe = _recipe(tmp_path)
    assert _run("mix", str(recipe), str(out)).returncode == 0
    (tmp_path / "gen.jsonl").rename(out / "gen.jsonl")
    inside = tmp_path / "inside.yaml"
    inside.write_text(yaml.safe_dump({"sources": [{"path": "out/gen.jsonl"}]}))
    proc = _run("mix", str(inside), str(out), "--overwrite")
    assert proc.returncode == 2 and "lies inside the output folder" in proc.stderr
    assert (out / "gen.jsonl").is_file()

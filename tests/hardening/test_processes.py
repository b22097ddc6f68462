"""A few corpus cases through a real `python -m prefdata` process: exit status 2, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_corpus import CASES, Stops, leftovers

ROOT = Path(__file__).resolve().parents[2]
PICKED = [
    "truncated_gzip",
    "invalid_line_in_large_file",
    "non_utf8_csv",
    "spec_alias_bomb",
    "spec_python_tag",
]


@pytest.mark.parametrize("name", PICKED)
def test_stops_with_status_2_and_no_traceback(name: str, tmp_path: Path) -> None:
    case = next(c for c in CASES if c.name == name)
    assert isinstance(case.expect, Stops)
    args = case.build(tmp_path)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "prefdata", "convert", args[0], str(out), *args[1:]],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert all(text in proc.stderr for text in case.expect.says), proc.stderr
    assert not out.exists() and not leftovers(out)
    assert not (tmp_path / "MARKER").exists()


def test_a_row_level_problem_exits_0_through_a_process(tmp_path: Path) -> None:
    """The case that used to end in an ArrowInvalid traceback now converts, the row rejected."""
    case = next(c for c in CASES if c.name == "template_kwargs_mixed_types")
    args = case.build(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "prefdata", "convert", args[0], str(tmp_path / "out"), *args[1:]],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert (tmp_path / "out" / "rejects.jsonl").is_file()

"""The batch lane writes exactly what the row path writes: the same files, byte for byte, or the same error.

Sources are arena-shaped parquet files full of traps (JSON escapes, raw control characters,
values that are not turn lists or try to break out of their row, null and blank turns,
identical replies, turn-count mismatches, flags of every type with invalid values), cut into
tables of 8 input rows and row groups of 7, converted with and without the lane, on one
thread and on two.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lane_support import arena_rows, convert_both, files, lane, options, write_parquet

import prefdata
from prefdata import ConvertOptions

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(data=arena_rows(), opts=options, workers=st.sampled_from([0, 2]))
def test_lane_output_is_the_row_paths(data, opts, workers):
    rows, kind = data
    with tempfile.TemporaryDirectory() as folder:
        source = write_parquet(rows, kind, Path(folder) / "arena.parquet")
        by_rows, by_lane = convert_both(source, Path(folder), opts, workers)
    assert by_lane == by_rows


def _clean_rows(n: int) -> list[dict]:
    return [
        {
            "model_a": "m1",
            "model_b": "m2",
            "prompt": json.dumps([f"question {i}", f"follow-up {i}"][: 1 + i % 2]),
            "response_a": json.dumps([f"answer a {i}", f"more a {i}"][: 1 + i % 2]),
            "response_b": json.dumps([f"answer b {i}", f'more "b" {i}\n'][: 1 + i % 2]),
            "winner_model_a": int(i % 3 == 0),
            "winner_model_b": int(i % 3 == 1),
            "winner_tie": int(i % 3 == 2),
        }
        for i in range(n)
    ]


@pytest.mark.parametrize("workers", [0, 2])
def test_lane_converts_clean_rows_itself(tmp_path, monkeypatch, workers):
    """Clean rows never reach the row path (the lane is not the row path in disguise)."""
    from prefdata._transforms.pairs import RowConverter

    source = write_parquet(_clean_rows(300), "int", tmp_path / "arena.parquet", row_group_size=50)
    calls = []
    real = RowConverter.convert
    monkeypatch.setattr(RowConverter, "convert", lambda self, *a: calls.append(a[-1]) or real(self, *a))
    with lane(True, workers, flush_rows=16) as how:
        result = prefdata.convert(source, tmp_path / "out", **how)
    assert result.manifest.splits["train"].rows_out == 200
    assert result.manifest.splits["train"].dropped == {"tie": 100}
    assert calls == []
    chosen = result.dataset["train"][1]["chosen"]
    assert chosen == [
        {"role": "assistant", "content": "answer b 1"},
        {"role": "user", "content": "follow-up 1"},
        {"role": "assistant", "content": 'more "b" 1\n'},
    ]


def test_lane_and_row_path_agree_on_a_large_mixed_file(tmp_path):
    """Thousands of rows over several tables and row groups, default table size, two threads."""
    rows = _clean_rows(9000)
    for i in range(0, 9000, 97):
        rows[i]["response_a"] = json.dumps([None] * (1 + i % 2))
    for i in range(5, 9000, 389):
        rows[i]["prompt"] = "not json"
    source = write_parquet(rows, "int", tmp_path / "arena.parquet", row_group_size=2500)
    outputs = []
    for enabled in (False, True):
        with lane(enabled, workers=2, flush_rows=4096) as how:
            prefdata.convert(source, tmp_path / str(enabled), options=ConvertOptions(ties="keep"), **how)
        outputs.append(files(tmp_path / str(enabled)))
    assert outputs[0] == outputs[1]
    assert b"bad_value" in outputs[0]["rejects.jsonl"]


def test_ties_error_names_the_first_tie_on_threads(tmp_path):
    rows = _clean_rows(100)
    source = write_parquet(rows, "int", tmp_path / "arena.parquet")
    with lane(True, workers=2) as how, pytest.raises(prefdata.PrefdataError, match="row 2") as raised:
        prefdata.convert(source, tmp_path / "out", options=ConvertOptions(ties="error"), **how)
    assert "--ties" in raised.value.fix
    assert not (tmp_path / "out").exists()

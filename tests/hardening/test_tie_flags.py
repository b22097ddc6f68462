"""A `tie` flag in TRL-shaped data (what `--ties keep` writes) is read, never silently turned into a preference."""

from __future__ import annotations

import json

import pytest

import prefdata
from prefdata import ConvertOptions
from prefdata._errors import RowError


def _source(tmp_path, conversational: bool = False):
    def side(text, role="assistant"):
        return [{"role": role, "content": text}] if conversational else text

    rows = [
        {"prompt": side("p1", "user"), "chosen": side("a"), "rejected": side("b"), "tie": True},
        {"prompt": side("p2", "user"), "chosen": side("c"), "rejected": side("d"), "tie": False},
        {"prompt": side("p3", "user"), "chosen": side("e"), "rejected": side("f")},
    ]
    path = tmp_path / "ties.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.mark.parametrize("conversational", [False, True])
def test_tie_rows_are_dropped_by_default_and_kept_flagged(tmp_path, conversational):
    path = _source(tmp_path, conversational)
    dropped = prefdata.convert(path)
    assert dropped.manifest.splits["train"].dropped == {"tie": 1}
    assert dropped.dataset["train"]["source_row"] == [1, 2]
    kept = prefdata.convert(path, tmp_path / "kept", options=ConvertOptions(ties="keep"))
    assert kept.dataset["train"]["tie"] == [True, False, False]
    again = prefdata.convert(tmp_path / "kept", options=ConvertOptions(ties="keep"))
    assert again.dataset["train"]["tie"] == [True, False, False]  # converting the output changes nothing
    with pytest.raises(RowError, match="row 0"):
        prefdata.convert(path, options=ConvertOptions(ties="error"))


def test_a_tie_flag_that_is_not_a_boolean_is_bad_value(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"prompt": "p", "chosen": "a", "rejected": "b", "tie": "yes"}) + "\n")
    result = prefdata.convert(path)
    assert result.manifest.splits["train"].dropped == {"bad_value": 1}
    assert "`tie` is 'yes'" in result.rejects[0].detail

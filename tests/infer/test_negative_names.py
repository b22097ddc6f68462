"""A column whose name says it holds the LOSING response is never read as the winner."""

from __future__ import annotations

import json

import pytest

import prefdata
from prefdata._errors import DetectionError


def _rows(column: str, values: list[str]) -> list[dict]:
    return [
        {
            "prompt": f"question {i}",
            "response_a": f"first answer {i}",
            "response_b": f"second answer {i}",
            column: v,
        }
        for i, v in enumerate(values)
    ]


@pytest.mark.parametrize(
    ("column", "values"),
    [
        ("loser", ["model_a", "model_b", "model_a", "model_b"]),
        ("worse_label", ["A", "B", "A", "B"]),
        ("incorrect_answer", ["a", "b", "b", "a"]),
        ("rejected_choice", ["A>B", "B>A", "A>B", "B>A"]),
        ("not_preferred", ["model_a", "model_b", "model_b", "model_a"]),
    ],
)
def test_loser_columns_are_refused_not_flipped(tmp_path, column, values):
    path = tmp_path / "data.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in _rows(column, values)))
    with pytest.raises(DetectionError):
        prefdata.convert(path)


def test_the_same_values_under_a_winner_name_convert(tmp_path):
    path = tmp_path / "data.jsonl"
    path.write_text(
        "".join(json.dumps(r) + "\n" for r in _rows("winner", ["model_a", "model_b", "model_a", "model_b"]))
    )
    train = prefdata.convert(path).dataset["train"]
    assert [row["chosen"][-1]["content"].split()[0] for row in train] == [
        "first",
        "second",
        "first",
        "second",
    ]

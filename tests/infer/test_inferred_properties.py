"""Inferred pairs do not depend on column order, row order, names within a family, or response order."""

from __future__ import annotations

import json
import random

import pytest

import prefdata


def _rows(seed: int) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for i in range(30):
        label = rng.choice([1, 2])
        rows.append(
            {
                "instruction": f"question {i} {rng.random():.6f}",
                "output_1": f"reply one to {i}: {rng.random():.6f}",
                "output_2": f"reply two to {i}: {rng.random():.6f}",
                "label": label,
            }
        )
    return rows


def _pairs(rows: list[dict], tmp_path, name: str = "d.jsonl") -> set[tuple[str, str, str]]:
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = prefdata.convert(path).dataset["train"]
    return {
        (r["prompt"][-1]["content"], r["chosen"][-1]["content"], r["rejected"][-1]["content"]) for r in out
    }


def _rename(rows: list[dict], names: dict[str, str]) -> list[dict]:
    return [{names.get(k, k): v for k, v in r.items()} for r in rows]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_column_and_row_order_do_not_matter(seed: int, tmp_path) -> None:
    rows = _rows(seed)
    base = _pairs(rows, tmp_path)
    assert len(base) == len(rows)
    rng = random.Random(seed)
    keys = list(rows[0])
    rng.shuffle(keys)
    shuffled = [{k: r[k] for k in keys} for r in rows]
    rng.shuffle(shuffled)
    assert _pairs(shuffled, tmp_path, "s.jsonl") == base


@pytest.mark.parametrize(
    "names",
    [
        {"output_1": "response1", "output_2": "response2", "label": "preference"},
        {"output_1": "answer 1", "output_2": "answer 2", "instruction": "prompt", "label": "winner"},
        {
            "output_1": "completion_1",
            "output_2": "completion_2",
            "instruction": "question",
            "label": "choice",
        },
    ],
)
def test_renaming_within_a_family_does_not_matter(names: dict[str, str], tmp_path) -> None:
    rows = _rows(5)
    assert _pairs(_rename(rows, names), tmp_path, "r.jsonl") == _pairs(rows, tmp_path)


def test_letter_markers_with_letter_labels_give_the_same_pairs(tmp_path) -> None:
    rows = _rows(6)
    lettered = [
        {
            "prompt": r["instruction"],
            "response_a": r["output_1"],
            "response_b": r["output_2"],
            "winner": "AB"[r["label"] - 1],
        }
        for r in rows
    ]
    assert _pairs(lettered, tmp_path, "l.jsonl") == _pairs(rows, tmp_path)


@pytest.mark.parametrize("seed", [3, 4])
def test_swapping_responses_with_a_mirrored_label_gives_the_same_pairs(seed: int, tmp_path) -> None:
    rows = _rows(seed)
    swapped = [
        r | {"output_1": r["output_2"], "output_2": r["output_1"], "label": 3 - r["label"]} for r in rows
    ]
    assert _pairs(swapped, tmp_path, "w.jsonl") == _pairs(rows, tmp_path)

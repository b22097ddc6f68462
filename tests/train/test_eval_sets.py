"""Reading evaluation sets: each shape, detection, `--benchmark` overrides, and counted drops."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from prefdata import convert
from prefdata._errors import PrefdataError
from prefdata_train._evaluation.eval_sets import read_eval_set


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def _rb1_rows() -> list[dict]:
    """RewardBench v1's published shape: prompt, chosen, rejected strings, subset, id."""
    return [
        {"prompt": "p0", "chosen": "good 0", "rejected": "bad 0", "subset": "alpacaeval-easy", "id": 10},
        {"prompt": "p1", "chosen": "", "rejected": "bad 1", "subset": "hep-go", "id": 11},  # empty: dropped
        {"prompt": "p2", "chosen": "good 2", "rejected": "bad 2", "subset": "hep-go", "id": 12},
        {"prompt": "p3", "chosen": "same", "rejected": "same", "subset": "donotanswer", "id": 13},  # kept
    ]


def _rb2_row(i: int, chosen: list, rejected: list, subset: str = "Math", **extra) -> dict:
    row = {
        "id": str(i),
        "prompt": f"p{i}",
        "chosen": chosen,
        "rejected": rejected,
        "num_correct": len(chosen),
        "num_incorrect": len(rejected),
        "total_completions": len(chosen) + len(rejected),
        "models": ["m1", "m2"],
        "subset": subset,
        "additional_metadata": {"note": "x"},
    }
    row.update(extra)
    return row


def _rm_row(i: int, chosen: list, rejected: list, domain: str = "chat") -> dict:
    return {"id": i, "prompt": f"p{i}", "chosen": chosen, "rejected": rejected, "domain": domain}


# ---- pairs -----------------------------------------------------------------------------------


def test_canonical_folder_reads_its_pairs_and_scalar_columns(tmp_path: Path):
    raw = _jsonl(
        tmp_path / "pairs.jsonl",
        [{"prompt": f"p{i}", "chosen": f"c{i}", "rejected": f"r{i}"} for i in range(3)],
    )
    convert(str(raw), tmp_path / "folder")
    eval_set = read_eval_set(tmp_path / "folder")
    assert (eval_set.shape, eval_set.benchmark, eval_set.split) == ("pairs", None, "train")
    assert eval_set.completions == [["c0", "r0"], ["c1", "r1"], ["c2", "r2"]]
    assert eval_set.prompts == ["p0", "p1", "p2"] and eval_set.n_chosen == [1, 1, 1]
    assert eval_set.rows == [0, 1, 2] and "source_row" in eval_set.columns
    with pytest.raises(PrefdataError, match="no split `test`; found train"):
        read_eval_set(tmp_path / "folder", split="test")
    with pytest.raises(PrefdataError, match="--benchmark rm-bench reads .* lists of completions"):
        read_eval_set(tmp_path / "folder", benchmark="rm-bench")


def test_raw_pairs_go_through_convert_with_their_columns_joined(tmp_path: Path):
    rows = [
        {"prompt": "p0", "chosen": "c0", "rejected": "r0", "source": "a", "score": 1.5, "tags": ["x"]},
        {"prompt": "p1", "chosen": None, "rejected": "r1", "source": "b", "score": 2.0, "tags": []},
        {"prompt": "p2", "chosen": "c2", "rejected": "r2", "source": "c", "score": 0.5, "tags": []},
    ]
    eval_set = read_eval_set(_jsonl(tmp_path / "raw.jsonl", rows))
    assert (eval_set.shape, eval_set.benchmark) == ("pairs", None)
    assert eval_set.completions == [["c0", "r0"], ["c2", "r2"]]
    assert eval_set.rows == [0, 2] and eval_set.dropped == {"empty_response": 1}
    # columns joined by source row, so row 2's values follow its pair; a list column is no group
    assert eval_set.columns["source"] == ["a", "c"] and eval_set.columns["score"] == [1.5, 0.5]
    assert "tags" not in eval_set.columns


# ---- RewardBench v1 --------------------------------------------------------------------------


def test_rewardbench_file_keeps_subsets_aligned_after_drops(tmp_path: Path):
    eval_set = read_eval_set(_jsonl(tmp_path / "rb.jsonl", _rb1_rows()))
    assert (eval_set.shape, eval_set.benchmark) == ("subset-pairs", "rewardbench")
    assert eval_set.prompts == ["p0", "p2", "p3"]
    assert eval_set.columns["subset"] == ["alpacaeval-easy", "hep-go", "donotanswer"]
    assert eval_set.columns["id"] == [10, 12, 13] and eval_set.rows == [0, 2, 3]
    # identical texts are kept: the benchmark scores that pair (a tie, which is wrong)
    assert eval_set.completions[-1] == ["same", "same"]
    assert eval_set.dropped == {"empty_response": 1}


def test_subset_pairs_with_unknown_subsets_are_no_rewardbench(tmp_path: Path):
    rows = [{"prompt": "p", "chosen": "c", "rejected": "r", "subset": "mine"}]
    path = _jsonl(tmp_path / "own.jsonl", rows)
    eval_set = read_eval_set(path)
    assert (eval_set.shape, eval_set.benchmark) == ("subset-pairs", None)
    with pytest.raises(PrefdataError, match="holds none of RewardBench's subsets \\(seen: mine\\)"):
        read_eval_set(path, benchmark="rewardbench")


# ---- RewardBench 2 ---------------------------------------------------------------------------


def test_best_of_n_parquet_with_counted_drops(tmp_path: Path):
    rows = [
        _rb2_row(0, ["a"], ["b", "c", "d"]),
        _rb2_row(1, ["a"], []),  # no_rejected
        _rb2_row(2, ["a"], ["b", None, "d"]),  # empty_response
        _rb2_row(3, ["a"], ["b", "  ", "d"]),  # empty_response (blank)
        _rb2_row(4, ["a"], ["b", "c", "d"], num_correct=2),  # num_correct_mismatch
        _rb2_row(5, ["a", "a2"], ["b"], subset="Ties", id="ref:7"),
        _rb2_row(6, ["a", "a2"], ["b"], subset="Ties", id="7"),  # ties_id_unreadable
        _rb2_row(7, [], ["b"]),  # no_chosen
    ]
    path = tmp_path / "rb2.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path)
    eval_set = read_eval_set(path)
    assert (eval_set.shape, eval_set.benchmark, eval_set.split) == ("best-of-n", "rewardbench-2", "train")
    assert eval_set.rows == [0, 5]
    assert eval_set.completions == [["a", "b", "c", "d"], ["a", "a2", "b"]]
    assert eval_set.n_chosen == [1, 2]
    assert eval_set.dropped == {
        "empty_response": 2,
        "no_chosen": 1,
        "no_rejected": 1,
        "num_correct_mismatch": 1,
        "ties_id_unreadable": 1,
    }
    assert eval_set.columns["subset"] == ["Math", "Ties"] and eval_set.columns["id"] == ["0", "ref:7"]
    assert "models" not in eval_set.columns and "additional_metadata" not in eval_set.columns


# ---- RM-Bench --------------------------------------------------------------------------------


def test_style_lists_with_counted_drops(tmp_path: Path):
    rows = [
        _rm_row(0, ["c1", "c2", "c3"], ["r1", "r2", "r3"]),
        _rm_row(1, ["c1", "c2", "c3"], ["r1", "r2"]),  # unequal_lists
        _rm_row(2, ["c1", "c2"], ["r1", "r2"]),  # style_count_differs (the set has 3)
        _rm_row(3, ["c1", "c2", "c3"], ["r1", "r2", "r3"], domain="safety-refuse"),
    ]
    eval_set = read_eval_set(_jsonl(tmp_path / "rm.jsonl", rows))
    assert (eval_set.shape, eval_set.benchmark) == ("style-lists", "rm-bench")
    assert eval_set.rows == [0, 3] and eval_set.n_chosen == [3, 3]
    assert eval_set.columns["domain"] == ["chat", "safety-refuse"]
    assert eval_set.dropped == {"style_count_differs": 1, "unequal_lists": 1}


def test_style_lists_need_two_styles(tmp_path: Path):
    path = _jsonl(tmp_path / "one.jsonl", [_rm_row(0, ["c"], ["r"])])
    with pytest.raises(PrefdataError, match="at least 2 styles"):
        read_eval_set(path)


# ---- detection and overrides -----------------------------------------------------------------


def test_lists_without_a_marker_column_are_refused_with_the_columns_seen(tmp_path: Path):
    rows = [{"prompt": "p", "chosen": ["a", "b"], "rejected": ["c", "d"], "subset": "s"}]
    path = _jsonl(tmp_path / "lists.jsonl", rows)
    with pytest.raises(PrefdataError) as info:
        read_eval_set(path)
    message = str(info.value)
    assert "columns seen: prompt, chosen, rejected, subset" in message and "--benchmark" in message
    # naming the benchmark reads it
    assert read_eval_set(path, benchmark="rewardbench-2").shape == "best-of-n"


@pytest.mark.parametrize(
    ("rows", "benchmark", "message"),
    [
        (_rb1_rows(), "rm-bench", "--benchmark rm-bench reads .* lists of completions .* missing: domain"),
        (_rb1_rows(), "rewardbench-2", "--benchmark rewardbench-2 reads .* lists of completions"),
        ([_rb2_row(0, ["a"], ["b"])], "rewardbench", "--benchmark rewardbench reads .* one completion each"),
        ([_rb2_row(0, ["a"], ["b"])], "rm-bench", "missing: domain"),
        ([_rm_row(0, ["a", "b"], ["c", "d"])], "rewardbench-2", "missing: subset"),
        (_rb1_rows(), "reward-bench", "unknown benchmark 'reward-bench'"),
    ],
)
def test_a_wrong_override_is_an_error(tmp_path: Path, rows, benchmark, message):
    with pytest.raises(PrefdataError, match=message):
        read_eval_set(_jsonl(tmp_path / "data.jsonl", rows), benchmark=benchmark)


def test_a_fitting_override_is_accepted(tmp_path: Path):
    eval_set = read_eval_set(_jsonl(tmp_path / "rb.jsonl", _rb1_rows()), benchmark="rewardbench")
    assert eval_set.benchmark == "rewardbench"


def test_nothing_left_is_an_error_naming_the_drops(tmp_path: Path):
    path = _jsonl(tmp_path / "rm.jsonl", [_rm_row(0, ["c1", None], ["r1", "r2"])])
    with pytest.raises(PrefdataError, match=r"no items to evaluate .*1 empty_response"):
        read_eval_set(path)


def test_split_choice_prefers_test(tmp_path: Path):
    folder = tmp_path / "data"
    folder.mkdir()
    _jsonl(folder / "train.jsonl", [_rm_row(0, ["a", "b"], ["c", "d"])])
    _jsonl(folder / "test.jsonl", [_rm_row(1, ["a", "b"], ["c", "d"]), _rm_row(2, ["a", "b"], ["c", "d"])])
    assert read_eval_set(folder).split == "test" and len(read_eval_set(folder)) == 2
    assert len(read_eval_set(folder, split="train")) == 1

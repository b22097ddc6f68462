"""HuggingFaceH4 ultrafeedback_binarized: whole message lists, two scores, prefs splits as separate files."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from layout_checks import FIXTURES, assert_accounted, msg, read_jsonl, reject_reasons, rows_by_source

import prefdata
from prefdata import ConvertOptions

FOLDER = FIXTURES / "ultrafeedback-binarized"  # data/{train,test}_prefs-00000-of-00001.jsonl


def test_detected_with_runner_up():
    found = prefdata.detect(FOLDER)
    assert found.layout == "ultrafeedback-binarized"
    assert found.runner_up is not None and found.runner_up.name == "trl-conversational"
    assert found.runner_up.score > 0  # message lists fit TRL too; the score columns decide


def test_splits_and_exact_rows():
    result = prefdata.convert(FOLDER)
    assert set(result.dataset) == {"train_prefs", "test_prefs"}
    train = rows_by_source(result, "train_prefs")
    assert train[0] == {
        "prompt": [msg("user", "how can i develop a habit of drawing daily")],
        "chosen": [
            msg(
                "assistant",
                "Start small: set a 10-minute timer each day, keep a sketchbook where you can "
                "see it, and track your streak.",
            )
        ],
        "rejected": [msg("assistant", "Just draw.")],
        "source_row": 0,
    }
    # the string `prompt` is only the last user turn: the prompt is re-derived from the messages
    assert train[4]["prompt"] == [
        msg("user", "How do you say good night in Spanish?"),
        msg("assistant", "Buenas noches."),
        msg("user", "And in French?"),
    ]
    assert train[4]["chosen"] == [msg("assistant", "Bonne nuit.")]
    test = rows_by_source(result, "test_prefs")
    assert test[1]["chosen"] == [
        msg("assistant", "Botanically yes, it is a fruit; in cooking it is treated as a vegetable.")
    ]


def test_drops_and_equal_scores_are_ties():
    result = prefdata.convert(FOLDER)
    assert reject_reasons(result, "train_prefs") == {2: "tie", 3: "empty_response"}
    assert reject_reasons(result, "test_prefs") == {2: "tie"}
    assert result.manifest.splits["train_prefs"].dropped == {"empty_response": 1, "tie": 1}
    assert result.manifest.splits["test_prefs"].rows_in == 3
    assert_accounted(result)


def test_ties_keep_with_margin():
    result = prefdata.convert(FOLDER, options=ConvertOptions(ties="keep", margin=True))
    train = rows_by_source(result, "train_prefs")
    assert train[2]["tie"] is True and train[2]["margin"] == 0.0
    assert train[0]["tie"] is False and train[0]["margin"] == 8.5 - 3.0
    assert reject_reasons(result, "train_prefs") == {3: "empty_response"}
    assert_accounted(result)


def test_ties_error():
    with pytest.raises(prefdata.RowError, match="tie"):
        prefdata.convert(FOLDER, options=ConvertOptions(ties="error"))


def test_one_split_and_implicit_prompt():
    result = prefdata.convert(FOLDER, split="test_prefs", options=ConvertOptions(prompt="implicit"))
    assert list(result.dataset) == ["test_prefs"]
    rows = rows_by_source(result, "test_prefs")
    assert rows[0]["chosen"] == read_jsonl(FOLDER / "data" / "test_prefs-00000-of-00001.jsonl")[0]["chosen"]


def test_parquet_shards_give_the_same_rows(tmp_path):
    # as published: data/<split>-NNNNN-of-NNNNN.parquet, nested message structs in Arrow
    data = tmp_path / "ufb" / "data"
    data.mkdir(parents=True)
    for split in ("train_prefs", "test_prefs"):
        rows = read_jsonl(FOLDER / "data" / f"{split}-00000-of-00001.jsonl")
        pq.write_table(pa.Table.from_pylist(rows), data / f"{split}-00000-of-00001.parquet")
    from_parquet = prefdata.convert(tmp_path / "ufb")
    from_jsonl = prefdata.convert(FOLDER)
    for split in ("train_prefs", "test_prefs"):
        assert from_parquet.dataset[split].to_list() == from_jsonl.dataset[split].to_list()

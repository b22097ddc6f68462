"""Canonical TRL preference data as plain text, with and without a prompt column."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
from layout_checks import FIXTURES, assert_accounted, msg, read_jsonl, reject_reasons, rows_by_source

import prefdata
from prefdata import ConvertOptions

EXPLICIT = FIXTURES / "trl-standard.jsonl"
IMPLICIT = FIXTURES / "trl-standard-implicit.jsonl"


def test_detected_with_runner_up():
    for path in (EXPLICIT, IMPLICIT):
        found = prefdata.detect(path)
        assert found.layout == "trl-standard"
        assert found.runner_up is not None and found.runner_up.name == "hh-rlhf"
        assert any("hh_text" in why for why in found.runner_up.failed)


def test_explicit_rows_and_margin_kept():
    result = prefdata.convert(EXPLICIT)
    rows = rows_by_source(result)
    assert result.manifest.format == "standard" and result.manifest.prompt == "explicit"
    assert rows[0] == {
        "prompt": "The sky is",
        "chosen": " blue.",
        "rejected": " green.",
        "margin": 2.5,
        "source_row": 0,
    }
    assert 2 not in rows  # no margin beside rows that have one: dropped, TRL needs a margin on every row
    assert (
        rows[5]["chosen"]
        == " Red leaves drift and fall\n quiet paths beneath the oaks\n the year breathes slower"
    )
    assert reject_reasons(result) == {2: "no_margin", 3: "empty_response", 4: "identical"}
    assert_accounted(result)


def test_implicit_rows():
    result = prefdata.convert(IMPLICIT)
    rows = rows_by_source(result)
    assert "prompt" not in result.dataset["train"].column_names
    assert result.manifest.prompt == "implicit"
    assert rows[1] == {
        "chosen": "Question: Who wrote Hamlet?\nAnswer: William Shakespeare.",
        "rejected": "Question: Who wrote Hamlet?\nAnswer: Charles Dickens.",
        "source_row": 1,
    }
    assert reject_reasons(result) == {2: "empty_response", 4: "identical"}
    assert_accounted(result)


def test_prompt_and_format_options():
    implicit = rows_by_source(prefdata.convert(EXPLICIT, options=ConvertOptions(prompt="implicit")))
    assert implicit[0] == {
        "chosen": "The sky is blue.",
        "rejected": "The sky is green.",
        "margin": 2.5,
        "source_row": 0,
    }
    conversational = rows_by_source(
        prefdata.convert(EXPLICIT, options=ConvertOptions(format="conversational"))
    )
    assert conversational[0]["prompt"] == [msg("user", "The sky is")]
    assert conversational[0]["chosen"] == [msg("assistant", " blue.")]
    assert conversational[0]["rejected"] == [msg("assistant", " green.")]


def test_identical_policy_keep():
    result = prefdata.convert(EXPLICIT, options=ConvertOptions(identical="keep"))
    assert rows_by_source(result)[4]["chosen"] == rows_by_source(result)[4]["rejected"]
    assert reject_reasons(result) == {2: "no_margin", 3: "empty_response"}
    assert_accounted(result)


def test_null_or_empty_prompt_is_dropped_not_written_as_null(tmp_path):
    # an explicit-prompt file where one prompt is "" and one is null: a null prompt in the
    # output would make the dataset unreadable for TRL, so those rows are dropped with a reason
    path = tmp_path / "pairs.jsonl"
    rows = [
        {"prompt": "Q: 1+1?", "chosen": " 2", "rejected": " 3"},
        {"prompt": "", "chosen": "c", "rejected": "d"},
        {"prompt": None, "chosen": "e", "rejected": "f"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = prefdata.convert(path)
    assert result.dataset["train"].to_list() == [
        {"prompt": "Q: 1+1?", "chosen": " 2", "rejected": " 3", "source_row": 0}
    ]
    assert reject_reasons(result) == {1: "empty_prompt", 2: "empty_prompt"}
    assert_accounted(result)


def test_parquet_gives_the_same_rows(tmp_path):
    path = tmp_path / "pairs.parquet"
    pq.write_table(pa.Table.from_pylist(read_jsonl(EXPLICIT)), path)
    assert (
        prefdata.convert(path).dataset["train"].to_list()
        == prefdata.convert(EXPLICIT).dataset["train"].to_list()
    )

"""lmsys chatbot_arena_conversations: two message lists and a winner string."""

from __future__ import annotations

import pytest
from layout_checks import FIXTURES, assert_accounted, msg, reject_reasons, rows_by_source

import prefdata
from prefdata import ConvertOptions

FIXTURE = FIXTURES / "chatbot-arena-conversations.jsonl"


def test_detected_despite_one_unknown_winner():
    found = prefdata.detect(FIXTURE)  # 'draw' in 1 of 12 rows stays under the tolerance
    assert found.layout == "chatbot-arena-conversations"
    assert found.runner_up is not None and found.runner_up.failed


def test_exact_rows():
    result = prefdata.convert(FIXTURE)
    rows = rows_by_source(result)
    # winner model_b: conversation_b is chosen; extra columns are not carried into the canonical data
    assert rows[0] == {
        "prompt": [msg("user", "What is the difference between OpenCL and CUDA?")],
        "chosen": [
            msg(
                "assistant",
                "CUDA is NVIDIA's proprietary platform and runs only on NVIDIA GPUs; OpenCL "
                "is an open standard that runs on GPUs and CPUs from many vendors.",
            )
        ],
        "rejected": [msg("assistant", "OpenCL and CUDA are both used for GPUs.")],
        "source_row": 0,
    }
    assert rows[8]["chosen"] == [msg("assistant", "La capitale de l'Australie est Canberra.")]
    # two turns: every turn kept, the prompt is the shared first user turn
    assert rows[3]["prompt"] == [msg("user", "How to build an arena for chatbots?")]
    assert rows[3]["chosen"] == [
        msg("assistant", "Show two anonymous models side by side and let users chat with both."),
        msg("user", "What should the voting look like?"),
        msg(
            "assistant",
            "Four buttons: A is better, B is better, tie, both are bad; reveal the model names only "
            "after the vote.",
        ),
    ]
    assert rows[3]["rejected"] == [
        msg("assistant", "Build a website."),
        msg("user", "What should the voting look like?"),
        msg("assistant", "Buttons."),
    ]


def test_drops_counted_with_reasons():
    result = prefdata.convert(FIXTURE)
    assert reject_reasons(result) == {
        1: "tie",
        4: "tie_both_bad",
        6: "missing_preference",
        7: "empty_response",
        10: "tie",
    }
    assert result.manifest.splits["train"].dropped == {
        "empty_response": 1,
        "missing_preference": 1,
        "tie": 2,
        "tie_both_bad": 1,
    }
    detail = next(r.detail for r in result.rejects if r.source_row == 6)
    assert "'draw'" in detail and "tie (bothbad)" in detail
    assert_accounted(result)


def test_ties_kept_with_flag():
    result = prefdata.convert(FIXTURE, options=ConvertOptions(ties="keep"))
    rows = rows_by_source(result)
    assert {i for i, r in rows.items() if r["tie"]} == {1, 4, 10}  # `tie (bothbad)` is a tie too
    assert len(rows[10]["chosen"]) == 3
    assert reject_reasons(result) == {6: "missing_preference", 7: "empty_response"}
    assert_accounted(result)


def test_ties_error():
    with pytest.raises(prefdata.RowError, match=r"tie \(tie\)"):
        prefdata.convert(FIXTURE, options=ConvertOptions(ties="error"))


def test_standard_format_renders_transcripts():
    rows = rows_by_source(prefdata.convert(FIXTURE, options=ConvertOptions(format="standard")))
    assert rows[0]["prompt"] == "What is the difference between OpenCL and CUDA?"
    assert rows[3]["chosen"].count("\n\nHuman: What should the voting look like?") == 1
    assert rows[3]["rejected"].strip().endswith("Buttons.")

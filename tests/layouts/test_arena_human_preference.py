"""lmarena arena-human-preference-55k: JSON turn lists (CSV, as published) and one-hot winner columns."""

from __future__ import annotations

import pytest
from layout_checks import FIXTURES, assert_accounted, msg, reject_reasons, rows_by_source

import prefdata
from prefdata import ConvertOptions

FIXTURE = FIXTURES / "arena-human-preference.csv"


def test_detected_with_runner_up():
    found = prefdata.detect(FIXTURE)
    assert found.layout == "arena-human-preference"
    assert found.runner_up is not None and found.runner_up.failed
    assert "`response_a` is json_turns" in found.reason


def test_exact_rows():
    result = prefdata.convert(FIXTURE)
    rows = rows_by_source(result)
    assert rows[1] == {
        "prompt": [msg("user", "What is the difference between marriage license and marriage certificate?")],
        "chosen": [
            msg(
                "assistant",
                "A marriage license is permission to marry, obtained before the wedding; a "
                "marriage certificate is the record, issued after the ceremony, that proves "
                "you are married.",
            )
        ],
        "rejected": [
            msg("assistant", "A marriage license is a legal document that allows a couple to get married.")
        ],
        "source_row": 1,
    }
    assert rows[9]["chosen"] == [msg("assistant", "« Bonne nuit » se dit おやすみなさい (oyasuminasai).")]
    assert rows[9]["rejected"] == [msg("assistant", 'Bonne nuit = "good night"\nEn japonais : こんばんは')]


def test_multi_turn_rows_keep_every_turn():
    rows = rows_by_source(prefdata.convert(FIXTURE))
    # conversations diverge at the first reply: only the first user turn is shared
    assert rows[3]["prompt"] == [msg("user", "Give me a name for a bakery.")]
    assert rows[3]["chosen"] == [
        msg("assistant", 'How about "Rise & Shine Bakery"?'),
        msg("user", "Make it sound French."),
        msg("assistant", '"Le Petit Four" has a French ring to it.'),
        msg("user", "Shorter, please."),
        msg("assistant", '"Petit Four".'),
    ]
    assert rows[3]["rejected"] == [
        msg("assistant", '"The Bread Box".'),
        msg("user", "Make it sound French."),
        msg("assistant", '"La Boîte à Pain".'),
        msg("user", "Shorter, please."),
        msg("assistant", '"Boîte".'),
    ]
    # winner_model_b: response_b is chosen
    assert rows[7]["chosen"][-1] == msg(
        "assistant", "I can answer questions, write and edit text, explain code, and help you plan things."
    )
    assert rows[7]["rejected"] == [
        msg("assistant", "Hello!"),
        msg("user", "what can you do?"),
        msg("assistant", "I can chat."),
    ]


def test_implicit_prompt_keeps_every_turn():
    rows = rows_by_source(prefdata.convert(FIXTURE, options=ConvertOptions(prompt="implicit")))
    assert [m["content"] for m in rows[3]["chosen"]] == [
        "Give me a name for a bakery.",
        'How about "Rise & Shine Bakery"?',
        "Make it sound French.",
        '"Le Petit Four" has a French ring to it.',
        "Shorter, please.",
        '"Petit Four".',
    ]
    assert [m["role"] for m in rows[3]["rejected"]] == ["user", "assistant"] * 3


def test_drops_counted_with_reasons():
    result = prefdata.convert(FIXTURE)
    assert reject_reasons(result) == {
        2: "tie",
        4: "empty_response",
        5: "empty_response",
        6: "turn_mismatch",
        8: "tie",
        10: "empty_prompt",
    }
    assert result.manifest.splits["train"].dropped == {
        "empty_prompt": 1,
        "empty_response": 2,
        "tie": 2,
        "turn_mismatch": 1,
    }
    assert_accounted(result)


def test_ties_kept_with_flag():
    result = prefdata.convert(FIXTURE, options=ConvertOptions(ties="keep"))
    rows = rows_by_source(result)
    assert {i for i, r in rows.items() if r["tie"]} == {2, 8}
    assert rows[8]["prompt"] == [msg("user", "Write a limerick about a cat.")]
    assert len(rows[8]["chosen"]) == 3  # the tied multi-turn row keeps every turn too
    assert rows[1]["tie"] is False
    assert 2 not in reject_reasons(result) and 8 not in reject_reasons(result)
    assert_accounted(result)


def test_ties_error():
    with pytest.raises(prefdata.RowError, match="tie") as err:
        prefdata.convert(FIXTURE, options=ConvertOptions(ties="error"))
    assert "row 2" in err.value.where

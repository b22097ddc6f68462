"""nvidia HelpSteer2 preference: `<extra_id_1>` transcripts, signed `preference_strength` in -3..3.

Negative strength means response_1 is better, positive means response_2, 0 is a tie; the
absolute value is the margin. The prompt's first user turn is unmarked; later turns follow
`\\n<extra_id_1>Assistant\\n` / `\\n<extra_id_1>User\\n` separators.

| row | strength | trap                              | expected (default options) |
| --- | -------- | --------------------------------- | -------------------------- |
| 0   | -2       | single turn                       | chosen = response_1        |
| 1   | 3        | two user turns                    | chosen = response_2        |
| 2   | 1        |                                   | chosen = response_2        |
| 3   | 0        | tie                               | dropped `tie`              |
| 4   | -3       | three user turns                  | chosen = response_1        |
| 5   | -3       | response_2 is empty               | dropped `empty_response`   |
"""

from __future__ import annotations

import pytest
from layout_assertions import (
    assert_accounting,
    assert_pair,
    assistant,
    by_row,
    convert,
    dropped,
    fixture,
    one,
    user,
)

import prefdata
from prefdata._errors import RowError

LAYOUT = "helpsteer2-preference"
N = 6


def test_detected() -> None:
    assert prefdata.detect(fixture(LAYOUT)).layout == LAYOUT


def test_negative_strength_prefers_response_1() -> None:
    assert_pair(
        one(convert(LAYOUT), 0),
        [user("What are three ways to reduce food waste at home?")],
        [
            assistant(
                "1. Plan meals before shopping.\n2. Store produce properly so it lasts longer.\n"
                "3. Freeze leftovers in portions."
            )
        ],
        [assistant("Buy less food.")],
    )


def test_multi_turn_prompt_keeps_every_turn_and_positive_prefers_response_2() -> None:
    result = convert(LAYOUT)
    assert_pair(
        one(result, 1),
        [
            user("Write a haiku about autumn."),
            assistant("Crimson leaves descend\nwhispering to the cold earth\nsummer's last goodbye"),
            user("Now make it about winter instead."),
        ],
        [assistant("Snow on silent pines\nbreath hangs in the frozen air\nthe world holds its breath")],
        [assistant("Winter is cold and snowy. Here is a haiku: snow snow snow.")],
    )
    assert one(result, 4)["prompt"] == [
        user("I need a name for my bakery."),
        assistant("How about 'Rise & Shine Bakery'?"),
        user("Something shorter."),
        assistant("'Crumb'."),
        user("I like it. Can you write a one-line slogan for Crumb?"),
    ]


def test_drops_and_accounting() -> None:
    result = convert(LAYOUT)
    assert dropped(result) == {3: "tie", 5: "empty_response"}
    assert result.manifest.splits["train"].dropped == {"empty_response": 1, "tie": 1}
    assert_accounting(result, {"train": N})


def test_margin_is_absolute_strength() -> None:
    rows = by_row(convert(LAYOUT, margin=True))
    assert {i: r[0]["margin"] for i, r in rows.items()} == {0: 2.0, 1: 3.0, 2: 1.0, 4: 3.0}


def test_ties_kept_flagged_with_zero_margin() -> None:
    result = convert(LAYOUT, ties="keep", margin=True)
    tie = one(result, 3)
    assert tie["tie"] is True and tie["margin"] == 0.0
    assert_pair(
        tie, [user("Give me a synonym for 'happy'.")], [assistant("Joyful.")], [assistant("Cheerful.")]
    )
    assert [r["tie"] for r in result.dataset["train"] if r["source_row"] != 3] == [False] * 4
    assert_accounting(result, {"train": N})


def test_ties_error_names_the_row() -> None:
    with pytest.raises(RowError, match="row 3"):
        convert(LAYOUT, ties="error")

"""nvidia HelpSteer3 preference: a message-list `context`, signed `overall_preference` in -3..3.

| row | preference | trap                                   | expected (default options) |
| --- | ---------- | -------------------------------------- | -------------------------- |
| 0   | -3         | single turn                            | chosen = response1         |
| 1   | 2          | three-turn context (code domain)       | chosen = response2         |
| 2   | 0          | tie; context starts with a system turn | dropped `tie`              |
| 3   | 1          | non-English                            | chosen = response2         |
| 4   | null       | no preference                          | dropped `missing_preference` |
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
    system,
    user,
)

import prefdata
from prefdata._errors import RowError

LAYOUT = "helpsteer3-preference"
N = 5


def test_detected() -> None:
    assert prefdata.detect(fixture(LAYOUT)).layout == LAYOUT


def test_sign_picks_the_response() -> None:
    result = convert(LAYOUT)
    assert_pair(
        one(result, 0),
        [user("What is the capital of Australia?")],
        [assistant("The capital of Australia is Canberra.")],
        [assistant("Sydney is the capital of Australia.")],
    )
    assert_pair(
        one(result, 3),
        [user("Comment dit-on 'thank you' en espagnol ?")],
        [assistant("« Gracias », ou « muchas gracias » pour insister.")],
        [assistant("On dit « gracias ».")],
    )


def test_multi_turn_context_keeps_every_turn() -> None:
    assert_pair(
        one(convert(LAYOUT), 1),
        [
            user("Write a function that reverses a string in Python."),
            assistant("def reverse(s):\n    return s[::-1]"),
            user("Now make it ignore leading and trailing spaces."),
        ],
        [assistant("def reverse(s):\n    return s.strip()[::-1]")],
        [assistant("def reverse(s):\n    return s[::-1]")],
    )


def test_implicit_prompt_gives_whole_dialogues() -> None:
    row = one(convert(LAYOUT, prompt="implicit"), 1)
    assert "prompt" not in row
    assert [m["role"] for m in row["chosen"]] == ["user", "assistant", "user", "assistant"]
    assert row["rejected"][:3] == row["chosen"][:3]


def test_drops_and_accounting() -> None:
    result = convert(LAYOUT)
    assert dropped(result) == {2: "tie", 4: "missing_preference"}
    assert_accounting(result, {"train": N})


def test_ties_kept_with_system_turn() -> None:
    result = convert(LAYOUT, ties="keep", margin=True)
    tie = one(result, 2)
    assert_pair(
        tie,
        [system("You are a patient math tutor."), user("Is 91 a prime number?")],
        [assistant("No. 91 = 7 x 13.")],
        [assistant("No, 91 is not prime because 91 = 7 x 13.")],
    )
    assert tie["tie"] is True and tie["margin"] == 0.0
    assert {i: r[0]["margin"] for i, r in by_row(result).items()} == {0: 3.0, 1: 2.0, 2: 0.0, 3: 1.0}
    assert_accounting(result, {"train": N})


def test_ties_error() -> None:
    with pytest.raises(RowError, match="tie"):
        convert(LAYOUT, ties="error")

"""argilla distilabel-capybara-dpo-7k-binarized: whole dialogues in `chosen`/`rejected`, two ratings.

The `prompt` column holds only the last user turn, so the prompt is re-derived as the turns
both dialogues share; equal ratings are a tie; the rating difference is the margin.

| row | ratings | trap                                   | expected              |
| --- | ------- | -------------------------------------- | --------------------- |
| 0   | 5 / 2   | single turn                            | pair, margin 3        |
| 1   | 4 / 2   | two user turns, `prompt` = last turn   | every turn kept       |
| 2   | 5 / 5   | equal ratings                          | dropped `tie`         |
| 3   | 4 / 1   | rejected reply is empty                | dropped `empty_response` |
"""

from __future__ import annotations

import pytest
from layout_assertions import (
    assert_accounting,
    assert_pair,
    assistant,
    convert,
    dropped,
    fixture,
    one,
    user,
)

import prefdata
from prefdata._errors import RowError

LAYOUT = "capybara-binarized"
N = 4
Q2A = "I want to learn to juggle. Where do I start?"
A2A = "Start with one ball: toss it in an arc from hand to hand at eye level until it feels automatic."
Q2B = "OK, I can do one ball. What next?"


def test_detected_over_trl_conversational() -> None:
    found = prefdata.detect(fixture(LAYOUT))
    assert found.layout == LAYOUT
    assert found.runner_up is not None and found.runner_up.name == "trl-conversational"


def test_prompt_is_every_shared_turn_not_the_last_user_turn() -> None:
    result = convert(LAYOUT)
    assert_pair(
        one(result, 1),
        [user(Q2A), assistant(A2A), user(Q2B)],
        [assistant("Add a second ball: throw one, and when it peaks, throw the other under it.")],
        [assistant("Try three balls right away.")],
    )
    assert_pair(
        one(result, 0),
        [user("Which planet has the most moons?")],
        [assistant("Saturn, with 146 confirmed moons as of 2023.")],
        [assistant("Jupiter has the most moons.")],
    )


def test_drops_and_accounting() -> None:
    result = convert(LAYOUT)
    assert dropped(result) == {2: "tie", 3: "empty_response"}
    assert_accounting(result, {"train": N})


def test_margin_from_ratings_and_kept_tie() -> None:
    result = convert(LAYOUT, margin=True, ties="keep")
    assert [(r["source_row"], r["margin"], r["tie"]) for r in result.dataset["train"]] == [
        (0, 3.0, False),
        (1, 2.0, False),
        (2, 0.0, True),
    ]
    assert_pair(
        one(result, 2),
        [user("Name a mammal that lays eggs.")],
        [assistant("The platypus.")],
        [assistant("The echidna.")],
    )
    assert_accounting(result, {"train": N})


def test_ties_error() -> None:
    with pytest.raises(RowError, match="row 2"):
        convert(LAYOUT, ties="error")

"""Intel orca_dpo_pairs: `system` (may be empty), `question`, and text `chosen`/`rejected`.

| row | system            | trap                              | expected                 |
| --- | ----------------- | --------------------------------- | ------------------------ |
| 0   | ""                | empty system                      | no system message        |
| 1   | generic           |                                   | system + user prompt     |
| 2   | "explain to a 5 year old" |                           | system + user prompt     |
| 3   | generic           | chosen == rejected                | dropped `identical`      |
| 4   | "   "             | whitespace-only system            | no system message        |
"""

from __future__ import annotations

from layout_assertions import (
    assert_accounting,
    assert_pair,
    assistant,
    convert,
    dropped,
    fixture,
    one,
    system,
    user,
)

import prefdata

LAYOUT = "orca-dpo-pairs"
N = 5
SYS = (
    "You are an AI assistant. User will give you a task. Your goal is to complete the task as faithfully "
    "as you can."
)


def test_detected_over_trl_standard() -> None:
    found = prefdata.detect(fixture(LAYOUT))
    assert found.layout == LAYOUT
    assert found.runner_up is not None and found.runner_up.name == "trl-standard"


def test_system_then_question() -> None:
    result = convert(LAYOUT)
    assert_pair(
        one(result, 1),
        [system(SYS), user("Translate to German: 'The train leaves at eight.'")],
        [assistant("Der Zug fährt um acht ab.")],
        [assistant("The train leaves at eight, in German: Zug acht.")],
    )


def test_empty_system_adds_no_message() -> None:
    result = convert(LAYOUT)
    assert_pair(
        one(result, 0),
        [user("Which is heavier, a kilogram of feathers or a kilogram of steel?")],
        [assistant("They weigh the same: both are one kilogram.")],
        [assistant("A kilogram of steel is heavier because steel is denser.")],
    )
    assert one(result, 4)["prompt"] == [user("Name a primary colour.")]


def test_identical_dropped_or_kept() -> None:
    result = convert(LAYOUT)
    assert dropped(result) == {3: "identical"}
    assert_accounting(result, {"train": N})
    kept = convert(LAYOUT, identical="keep")
    assert_pair(
        one(kept, 3), [system(SYS), user("What is 12 times 12?")], [assistant("144")], [assistant("144")]
    )
    assert_accounting(kept, {"train": N})

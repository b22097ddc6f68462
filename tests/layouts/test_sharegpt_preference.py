"""ShareGPT-style preference: `conversations` of `{from, value}`, one `chosen` and one `rejected` turn.

| row | trap                                   | expected                  |
| --- | -------------------------------------- | ------------------------- |
| 0   | single human turn                      | pair                      |
| 1   | leading `system` turn                  | system message kept       |
| 2   | human, gpt, human                      | every turn kept           |
| 3   | unknown speaker `narrator`             | dropped `unknown_role`    |
| 4   | chosen == rejected                     | dropped `identical`       |
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

LAYOUT = "sharegpt-preference"
N = 5


def test_detected() -> None:
    assert prefdata.detect(fixture(LAYOUT)).layout == LAYOUT


def test_roles_mapped_and_every_turn_kept() -> None:
    result = convert(LAYOUT)
    assert_pair(
        one(result, 1),
        [system("You are a concise travel assistant."), user("Best month to visit Kyoto?")],
        [assistant("Early April for cherry blossoms, or mid-November for autumn leaves.")],
        [
            assistant(
                "Kyoto is a city in Japan. It has many temples. People visit it all year. Summer is hot."
            )
        ],
    )
    assert_pair(
        one(result, 2),
        [
            user("Give me a word that rhymes with 'orange'."),
            assistant("Very few words do. 'Door hinge' is a near rhyme."),
            user("Any single word?"),
        ],
        [assistant("'Sporange', a rare botanical term, is the only common answer.")],
        [assistant("Banana.")],
    )


def test_drops_and_accounting() -> None:
    result = convert(LAYOUT)
    assert dropped(result) == {3: "unknown_role", 4: "identical"}
    assert result.manifest.splits["train"].dropped == {"identical": 1, "unknown_role": 1}
    detail = next(r.detail for r in result.rejects if r.source_row == 3)
    assert "narrator" in detail
    assert_accounting(result, {"train": N})

"""berkeley-nest Nectar: an hh-style prompt and `answers` ranked by a float `rank` (1 is best).

| row | answers (rank)          | trap                                         | best-worst        |
| --- | ----------------------- | -------------------------------------------- | ----------------- |
| 0   | 4 (1, 2, 3, 4)          |                                              | rank 1 vs rank 4  |
| 1   | 3 (3, 1, 2)             | two-turn prompt; answers not in rank order   | rank 1 vs rank 3  |
| 2   | 2 (1, 2)                | role markers inside answers                  | kept verbatim     |
| 3   | 2 (1, 1)                | equal ranks: a tie                           | dropped `tie`     |
| 4   | 1                       | one answer                                   | `fewer_than_two_responses` |
| 5   | 3 (1, 2, 3)             | the rank-3 answer is empty                   | rank 1 vs rank 2  |
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

LAYOUT = "nectar"
N = 6
EVEREST = [user("What is the boiling point of water at the top of Mount Everest?")]
E1 = assistant("About 70 degrees Celsius, because air pressure there is roughly a third of sea level.")
E2 = assistant("Around 71 C (160 F). Lower pressure means water boils at a lower temperature.")
E3 = assistant("Water boils at 100 degrees everywhere.")
E4 = assistant("I'm not sure.")


def test_detected() -> None:
    assert prefdata.detect(fixture(LAYOUT)).layout == LAYOUT


def test_best_worst_by_rank() -> None:
    result = convert(LAYOUT)
    assert_pair(one(result, 0), EVEREST, [E1], [E4])
    assert_pair(
        one(result, 1),
        [
            user("Suggest a name for a grey kitten."),
            assistant("How about Smokey?"),
            user("Something less common, please."),
        ],
        [assistant("How about Nimbus, Ash, or Graphite?")],
        [assistant("Pewter.")],
    )
    assert_pair(
        one(result, 2),
        [user("Show me a two-line dialogue in the Human/Assistant format.")],
        [assistant("Here you go:\nHuman: Hi!\nAssistant: Hello, how can I help?")],
        [assistant("Human: hi")],
    )


def test_drops_and_accounting() -> None:
    result = convert(LAYOUT)
    assert dropped(result) == {3: "tie", 4: "fewer_than_two_responses"}
    assert_accounting(result, {"train": N})


def test_empty_answer_is_skipped_not_fatal() -> None:
    """An empty lowest-ranked answer must not drop the row: the next-worst answer is used."""
    row = one(convert(LAYOUT), 5)
    assert row["chosen"] == [assistant("Quick, rapid, or swift.")]
    assert row["rejected"] == [assistant("Speedy.")]
    kept = one(convert(LAYOUT, empty="keep"), 5)
    assert kept["rejected"] == [assistant("")]


def test_all_pairs() -> None:
    result = convert(LAYOUT, pairing="all-pairs", margin=True)
    pairs = [(r["chosen"][0]["content"], r["rejected"][0]["content"], r["margin"]) for r in by_row(result)[0]]
    c = [m["content"] for m in (E1, E2, E3, E4)]
    assert pairs == [
        (c[0], c[1], 1.0),
        (c[0], c[2], 2.0),
        (c[0], c[3], 3.0),
        (c[1], c[2], 1.0),
        (c[1], c[3], 2.0),
        (c[2], c[3], 1.0),
    ]
    assert len(by_row(result)[1]) == 3 and len(by_row(result)[5]) == 1
    assert dropped(result) == {3: "tie", 4: "fewer_than_two_responses"}
    assert_accounting(result, {"train": N})


def test_best_random_is_seeded_and_always_prefers_rank_one() -> None:
    a = convert(LAYOUT, pairing="best-random", seed=1)
    b = convert(LAYOUT, pairing="best-random", seed=1)
    assert a.dataset["train"][:] == b.dataset["train"][:]
    row = one(a, 0)
    assert row["chosen"] == [E1] and row["rejected"][0] in (E2, E3, E4)
    seen = {
        one(convert(LAYOUT, pairing="best-random", seed=s), 0)["rejected"][0]["content"] for s in range(12)
    }
    assert len(seen) > 1
    assert_accounting(a, {"train": N})


def test_ties_keep_and_error() -> None:
    kept = convert(LAYOUT, ties="keep", margin=True)
    tie = one(kept, 3)
    assert tie["tie"] is True and tie["margin"] == 0.0
    assert_pair(tie, [user("Say hello in German.")], [assistant("Hallo!")], [assistant("Guten Tag!")])
    assert one(kept, 0)["tie"] is False and one(kept, 0)["margin"] == 3.0
    assert_accounting(kept, {"train": N})
    with pytest.raises(RowError):
        convert(LAYOUT, ties="error")

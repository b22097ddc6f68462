"""Prompt leaks between train and evaluation splits, counted per split pair."""

from __future__ import annotations

from prefdata._validate import validate
from tests.validate.conftest import assistant, clean_standard, user


def test_leak_found_after_whitespace_normalisation(write):
    train = clean_standard()
    test = [{**train[2], "prompt": "  Question 2:\n what is 2 +  2?"}] + [
        {"prompt": "Unseen prompt", "chosen": "a", "rejected": "b"}
    ]
    test[0]["prompt"] = "  Question 2:  what is 2 + 2? "
    report = validate(write({"train": train, "test": test, "validation": [train[4]]}))
    leak = report.finding("splits.prompt_leak")
    assert leak.count == 2
    assert leak.breakdown == {"train->test": 1, "train->validation": 1}
    assert {(e.split, e.row) for e in leak.examples} == {("test", 0), ("validation", 0)}


def test_no_leak_between_disjoint_splits(write):
    rows = clean_standard(8)
    report = validate(write({"train": rows[:5], "test": rows[5:]}))
    assert report.finding("splits.prompt_leak") is None


def test_implicit_conversational_leak(write):
    def row(q, a, b):
        return {"chosen": [user(q), assistant(a)], "rejected": [user(q), assistant(b)]}

    report = validate(
        write(
            {"train": [row("shared q", "x", "y")], "eval": [row("shared q", "z", "w"), row("new", "a", "b")]}
        )
    )
    assert report.finding("splits.prompt_leak").breakdown == {"train->eval": 1}


def test_only_selected_splits(write):
    train = clean_standard()
    report = validate(write({"train": train, "test": train}), splits=["test"])
    assert list(report.splits) == ["test"] and report.finding("splits.prompt_leak") is None

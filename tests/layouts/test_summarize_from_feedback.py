"""openai summarize_from_feedback comparisons: a prompt built from `info`, `choice` indexes `summaries`.

Reddit rows have `info.post` and a subreddit (and a null `article`); CNN/DailyMail rows
have `info.article` (and a null `post`), with or without a title.

| row | source            | choice | expected                         |
| --- | ----------------- | ------ | -------------------------------- |
| 0   | r/relationships   | 0      | reddit template, chosen = 0      |
| 1   | r/personalfinance | 1      | reddit template, chosen = 1      |
| 2   | cnn, titled       | 0      | TITLE/ARTICLE template           |
| 3   | dailymail, no title, `extra` null | 1 | ARTICLE template       |
| 4   | reddit, post and article both null | 0 | dropped `empty_prompt` |
"""

from __future__ import annotations

from layout_assertions import assert_accounting, assert_pair, assistant, convert, dropped, fixture, one, user

import prefdata

LAYOUT = "summarize-from-feedback"
N = 5


def test_detected() -> None:
    assert prefdata.detect(fixture(LAYOUT)).layout == LAYOUT


def test_reddit_prompt_and_choice_index() -> None:
    result = convert(LAYOUT)
    assert_pair(
        one(result, 1),
        [
            user(
                "SUBREDDIT: r/personalfinance\nTITLE: Should I take a higher-paying job with a long commute?\n"
                "POST: I got a job offer that pays 20% more but the commute is 90 minutes each way. I have a "
                "toddler at home.\n\nTL;DR:"
            )
        ],
        # summaries keep their leading space: they continue the "TL;DR:" cue
        [
            assistant(
                " Offered 20% more pay but a 3-hour daily commute with a toddler at home; is it worth it?"
            )
        ],
        [assistant(" New job pays more, long commute.")],
    )
    assert one(result, 0)["chosen"] == [
        assistant(" Roommate's boyfriend stays over most nights without paying; how do I bring it up again?")
    ]


def test_news_prompts_use_the_article() -> None:
    result = convert(LAYOUT)
    assert_pair(
        one(result, 2),
        [
            user(
                "TITLE: Rare turtle released after rehabilitation\nARTICLE: (CNN) -- A rare green sea turtle "
                "that washed up on a beach in Cornwall has been released back into warmer waters after three "
                "months of rehabilitation at a local aquarium, staff said on Tuesday.\n\nTL;DR:"
            )
        ],
        [assistant(" A rare green sea turtle found in Cornwall was released after three months of care.")],
        [assistant(" Turtle found.")],
    )
    assert_pair(
        one(result, 3),
        [
            user(
                "ARTICLE: Commuters faced delays of up to an hour on Monday after a signal failure near London "
                "Bridge.\n\nTL;DR:"
            )
        ],
        [assistant(" A signal failure near London Bridge delayed commuters by up to an hour on Monday.")],
        [assistant(" Train signal failure.")],
    )


def test_no_text_in_info_is_dropped() -> None:
    result = convert(LAYOUT)
    assert dropped(result) == {4: "empty_prompt"}
    assert_accounting(result, {"train": N})


def test_standard_format() -> None:
    row = one(convert(LAYOUT, format="standard"), 3)
    assert row["prompt"].startswith("ARTICLE: Commuters") and row["prompt"].endswith("TL;DR:")
    assert row["chosen"].startswith(" A signal failure")

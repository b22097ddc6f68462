"""Property tests over every built-in layout but the three `test_properties_core.py` covers
(arena-human-preference, ultrafeedback, trl-conversational); shared pieces in `property_support.py`.

For generated rows (ties, nulls, blanks, multi-turn dialogue, tool calls where a layout has them)
and generated options, conversion:

1. never raises: a bad row is a counted drop;
2. accounts for every input row exactly once: an output row's `source_row` or a reject, never
   both, never neither (a flat OASST table: every row of a tree that gave pairs is used through
   its root's row); the manifest's counts agree with the rows and rejects;
3. writes data that `prefdata._validate.validate` finds no error in;
4. is the identity on prompt/chosen/rejected when its canonical output is converted again.

A dialogue that opens with an assistant turn (its first user turn blank or missing) is dropped
as `bad_value` in every conversational layout: `validate` calls it a turn-order error.

| layout                      | generated traps                                                       |
| --------------------------- | --------------------------------------------------------------------- |
| capybara-binarized          | 1-3 turns, equal and null ratings, blank replies                      |
| chatbot-arena-conversations | 1-3 turns, every winner value (ties, both bad, unknown, null)         |
| helpsteer2-preference       | `<extra_id_1>` transcripts, strength -3..3 (0 = tie), null strength   |
| helpsteer3-preference       | message-list context of 1-5 turns, strength -3..3, null responses     |
| hh-rlhf                     | 1-3 turn transcripts, diverging or equal dialogues, blank replies     |
| nectar                      | 0-5 ranked answers, equal and null ranks, multi-turn hh prompts       |
| oasst-tree, oasst-flat      | random trees: deleted/synthetic/unranked/equal-ranked replies, orphans|
| orca-dpo-pairs              | empty/null system, blank answers                                      |
| pku-saferlhf                | both axes, null ids, equal responses                                  |
| sharegpt-preference         | system turns, multi-turn, blank values                                |
| shp                         | labels 0/1/null, score_ratio (margin) incl. null                      |
| summarize-from-feedback     | Reddit post / article / null fields, choice 0/1/null, 2-3 summaries   |
| trl-standard                | explicit or implicit prompt, margin with nulls                        |
| ultrafeedback-binarized     | multi-turn dialogues with tool calls, equal and null scores           |
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from property_support import (
    SETTINGS,
    check_all,
    check_valid,
    convert_rows,
    maybe_text,
    options,
    reply,
    text,
)

import prefdata

# ---------------------------------------------------------------- building blocks


def dialogue(draw: st.DrawFn, turns: int) -> list[dict[str, Any]]:
    """`turns` user/assistant exchanges, the last assistant reply left out (the caller adds it)."""
    messages: list[dict[str, Any]] = []
    for i in range(turns):
        messages.append({"role": "user", "content": draw(text)})
        if i < turns - 1:
            messages.append({"role": "assistant", "content": draw(text)})
    return messages


def hh_transcript(messages: list[dict[str, Any]]) -> str:
    speaker = {"user": "Human", "assistant": "Assistant"}
    return "".join(f"\n\n{speaker[m['role']]}: {m['content']}" for m in messages)


# ---------------------------------------------------------------- one generator per layout


@st.composite
def capybara_row(draw: st.DrawFn) -> dict[str, Any]:
    context = dialogue(draw, draw(st.integers(1, 3)))
    return {
        "source": "Know-Logic",
        "prompt": context[-1]["content"],
        "chosen": [*context, *draw(reply())],
        "rejected": [*context, *draw(reply())],
        "rating_chosen": draw(st.sampled_from([1, 2, 3, 4, 5, None])),
        "rating_rejected": draw(st.sampled_from([1, 2, 3, 4, 5])),
    }


@st.composite
def chatbot_arena_row(draw: st.DrawFn) -> dict[str, Any]:
    context = dialogue(draw, draw(st.integers(1, 3)))
    winners = ["model_a", "model_b", "model_a", "model_b", "tie", "tie (bothbad)", "draw", None]
    return {
        "question_id": "q1",
        "model_a": "chatglm-6b",
        "model_b": "koala-13b",
        "winner": draw(st.sampled_from(winners)),
        "conversation_a": [*context, *draw(reply())],
        "conversation_b": [*context, *draw(reply())],
        "turn": len(context),
        "language": "English",
    }


def extra_id_transcript(messages: list[dict[str, Any]]) -> str:
    """HelpSteer2's prompt: the first user turn, then `<extra_id_1>Role` headed turns."""
    parts = [messages[0]["content"]]
    for m in messages[1:]:
        parts.append(f"<extra_id_1>{'User' if m['role'] == 'user' else 'Assistant'}\n{m['content']}")
    return "\n".join(parts)


@st.composite
def helpsteer2_row(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "split": "train",
        "prompt": extra_id_transcript(dialogue(draw, draw(st.integers(1, 3)))),
        "response_1": draw(maybe_text),
        "response_2": draw(text),
        "preference_strength": draw(st.sampled_from([-3, -2, -1, 0, 1, 2, 3, None])),
        "preference_statement": "@Response 1 is better.",
    }


@st.composite
def helpsteer3_row(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "domain": "general",
        "context": dialogue(draw, draw(st.integers(1, 3))),
        "response1": draw(maybe_text),
        "response2": draw(text),
        "overall_preference": draw(st.sampled_from([-3, -2, -1, 0, 1, 2, 3, None])),
    }


@st.composite
def hh_row(draw: st.DrawFn) -> dict[str, Any]:
    context = dialogue(draw, draw(st.integers(1, 3)))
    return {
        "chosen": hh_transcript([*context, *draw(reply())]),
        "rejected": hh_transcript([*context, *draw(reply())]),
    }


@st.composite
def nectar_row(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.sampled_from([0, 1, 2, 3, 5, 5]))
    ranks = draw(st.permutations([1.0, 2.0, 3.0, 4.0, 5.0]))[:n]
    if n and draw(st.integers(0, 4)) == 0:
        ranks[-1] = draw(st.sampled_from([ranks[0], None]))  # a tie with the first, or unranked
    answers = [{"answer": draw(text), "model": "gpt-4", "rank": r} for r in ranks]
    return {
        "prompt": hh_transcript(dialogue(draw, draw(st.integers(1, 2)))) + "\n\nAssistant:",
        "answers": answers,
        "turns": 1,
        "good_natured": True,
    }


@st.composite
def orca_row(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "system": draw(st.sampled_from(["", "You are a helpful assistant.", None])),
        "question": draw(text),
        "chosen": draw(text),
        "rejected": draw(maybe_text),
    }


@st.composite
def pku_row(draw: st.DrawFn) -> dict[str, Any]:
    ids = st.sampled_from([0, 1, 0, 1, None])
    return {
        "prompt": draw(text),
        "response_0": draw(text),
        "response_1": draw(maybe_text),
        "better_response_id": draw(ids),
        "safer_response_id": draw(ids),
        "is_response_0_safe": draw(st.booleans()),
        "is_response_1_safe": draw(st.booleans()),
    }


@st.composite
def sharegpt_row(draw: st.DrawFn) -> dict[str, Any]:
    turns = [{"from": "human" if m["role"] == "user" else "gpt", "value": m["content"]}
             for m in dialogue(draw, draw(st.integers(1, 3)))]  # fmt: skip
    if draw(st.booleans()):
        turns.insert(0, {"from": "system", "value": "You are a concise travel assistant."})
    return {
        "conversations": turns,
        "chosen": {"from": "gpt", "value": draw(text)},
        "rejected": {"from": "gpt", "value": draw(maybe_text)},
    }


@st.composite
def shp_row(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "post_id": "himc90",
        "domain": "askacademia_train",
        "history": draw(text),
        "human_ref_A": draw(text),
        "human_ref_B": draw(maybe_text),
        "labels": draw(st.sampled_from([0, 1, 0, 1, None])),
        "score_A": 52,
        "score_B": 16,
        "score_ratio": draw(st.sampled_from([3.25, 1.0, 2.0, 12.5, None])),
    }


@st.composite
def summarize_row(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["reddit", "article", "titled-article"]))
    info = {
        "id": "t3_34xale",
        "post": draw(text) if kind == "reddit" else None,
        "title": draw(text) if kind != "article" else None,
        "subreddit": "relationships" if kind == "reddit" else None,
        "site": None if kind == "reddit" else "cnn",
        "article": draw(text) if kind != "reddit" else None,
    }
    n = draw(st.sampled_from([2, 2, 2, 3]))
    summaries = [{"text": " " + draw(text), "policy": "sup2", "note": None} for _ in range(n)]
    return {
        "info": info,
        "summaries": summaries,
        "choice": draw(st.sampled_from([0, 1, 0, 1, None])),
        "worker": "wkr_01",
    }


@st.composite
def trl_standard_row(draw: st.DrawFn, explicit: bool | None = None) -> dict[str, Any]:
    """A pair with an explicit prompt, or whole texts; `None` mixes both in one file."""
    row = {"chosen": draw(text), "rejected": draw(maybe_text)}
    if draw(st.booleans()) if explicit is None else explicit:
        row = {"prompt": draw(text), **row}
    else:  # implicit prompt: whole texts sharing their beginning
        start = draw(text)
        row = {"chosen": start + " " + row["chosen"], "rejected": start + " " + str(row["rejected"])}
    row["margin"] = draw(st.sampled_from([2.5, 0.0, -1.0, None]))
    return row


@st.composite
def ultrafeedback_binarized_row(draw: st.DrawFn) -> dict[str, Any]:
    context = dialogue(draw, draw(st.integers(1, 3)))
    if draw(st.booleans()):
        context.insert(0, {"role": "system", "content": "You can call tools."})
    chosen = [*context, *draw(reply(tools=True))]
    return {
        "prompt": context[-1]["content"],
        "prompt_id": "abc",
        "chosen": chosen,
        "rejected": [*context, *draw(reply(tools=True))],
        "messages": chosen,
        "score_chosen": draw(st.sampled_from([8.0, 7.5, 6.0, None])),
        "score_rejected": draw(st.sampled_from([7.5, 3.0, 1.0])),
    }


# ---------------------------------------------------------------- OASST message trees

_ids = iter(range(10**9))


@st.composite
def oasst_message(draw: st.DrawFn, role: str, depth: int, parent: str | None) -> dict[str, Any]:
    """A message and (above depth 0) 0-3 replies of the other role, with OASST's flags."""
    message_id = f"m{next(_ids)}"
    flags = st.sampled_from([False] * 9 + [True])
    replies = []
    if depth > 0:
        other = "assistant" if role == "prompter" else "prompter"
        n = draw(st.sampled_from([0, 1, 2, 2, 3, 3]))
        replies = [draw(oasst_message(other, depth - 1, message_id)) for _ in range(n)]
        ranks = draw(st.permutations(list(range(len(replies)))))
        for r, rank in zip(replies, ranks, strict=True):
            r["rank"] = rank if other == "assistant" else None
        if replies and other == "assistant" and draw(st.integers(0, 3)) == 0:
            replies[-1]["rank"] = draw(st.sampled_from([None, replies[0]["rank"]]))  # unranked, or a tie
    return {
        "message_id": message_id,
        "parent_id": parent,
        "text": draw(text),
        "role": role,
        "lang": "en",
        "rank": None,
        "deleted": draw(flags),
        "synthetic": draw(flags),
        "review_result": True,
        "replies": replies,
    }


@st.composite
def oasst_tree_row(draw: st.DrawFn) -> dict[str, Any]:
    root = draw(oasst_message("prompter", draw(st.integers(1, 3)), None))
    return {"message_tree_id": root["message_id"], "tree_state": "ready_for_export", "prompt": root}


def _flatten(message: dict[str, Any], tree_id: str) -> list[dict[str, Any]]:
    row = {k: v for k, v in message.items() if k != "replies"}
    rows = [{**row, "message_tree_id": tree_id, "tree_state": "ready_for_export"}]
    for r in message["replies"]:
        rows += _flatten(r, tree_id)
    return rows


@st.composite
def oasst_flat_table(draw: st.DrawFn) -> tuple[list[dict[str, Any]], dict[int, set[int]]]:
    """Message rows of 1-3 trees and maybe an orphan, shuffled; and the rows of each tree by root row."""
    rows: list[dict[str, Any]] = []
    for tree in draw(st.lists(oasst_tree_row(), min_size=1, max_size=3)):
        rows += _flatten(tree["prompt"], tree["message_tree_id"])
    if draw(st.booleans()):  # its parent is in no tree
        rows.append({**rows[-1], "message_id": f"m{next(_ids)}", "parent_id": "gone", "rank": 0})
    random.Random(draw(st.integers(0, 99))).shuffle(rows)
    index = {r["message_id"]: i for i, r in enumerate(rows)}
    trees: dict[int, set[int]] = {}
    for i in range(len(rows)):
        root: int | None = i
        while root is not None and rows[root]["parent_id"] is not None:
            root = index.get(rows[root]["parent_id"])
        if root is not None:
            trees.setdefault(root, set()).add(i)
    return rows, trees


# ---------------------------------------------------------------- checks


ROW_LAYOUTS: dict[str, Callable[..., st.SearchStrategy[dict[str, Any]]]] = {
    "capybara-binarized": capybara_row,
    "chatbot-arena-conversations": chatbot_arena_row,
    "helpsteer2-preference": helpsteer2_row,
    "helpsteer3-preference": helpsteer3_row,
    "hh-rlhf": hh_row,
    "nectar": nectar_row,
    "oasst-tree": oasst_tree_row,
    "orca-dpo-pairs": orca_row,
    "shp": shp_row,
    "sharegpt-preference": sharegpt_row,
    "summarize-from-feedback": summarize_row,
    "trl-standard": trl_standard_row,
    "ultrafeedback-binarized": ultrafeedback_binarized_row,
}


def test_every_builtin_layout_is_covered():
    covered_elsewhere = {"arena-human-preference", "ultrafeedback", "trl-conversational"}
    here = set(ROW_LAYOUTS) | {"pku-saferlhf", "oasst-flat"}
    assert here | covered_elsewhere == {spec.name for spec in prefdata.builtin_specs()}
    assert not here & covered_elsewhere


def row_lists(layout: str) -> st.SearchStrategy[list[dict[str, Any]]]:
    """1-5 rows; trl-standard files are mostly all explicit or all implicit (a mix drops rows)."""
    if layout == "trl-standard":
        return st.sampled_from([True, False, None]).flatmap(
            lambda explicit: st.lists(trl_standard_row(explicit), min_size=1, max_size=5)
        )
    return st.lists(ROW_LAYOUTS[layout](), min_size=1, max_size=5)


@pytest.mark.parametrize("layout", sorted(ROW_LAYOUTS))
@SETTINGS
@given(data=st.data(), opts=options)
def test_layout_properties(layout: str, data: st.DataObject, opts: prefdata.ConvertOptions) -> None:
    check_all(data.draw(row_lists(layout), label="rows"), layout, opts)


@SETTINGS
@given(
    rows=st.lists(pku_row(), min_size=1, max_size=5),
    opts=options,
    axis=st.sampled_from([None, "helpful", "safe"]),
)
def test_pku_saferlhf_either_axis(rows, opts: prefdata.ConvertOptions, axis: str | None) -> None:
    check_all(rows, "pku-saferlhf", opts.model_copy(update={"axis": axis}))


@SETTINGS
@given(table=oasst_flat_table(), opts=options)
def test_oasst_flat_table(table, opts: prefdata.ConvertOptions) -> None:
    rows, trees = table
    check_all(rows, "oasst-flat", opts, trees)


QUESTION = "What is 2 + 2?"


def opening_row(layout: str, greeting: bool) -> dict[str, Any]:
    """A row of `layout` whose dialogue opens, when `greeting`, with an assistant "Hi there" turn."""
    turns = [("assistant", "Hi there")] * greeting + [("user", QUESTION)]
    messages = [{"role": role, "content": content} for role, content in turns]
    hh = "".join(f"\n\n{'Human' if r == 'user' else 'Assistant'}: {c}" for r, c in turns)
    extra_id = "".join(f"\n<extra_id_1>{'User' if r == 'user' else 'Assistant'}\n{c}" for r, c in turns)
    sharegpt = [{"from": "human" if r == "user" else "gpt", "value": c} for r, c in turns]
    reply = [{"role": "assistant", "content": "4"}], [{"role": "assistant", "content": "5"}]
    return {
        # HelpSteer2's first turn is the user's, unmarked: blank here when the assistant opens
        "helpsteer2-preference": {
            "prompt": extra_id if greeting else QUESTION,
            "response_1": "4",
            "response_2": "5",
            "preference_strength": -2,
        },
        "helpsteer3-preference": {
            "context": messages,
            "response1": "4",
            "response2": "5",
            "overall_preference": -2,
        },
        "sharegpt-preference": {
            "conversations": sharegpt,
            "chosen": {"from": "gpt", "value": "4"},
            "rejected": {"from": "gpt", "value": "5"},
        },
        "hh-rlhf": {"chosen": hh + "\n\nAssistant: 4", "rejected": hh + "\n\nAssistant: 5"},
        "trl-conversational": {
            "prompt": [{"role": "system", "content": "Be brief."}, *messages],
            "chosen": reply[0],
            "rejected": reply[1],
        },
    }[layout]


@pytest.mark.parametrize("prompt", ["explicit", "implicit"])
@pytest.mark.parametrize(
    "layout", ["helpsteer2-preference", "helpsteer3-preference", "sharegpt-preference", "hh-rlhf",
               "trl-conversational"]
)  # fmt: skip
def test_a_dialogue_opening_with_an_assistant_turn_is_dropped(layout: str, prompt: str) -> None:
    rows = [opening_row(layout, greeting=True), opening_row(layout, greeting=False)]
    result = convert_rows(rows, layout, prefdata.ConvertOptions(prompt=prompt))
    assert [(r.source_row, r.reason) for r in result.rejects] == [(0, "turn_order")]
    assert "assistant turn" in result.rejects[0].detail
    assert result.dataset["train"]["source_row"] == [1]
    check_valid(result)

"""Property tests for the three layouts with the most traps (the other built-in layouts are in
`test_properties.py`; shared strategies and checks in `property_support.py`): for generated rows,
conversion never crashes, every input row is accounted for exactly once, `validate` finds no
error, and converting the canonical output again changes nothing.

| layout              | generated traps                                                        |
| ------------------- | ---------------------------------------------------------------------- |
| arena-55k           | 1-3 turns, `[null]` and empty replies, turn-count mismatch, ties, no winner |
| ultrafeedback (raw) | 0-4 completions, null scores, `"N/A"` aspect ratings, equal scores      |
| trl-conversational  | tool calls (OpenAI-style JSON arguments), tool replies, `tools` column, nulls |
"""

from __future__ import annotations

import json
from typing import Any

import datasets
from hypothesis import given
from hypothesis import strategies as st
from property_support import (
    SAYINGS,
    SETTINGS,
    check_accounting,
    check_all,
    check_idempotent,
    check_valid,
    options,
    reply,
    text,
)

import prefdata

# ---------------------------------------------------------------- generators


@st.composite
def arena_row(draw: st.DrawFn) -> dict[str, Any]:
    turns = draw(st.integers(1, 3))
    reply = st.sampled_from([*SAYINGS * 3, "", None])  # '[null]' replies exist in the real data

    def replies() -> list[str | None]:
        n = draw(st.sampled_from([turns] * 7 + [turns + 1]))  # sometimes one turn too many
        return draw(st.lists(reply, min_size=n, max_size=n))

    winner = draw(st.sampled_from([(1, 0, 0), (0, 1, 0), (0, 0, 1), (0, 0, 0)]))
    return {
        "id": draw(st.integers(0, 10**9)),
        "model_a": "gpt-4-0613",
        "model_b": "llama-2-13b-chat",
        "prompt": json.dumps(draw(st.lists(text, min_size=turns, max_size=turns))),
        "response_a": json.dumps(replies()),
        "response_b": json.dumps(replies()),
        "winner_model_a": winner[0],
        "winner_model_b": winner[1],
        "winner_tie": winner[2],
    }


rating = st.sampled_from(["1", "2", "3", "4", "5", "N/A"])


@st.composite
def completion(draw: st.DrawFn) -> dict[str, Any]:
    aspects = {
        a: {"Rating": draw(rating), "Rationale": "ok"}
        for a in ("helpfulness", "honesty", "instruction_following", "truthfulness")
    }
    return {
        "model": draw(st.sampled_from(["gpt-4", "wizardlm-7b", "falcon-40b-instruct"])),
        "principle": "helpfulness",
        "custom_system_prompt": "Be helpful.",
        "response": draw(text),
        "critique": "Fine.",
        "overall_score": draw(st.one_of(st.none(), st.sampled_from([1.0, 4.5, 6.0, 7.5, 7.5, 9.0]))),
        "fine-grained_score": 3.5,
        "annotations": aspects,
    }


@st.composite
def ultrafeedback_row(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.sampled_from([0, 1, 2, 3, 4, 4, 4]))  # real rows have 4; some have fewer
    return {
        "source": "evol_instruct",
        "instruction": draw(text),
        "models": ["gpt-4", "wizardlm-7b"],
        "completions": [draw(completion()) for _ in range(n)],
        "correct_answers": ["None"],
        "incorrect_answers": ["None"],
    }


TOOLS = json.dumps(
    [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Weather for a city",
                "parameters": {
                    "type": "object",
                    "properties": {"city": {"type": "string"}, "day": {"type": "integer"}},
                },
            },
        }
    ]
)


@st.composite
def trl_row(draw: st.DrawFn) -> dict[str, Any]:
    prompt = [{"role": "user", "content": draw(text)}]
    if draw(st.booleans()):
        prompt.insert(0, {"role": "system", "content": "You can call tools."})
    return {
        "prompt": prompt,
        "chosen": draw(reply(tools=True)),
        "rejected": draw(reply(tools=True)),
        "tools": draw(st.sampled_from([TOOLS, None])),
    }


# ---------------------------------------------------------------- properties


@SETTINGS
@given(rows=st.lists(arena_row(), min_size=1, max_size=5), opts=options)
def test_arena(rows: list[dict[str, Any]], opts: prefdata.ConvertOptions) -> None:
    result = check_all(rows, "arena-human-preference", opts)
    for row in result.dataset["train"]:  # every turn kept: the whole conversation is in the output
        src = rows[row["source_row"]]
        turns = len(json.loads(src["prompt"]))
        assert len(row.get("prompt") or []) + len(row["chosen"]) == 2 * turns


@SETTINGS
@given(rows=st.lists(ultrafeedback_row(), min_size=1, max_size=5), opts=options)
def test_ultrafeedback(rows: list[dict[str, Any]], opts: prefdata.ConvertOptions) -> None:
    check_all(rows, "ultrafeedback", opts)


@SETTINGS
@given(rows=st.lists(trl_row(), min_size=1, max_size=5), opts=options)
def test_trl_conversational_with_tool_calls(
    rows: list[dict[str, Any]], opts: prefdata.ConvertOptions
) -> None:
    # through Arrow: every message carries the union of keys, absent ones as nulls
    result = prefdata.convert(datasets.Dataset.from_list(rows), spec="trl-conversational", options=opts)
    check_accounting(result, len(rows), None)
    if len(result.dataset["train"]):
        check_valid(result)
        check_idempotent(result, opts)
    for row in result.dataset["train"]:
        src = rows[row["source_row"]]
        assert row["tools"] == src["tools"]
        calls = [m for m in row["chosen"] if m.get("tool_calls")]
        for m in calls:
            assert json.loads(m["tool_calls"][0]["function"]["arguments"])["city"] == "Lima"

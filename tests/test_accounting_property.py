"""Property tests: for generated rows of three layouts, conversion never crashes, every input row is
accounted for exactly once, and converting the canonical output again changes nothing.

| layout              | generated traps                                                        |
| ------------------- | ---------------------------------------------------------------------- |
| arena-55k           | 1-3 turns, `[null]` and empty replies, turn-count mismatch, ties, no winner |
| ultrafeedback (raw) | 0-4 completions, null scores, `"N/A"` aspect ratings, equal scores      |
| trl-conversational  | tool calls (OpenAI-style JSON arguments), tool replies, `tools` column, nulls |
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import datasets
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import prefdata
from prefdata.transforms.drops import REASONS

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SAYINGS = [
    "What is the capital of Peru?",
    "Lima.",
    "Tell me a joke.",
    "Why did the chicken cross the road?",
    "Explain recursion briefly.",
    "A function that calls itself.",
    "Thanks!",
    "Sure: 2 + 2 = 4.",
]
# mostly real text, sometimes empty or blank (about one value in eight)
text = st.sampled_from(SAYINGS + ["", "  "] + SAYINGS * 6)
options = st.builds(
    prefdata.ConvertOptions,
    ties=st.sampled_from(["drop", "keep"]),
    prompt=st.sampled_from(["explicit", "implicit"]),
    pairing=st.sampled_from(["best-worst", "best-random", "all-pairs"]),
    margin=st.booleans(),
)


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


def _call(i: int) -> dict[str, Any]:
    return {
        "type": "function",
        "id": f"call_{i}",
        "function": {"name": "get_weather", "arguments": json.dumps({"city": "Lima", "day": i})},
    }


@st.composite
def trl_side(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A completion: a plain reply, or a tool call, the tool's answer, and a reply."""
    if draw(st.booleans()):
        return [{"role": "assistant", "content": draw(text)}]
    i = draw(st.integers(0, 3))
    return [
        {"role": "assistant", "content": None, "tool_calls": [_call(i)]},
        {"role": "tool", "tool_call_id": f"call_{i}", "name": "get_weather", "content": f'{{"temp": {i}}}'},
        {"role": "assistant", "content": draw(text)},
    ]


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
        "chosen": draw(trl_side()),
        "rejected": draw(trl_side()),
        "tools": draw(st.sampled_from([TOOLS, None])),
    }


# ---------------------------------------------------------------- checks


def _jsonl(rows: list[dict[str, Any]], folder: str) -> Path:
    path = Path(folder) / "rows.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _check(result: prefdata.ConvertResult, n: int, opts: prefdata.ConvertOptions) -> None:
    out = result.dataset["train"]
    used = set(out["source_row"]) if len(out) else set()
    rejected = [r.source_row for r in result.rejects]
    assert len(rejected) == len(set(rejected))
    assert not used & set(rejected)
    assert used | set(rejected) == set(range(n))
    assert {r.reason for r in result.rejects} <= set(REASONS)
    report = result.manifest.splits["train"]
    assert (report.rows_in, report.rows_out) == (n, len(out))
    assert report.dropped == dict(Counter(r.reason for r in result.rejects))
    event("some rows kept" if len(out) else "every row dropped")
    for reason in report.dropped:
        event(f"dropped: {reason}")
    if len(out):
        _check_idempotent(result, opts)


def _check_idempotent(result: prefdata.ConvertResult, opts: prefdata.ConvertOptions) -> None:
    again = prefdata.convert(result.dataset, options=opts)
    first, second = result.dataset["train"], again.dataset["train"]
    assert again.manifest.splits["train"].dropped == {}
    for column in ("prompt", "chosen", "rejected"):
        assert (column in first.column_names) == (column in second.column_names)
        if column in first.column_names:
            assert second[column] == first[column]


@SETTINGS
@given(rows=st.lists(arena_row(), min_size=1, max_size=5), opts=options)
def test_arena(rows: list[dict[str, Any]], opts: prefdata.ConvertOptions) -> None:
    with tempfile.TemporaryDirectory() as folder:
        result = prefdata.convert(_jsonl(rows, folder), spec="arena-human-preference", options=opts)
    _check(result, len(rows), opts)
    for row in result.dataset["train"]:  # every turn kept: the whole conversation is in the output
        src = rows[row["source_row"]]
        turns = len(json.loads(src["prompt"]))
        assert len(row.get("prompt") or []) + len(row["chosen"]) == 2 * turns


@SETTINGS
@given(rows=st.lists(ultrafeedback_row(), min_size=1, max_size=5), opts=options)
def test_ultrafeedback(rows: list[dict[str, Any]], opts: prefdata.ConvertOptions) -> None:
    with tempfile.TemporaryDirectory() as folder:
        result = prefdata.convert(_jsonl(rows, folder), spec="ultrafeedback", options=opts)
    _check(result, len(rows), opts)


@SETTINGS
@given(rows=st.lists(trl_row(), min_size=1, max_size=5), opts=options)
def test_trl_conversational_with_tool_calls(
    rows: list[dict[str, Any]], opts: prefdata.ConvertOptions
) -> None:
    # through Arrow: every message carries the union of keys, absent ones as nulls
    result = prefdata.convert(datasets.Dataset.from_list(rows), spec="trl-conversational", options=opts)
    _check(result, len(rows), opts)
    for row in result.dataset["train"]:
        src = rows[row["source_row"]]
        assert row["tools"] == src["tools"]
        calls = [m for m in row["chosen"] if m.get("tool_calls")]
        for m in calls:
            assert json.loads(m["tool_calls"][0]["function"]["arguments"])["city"] == "Lima"

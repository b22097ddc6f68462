"""Canonical TRL preference data as message lists: tools, tool calls, tool replies, template kwargs."""

from __future__ import annotations

import json

import pytest
from layout_checks import FIXTURES, assert_accounted, msg, read_jsonl, reject_reasons, rows_by_source

import prefdata
from prefdata import ConvertOptions
from prefdata._layouts import builtin_spec
from prefdata.records.messages import strip_absent

EXPLICIT = FIXTURES / "trl-conversational.jsonl"  # TRL style: arguments as dicts, tools as a list
IMPLICIT = FIXTURES / "trl-conversational-implicit.jsonl"  # OpenAI style: JSON-text arguments and tools
SYSTEM = msg("system", "You are a helpful assistant with access to tools.")
# the layout without its margin column: row 2 (no margin) is kept, as a source without margins would be
NO_MARGIN = builtin_spec("trl-conversational").model_copy(update={"margin": None})


def _stripped(messages: list[dict]) -> list[dict]:
    return [strip_absent(m) for m in messages]


def test_detected_with_runner_up():
    found = prefdata.detect(EXPLICIT)
    assert found.layout == "trl-conversational"
    assert found.runner_up is not None and found.runner_up.failed  # e.g. ultrafeedback-binarized: no scores
    assert prefdata.detect(IMPLICIT).layout == "trl-conversational"


def test_explicit_tool_call_row_exact():
    result = prefdata.convert(EXPLICIT)
    rows = rows_by_source(result)
    # row 2 has no margin beside rows that have one: a margin column needs a number on every row
    assert reject_reasons(result) == {2: "no_margin", 3: "empty_response", 4: "unknown_role"}
    assert_accounted(result)
    rows |= {2: rows_by_source(prefdata.convert(EXPLICIT, spec=NO_MARGIN))[2]}
    row = rows[1]
    assert _stripped(row["prompt"]) == [SYSTEM, msg("user", "What's the weather in Paris right now?")]
    assert _stripped(row["chosen"]) == [
        msg(
            "assistant",
            None,
            tool_calls=[
                {
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Paris", "unit": "celsius"}'},
                }
            ],
        ),
        msg("tool", '{"temperature": 18, "condition": "sunny"}', name="get_weather"),
        msg("assistant", "It is 18 °C and sunny in Paris."),
    ]
    assert _stripped(row["rejected"]) == [
        msg("assistant", "I can't check the weather, but Paris is usually rainy.")
    ]
    source = read_jsonl(EXPLICIT)[1]
    assert json.loads(row["tools"]) == source["tools"]  # a list becomes JSON text, key order kept
    assert row["margin"] == 2.0
    assert row["chat_template_kwargs"] == {"enable_thinking": False}
    # content and text beside a tool call are both kept
    assert _stripped(rows[2]["chosen"]) == [
        msg(
            "assistant",
            "Let me convert that.",
            tool_calls=[
                {
                    "type": "function",
                    "function": {
                        "name": "convert_currency",
                        "arguments": '{"amount": 50, "from": "EUR", "to": "JPY"}',
                    },
                }
            ],
        )
    ]
    assert "margin" not in rows[2] and rows[2]["chat_template_kwargs"] == {"enable_thinking": True}
    assert rows[0]["tools"] is None


def test_implicit_openai_style_rows():
    result = prefdata.convert(IMPLICIT)
    rows = rows_by_source(result)
    source = read_jsonl(IMPLICIT)
    # the prompt is re-derived as the turns both dialogues share
    assert _stripped(rows[0]["prompt"]) == [msg("user", "Is it cold in Oslo?")]
    assert _stripped(rows[0]["chosen"]) == [
        msg(
            "assistant",
            None,
            tool_calls=[
                {
                    "type": "function",
                    "id": "call_0a1b",
                    "function": {"name": "get_weather", "arguments": '{"city": "Oslo", "unit": "celsius"}'},
                }
            ],
        ),
        msg("tool", '{"temperature": -4, "condition": "snow"}', tool_call_id="call_0a1b"),
        msg("assistant", "Yes: it is -4 °C and snowing in Oslo."),
    ]
    assert rows[0]["tools"] == source[0]["tools"]  # JSON text kept verbatim
    assert _stripped(rows[1]["prompt"]) == [
        msg("user", "Hi!"),
        msg("assistant", "Hello! How can I help?"),
        msg("user", "What's 3 times 7?"),
    ]
    assert _stripped(rows[1]["chosen"]) == [msg("assistant", "21.")]
    assert _stripped(rows[1]["rejected"]) == [msg("assistant", "24.")]
    assert reject_reasons(result) == {2: "no_shared_prompt", 3: "bad_value"}
    assert_accounted(result)


def test_no_key_invented_or_lost():
    rows = rows_by_source(prefdata.convert(IMPLICIT))
    source = read_jsonl(IMPLICIT)[0]
    converted = _stripped(rows[0]["prompt"] + rows[0]["chosen"])
    assert [set(m) for m in converted] == [set(m) | {"content"} for m in source["chosen"]]


def test_implicit_option_keeps_tool_turns():
    result = prefdata.convert(EXPLICIT, options=ConvertOptions(prompt="implicit"))
    row = rows_by_source(result)[1]
    assert "prompt" not in result.dataset["train"].column_names
    source = read_jsonl(EXPLICIT)[1]
    assert [m["role"] for m in row["chosen"]] == ["system", "user", "assistant", "tool", "assistant"]
    assert _stripped(row["chosen"])[:2] == source["prompt"]
    assert _stripped(row["rejected"])[2:] == source["rejected"]


def test_standard_format_drops_tool_calls_instead_of_losing_them():
    # a lone assistant reply that carries a tool call used to be rendered as its text alone
    result = prefdata.convert(EXPLICIT, options=ConvertOptions(format="standard"))
    rows = rows_by_source(result)
    assert reject_reasons(result) == {1: "bad_value", 2: "bad_value", 3: "empty_response", 4: "unknown_role"}
    assert rows[0]["prompt"] == "What color is the sky?" and rows[0]["chosen"] == "It is blue."
    assert_accounted(result)


def _render(tokenizer, messages, tools, kwargs):
    return tokenizer.apply_chat_template(messages, tools=tools, tokenize=False, **(kwargs or {}))


@pytest.mark.parametrize(("path", "index"), [(EXPLICIT, 1), (EXPLICIT, 2), (IMPLICIT, 0)])
def test_tool_rows_render_like_the_source(chat_tokenizer, path, index):
    source = read_jsonl(path)[index]
    row = rows_by_source(prefdata.convert(path, spec=NO_MARGIN))[index]
    source_messages = source.get("prompt", []) + source["chosen"]
    source_tools = json.loads(source["tools"]) if isinstance(source["tools"], str) else source["tools"]
    expected = _render(chat_tokenizer, source_messages, source_tools, source.get("chat_template_kwargs"))
    got = _render(
        chat_tokenizer,
        _stripped(row["prompt"] + row["chosen"]),
        json.loads(row["tools"]),
        row.get("chat_template_kwargs"),
    )
    assert got == expected
    assert "<tool_call>" in got and "get_weather" in got

"""Each structure check finds its planted defect by row, and passes the clean data."""

from __future__ import annotations

import json
import math

from datasets import Dataset

from prefdata._validate import validate
from tests.validate.conftest import assistant, call, clean_conversational, clean_standard, tool, user


def _found(report, code):
    finding = report.finding(code)
    assert finding is not None, [f.code for f in report.findings]
    return [e.row for e in finding.examples]


def test_shape_rejects_numbers_and_missing_columns():
    report = validate(Dataset.from_list([{"prompt": "p", "chosen": 1, "rejected": 2}]))
    assert report.finding("structure.shape").severity == "error"
    assert "chosen" in report.finding("structure.shape").examples[0].excerpt
    report = validate(Dataset.from_list([{"prompt": "p", "chosen": "a"}]))
    assert "rejected" in report.finding("structure.shape").examples[0].excerpt


def test_shape_rejects_mixed_standard_and_conversational():
    report = validate(
        Dataset.from_list([{"prompt": "p", "chosen": [assistant("a")], "rejected": [assistant("b")]}])
    )
    assert report.finding("structure.shape") is not None


def test_unknown_role(write):
    rows = clean_conversational()
    rows[2]["rejected"][0]["role"] = "bot"
    assert _found(validate(write(rows)), "structure.roles") == [2]


def test_turn_order(write):
    rows = clean_conversational()
    rows[1]["prompt"] = [{**rows[1]["prompt"][0], "role": "assistant"}]  # assistant replies to nothing
    rows[2]["prompt"] = rows[2]["prompt"] + [{**rows[2]["chosen"][0]}]  # prompt ends on an assistant turn
    rows[3]["rejected"] = [{**rows[3]["rejected"][0], "role": "user"}]  # completion starts with user
    report = validate(write(rows))
    assert _found(report, "structure.turn_order") == [1, 2, 3]


def test_tool_reply_without_call(write):
    rows = clean_conversational()
    rows[2]["rejected"] = [tool("orphan") | {"tool_calls": None}, assistant("done")]
    assert _found(validate(write(rows)), "structure.tool_reply") == [2]


def test_tool_reply_with_unknown_id(write):
    rows = clean_conversational()
    rows[0]["rejected"] = [
        assistant(None, [call("add", "{}", "c1")]),
        tool("3", "zz") | {"tool_calls": None},
        assistant("3"),
    ]
    assert _found(validate(write(rows)), "structure.tool_reply") == [0]


def test_tool_call_arguments_not_json(write):
    rows = clean_conversational()
    rows[0]["chosen"][0]["tool_calls"] = [call("add", "{not json")]
    assert _found(validate(write(rows)), "structure.tool_call") == [0]


def test_tools_schema(write):
    rows = clean_conversational()
    rows[1]["tools"] = json.dumps(
        [
            {
                "type": "function",
                "function": {
                    "name": "add",
                    "parameters": {"type": "object", "properties": {"a": {"type": "int"}}},
                },
            }
        ]
    )
    rows[3]["tools"] = "not json"
    report = validate(write(rows))
    assert _found(report, "structure.tools_schema") == [1, 3]
    assert "int" in report.finding("structure.tools_schema").examples[0].excerpt


def test_margin_must_be_finite(write):
    rows = [{**r, "margin": 1.0} for r in clean_standard()]
    rows[1]["margin"], rows[2]["margin"], rows[3]["margin"] = math.nan, math.inf, None
    assert _found(validate(write(rows)), "structure.margin") == [1, 2]


def test_clean_implicit_user_first(write):
    rows = [{"chosen": [user("q"), assistant("a")], "rejected": [user("q"), assistant("b")]}]
    assert validate(write(rows)).findings == []

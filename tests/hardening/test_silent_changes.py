"""Values that used to change or vanish with exit 0 and nothing counted: kept exactly, or dropped with a reason."""

from __future__ import annotations

import gzip
import json
import time
from pathlib import Path
from typing import Any

import pytest

import prefdata
from prefdata._sources.jsonlines import FlawedRow, duplicate_key, iter_json_rows
from prefdata._validate import validate
from prefdata.records.messages import strip_absent
from tests.conftest import HH_SAMPLE
from tests.validate.tiny_tokenizer import build_tokenizer


def _row(chosen: list[dict[str, Any]], rejected: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "prompt": [{"role": "user", "content": "q"}],
        "chosen": chosen,
        "rejected": rejected or [{"role": "assistant", "content": "no"}],
    }


def _convert(tmp_path: Path, lines: list[str], **kwargs: Any) -> prefdata.ConvertResult:
    source = tmp_path / "rows.jsonl"
    source.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return prefdata.convert(source, **kwargs)


REASONING = (
    "{% for m in messages %}<{{ m.role }}>"
    "{% if m.reasoning_content is defined %}[think {{ m.reasoning_content }}]{% endif %}"
    "{{ m.content }}</s>{% endfor %}"
)


def test_extra_message_keys_are_kept(tmp_path: Path):
    chosen = [{"role": "assistant", "content": "yes", "reasoning_content": "w1 w2", "weight": 1}]
    result = _convert(
        tmp_path, [json.dumps(_row(chosen)), json.dumps(_row([{"role": "assistant", "content": "ok"}]))]
    )
    rows = result.dataset["train"].to_list()
    assert [strip_absent(m) for m in rows[0]["chosen"]] == chosen
    assert [strip_absent(m) for m in rows[1]["chosen"]] == [{"role": "assistant", "content": "ok"}]
    assert [f.code for f in validate(result.dataset).findings if f.severity == "error"] == []
    # the trainer's rendering (strip_absent, then the chat template) sees the key where it was, only there
    tok = build_tokenizer(tmp_path / "tok", chat_template=REASONING)
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(tok))
    texts = [
        tokenizer.apply_chat_template([strip_absent(m) for m in r["prompt"] + r["chosen"]], tokenize=False)
        for r in rows
    ]
    assert texts == ["<user>q</s><assistant>[think w1 w2]yes</s>", "<user>q</s><assistant>ok</s>"]
    report = validate(result.dataset, tokenizer=tok)
    assert [f.code for f in report.findings if f.severity == "error"] == []


def test_extra_key_of_another_type_than_earlier_rows_is_a_counted_drop(tmp_path: Path):
    first = _row([{"role": "assistant", "content": "yes", "weight": 1}])
    second = _row([{"role": "assistant", "content": "yes", "weight": "high"}])
    nested = _row([{"role": "assistant", "content": "yes", "meta": {"a": 1}}])
    result = _convert(tmp_path, [json.dumps(first), json.dumps(second), json.dumps(nested)])
    assert [(r.source_row, r.reason) for r in result.rejects] == [(1, "bad_value"), (2, "bad_value")]
    assert "`weight`" in result.rejects[0].detail and "`meta`" in result.rejects[1].detail


def test_text_parts_are_joined_by_a_newline(tmp_path: Path):
    parts = [{"type": "text", "text": "part one"}, {"type": "text", "text": "part two"}]
    result = _convert(tmp_path, [json.dumps(_row([{"role": "assistant", "content": parts}]))])
    assert result.dataset["train"][0]["chosen"][0]["content"] == "part one\npart two"


def test_big_integers_in_tool_call_arguments_keep_every_digit(tmp_path: Path):
    call = {
        "type": "function",
        "function": {"name": "f", "arguments": {"n": 12345678901234567890123, "m": -7}},
    }
    chosen = [{"role": "assistant", "content": None, "tool_calls": [call]}]
    line = json.dumps(_row(chosen))
    for source in ([line], ["[" + line + "]"]):  # JSON lines and a JSON array
        result = _convert(tmp_path, source)
        arguments = result.dataset["train"][0]["chosen"][0]["tool_calls"][0]["function"]["arguments"]
        assert arguments == '{"n": 12345678901234567890123, "m": -7}'
        assert json.loads(arguments)["n"] == 12345678901234567890123


@pytest.mark.parametrize("array", [False, True])
def test_repeated_keys_are_a_counted_drop(tmp_path: Path, array: bool):
    rows = [
        '{"chosen": "GOOD", "chosen": "BAD", "rejected": "meh", "prompt": "q"}',
        '{"prompt": "q", "chosen": "fine", "rejected": "meh"}',
        '{"prompt": "q", "chosen": "chosen", "rejected": "meh"}',  # a value equal to a key: no repeat
        '{"prompt": [{"role": "user", "content": "q", "content": "x"}], '
        '"chosen": [{"role": "assistant", "content": "a"}], "rejected": [{"role": "assistant", "content": "b"}]}',
        '{"prompt": "q", "chosen": "fine", "\\u0063hosen": "escaped", "rejected": "meh"}',
    ]
    read = list(iter_json_rows(_file(tmp_path, "all", rows, array)))
    flawed = {i: r.detail for i, r in enumerate(read) if isinstance(r, FlawedRow)}
    assert sorted(flawed) == [0, 3, 4]
    assert "'chosen'" in flawed[0] and "'content'" in flawed[3] and "'chosen'" in flawed[4]
    result = prefdata.convert(_file(tmp_path, "few", rows[:3], array))
    assert [(r.source_row, r.reason) for r in result.rejects] == [(0, "bad_value")]
    assert "'chosen'" in result.rejects[0].detail
    assert result.dataset["train"]["source_row"] == [1, 2]


def _file(tmp_path: Path, name: str, rows: list[str], array: bool) -> Path:
    path = tmp_path / (f"{name}.json" if array else f"{name}.jsonl")
    path.write_text(("[" + ",".join(rows) + "]") if array else "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_duplicate_key_check_finds_repeats_at_any_depth():
    deep = b'{"a": [{"b": {"c": 1, "c": 2}}]}'
    assert duplicate_key(deep, json.loads(deep)) == "c"
    clean = b'{"a": [{"b": {"c": 1, "d": "c"}}]}'
    assert duplicate_key(clean, json.loads(clean)) is None


def test_duplicate_key_check_is_cheap_on_the_real_sample():
    """The check costs a fraction of parsing (orjson) on the real hh sample; the timing is printed."""
    import orjson

    with gzip.open(HH_SAMPLE) as handle:
        lines = handle.read().splitlines()
    rows = [orjson.loads(line) for line in lines]
    start = time.perf_counter()
    for line in lines:
        orjson.loads(line)
    parse = time.perf_counter() - start
    start = time.perf_counter()
    found = [duplicate_key(line, row) for line, row in zip(lines, rows, strict=True)]
    check = time.perf_counter() - start
    print(f"hh sample: parse {parse * 1e3:.1f} ms, duplicate-key check {check * 1e3:.1f} ms")
    assert found == [None] * len(lines)
    assert check < max(3 * parse, 0.05)

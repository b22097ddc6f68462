"""Token checks with a tiny local tokenizer: lengths, --max-length, pad/EOS, chat template."""

from __future__ import annotations

from prefdata._validate import validate
from tests.validate.conftest import assistant, call, clean_conversational, tool
from tests.validate.tiny_tokenizer import TEXT_ONLY, build_tokenizer


def _words(n: int, start: int = 0) -> str:
    return " ".join(f"w{(start + i) % 50}" for i in range(n))


def test_lengths_too_long_and_identical_after_truncation(write, tmp_path):
    tok = build_tokenizer(tmp_path / "tok")
    rows = [
        {"prompt": _words(3) + " ", "chosen": _words(2, 10), "rejected": _words(2, 20)},  # 5 tokens each
        {"prompt": _words(3) + " ", "chosen": _words(10, 10), "rejected": _words(3, 20)},  # 13 > 8: too long
        {
            "prompt": _words(6) + " ",
            "chosen": _words(4, 10) + " w1",
            "rejected": _words(4, 10) + " w2",
        },  # same 8
    ]
    report = validate(write(rows), tokenizer=str(tok), max_length=8)
    assert [e.row for e in report.finding("tokens.too_long").examples] == [1, 2]
    assert [e.row for e in report.finding("tokens.identical_after_truncation").examples] == [2]
    stats = report.splits["train"].sides
    assert (stats["prompt"].tokens.min, stats["prompt"].tokens.max) == (3, 6)
    assert stats["chosen"].tokens.p50 == 11 and stats["chosen"].tokens.max == 13
    assert report.finding("tokens.pad_is_eos") is None


def test_pad_is_eos(write, tmp_path):
    tok = build_tokenizer(tmp_path / "tok", pad_is_eos=True)
    rows = [{"prompt": "w1", "chosen": "w2", "rejected": "w3"}]
    assert validate(write(rows), tokenizer=str(tok)).finding("tokens.pad_is_eos").severity == "warning"


def test_conversational_needs_a_chat_template(write, tmp_path):
    tok = build_tokenizer(tmp_path / "tok", chat_template=None)
    report = validate(write(clean_conversational()), tokenizer=str(tok))
    assert report.finding("tokens.no_chat_template").severity == "error"


def test_clean_conversational_renders(write, tmp_path):
    tok = build_tokenizer(tmp_path / "tok")
    report = validate(write(clean_conversational()), tokenizer=str(tok), max_length=512)
    assert report.findings == [], [f.code for f in report.findings]
    assert report.splits["train"].sides["chosen"].tokens.count == 4


def test_template_that_drops_tool_calls(write, tmp_path):
    tok = build_tokenizer(tmp_path / "tok", chat_template=TEXT_ONLY)
    report = validate(write(clean_conversational()), tokenizer=str(tok))
    finding = report.finding("tokens.template_error")
    assert [e.row for e in finding.examples] == [0] and "add" in finding.examples[0].excerpt


def test_template_that_raises(write, tmp_path):
    strict = (
        "{% for m in messages %}{% if m['role'] == 'tool' %}{{ raise_exception('no tools') }}{% endif %}"
        "{{ m['content'] }}{% endfor %}"
    )
    tok = build_tokenizer(tmp_path / "tok", chat_template=strict)
    rows = clean_conversational()
    rows[2]["chosen"] = [
        assistant(None, [call("add", "{}")]) | {"tool_call_id": None},
        tool("1") | {"tool_calls": None},
        assistant("1") | {"tool_call_id": None},
    ]
    report = validate(write(rows), tokenizer=str(tok))
    assert [e.row for e in report.finding("tokens.template_error").examples] == [0, 2]


def test_implicit_prompt_has_no_prompt_token_stats(write, tmp_path):
    tok = build_tokenizer(tmp_path / "tok")
    rows = [{"chosen": "w1 w2 w3", "rejected": "w1 w2"}]
    sides = validate(write(rows), tokenizer=str(tok)).splits["train"].sides
    assert sides["chosen"].tokens.max == 3
    assert "prompt" not in sides

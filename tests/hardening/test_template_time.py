"""A chat template that loops for hours is stopped: `validate --tokenizer` reports it and finishes."""

from __future__ import annotations

import json
import time

from prefdata._validate import validate
from prefdata._validate.checks import tokens
from tests.validate.tiny_tokenizer import build_tokenizer

LOOPS = (
    "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}"
    "{% for m in messages %}{{ m['content'] }}{% endfor %}"
)


def test_a_template_that_never_finishes_is_stopped_and_reported(tmp_path, monkeypatch):
    monkeypatch.setattr(tokens, "RENDER_SECONDS", 0.5)
    tok = build_tokenizer(tmp_path / "tok", chat_template=LOOPS)
    data = tmp_path / "d.jsonl"
    rows = [
        {
            "prompt": [{"role": "user", "content": f"w{i}"}],
            "chosen": [{"role": "assistant", "content": "w1"}],
            "rejected": [{"role": "assistant", "content": "w2"}],
        }
        for i in range(3)
    ]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    start = time.monotonic()
    report = validate(data, tokenizer=tok)
    assert time.monotonic() - start < 30
    finding = next(f for f in report.findings if f.code == "tokens.template_error")
    assert finding.count == 3
    assert "took over 0.5 s" in finding.examples[0].excerpt

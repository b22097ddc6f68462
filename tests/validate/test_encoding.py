"""Token counting in small calls over distinct texts gives what one call per text gives."""

from __future__ import annotations

import numpy as np

import prefdata._validate.checks.tokens as tokens
from prefdata._validate import validate
from prefdata._validate.checks.tokens import load_tokenizer
from prefdata._validate.encoding import distinct, encode
from tests.validate.tiny_tokenizer import build_tokenizer


def _words(n: int, start: int = 0) -> str:
    return " ".join(f"w{(start + i) % 50}" for i in range(n))


def test_distinct_keeps_first_seen_order_and_maps_back():
    values = ["b", "a", "b", "", "a", ""]
    texts, inverse = distinct(values)
    assert texts == ["b", "a", ""]
    assert [texts[i] for i in inverse] == values


def test_encode_tokenizes_each_distinct_text_once_with_the_same_ids(tmp_path):
    tok = load_tokenizer(str(build_tokenizer(tmp_path / "tok")))
    calls: list[list[str]] = []
    backend = tok.backend_tokenizer

    class Counting:  # the backend, recording what each call tokenizes
        def encode_batch_fast(self, texts, add_special_tokens):
            calls.append(list(texts))
            return backend.encode_batch_fast(texts, add_special_tokens=add_special_tokens)

    class Tok:
        is_fast, backend_tokenizer = True, Counting()

    values = [_words(3), _words(5, 7), _words(3), "", _words(5, 7)]
    got = encode(Tok(), values, special=False)
    assert calls == [[_words(3), _words(5, 7), ""]]
    assert got.lengths.tolist() == [3, 5, 3, 0, 5]
    for row, text in enumerate(values):
        assert got.ids(row) == tok(text, add_special_tokens=False)["input_ids"]


def test_encode_slow_tokenizer_path():
    class Slow:  # a tokenizer without a Rust backend: called on the distinct texts
        is_fast = False

        def __call__(self, texts, add_special_tokens):
            return {"input_ids": [[len(t)] * len(t.split()) for t in texts]}

    got = encode(Slow(), ["a b", "a b", "c"], special=True)
    assert got.lengths.tolist() == [2, 2, 1] and got.ids(1) == [3, 3] and got.inverse.tolist() == [0, 0, 1]


def test_small_calls_and_shared_prompts_do_not_change_the_report(write, tmp_path, monkeypatch):
    """Rows cut into calls of 2 rows (findings straddle the cuts) report what calls of 4,096 do."""
    tok = str(build_tokenizer(tmp_path / "tok"))
    rng = np.random.default_rng(0)
    rows = []
    for i in range(23):
        prompt = _words(int(rng.integers(1, 6)), i % 3) + " "  # prompts repeat: distinct texts shrink
        chosen = _words(int(rng.integers(1, 12)), 10)
        rejected = chosen if i % 4 == 0 else _words(int(rng.integers(1, 12)), 20)
        rows.append({"prompt": prompt, "chosen": chosen + " w1", "rejected": rejected + " w2"})
    path = write(rows)
    whole = validate(path, tokenizer=tok, max_length=8)
    monkeypatch.setattr(tokens, "ENCODE_ROWS", 2)
    small = validate(path, tokenizer=tok, max_length=8)
    assert whole.finding("tokens.too_long").count > 5
    assert whole.finding("tokens.identical_after_truncation").count >= 2
    assert small.model_dump() == whole.model_dump()

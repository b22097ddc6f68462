"""Text normalisation (one definition for dedup and n-grams) and the n-gram index, on several scripts."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prefdata._mix.ngram_index import EvalRow, NgramIndex
from prefdata._mix.textnorm import normalise, normalise_text, words


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello,  World!\n\tIt's  ﬁne — OK?", "hello world it s fine ok"),  # ligature, dash, quote
        ("Ｆｕｌｌ　ｗｉｄｔｈ", "full width"),  # full-width letters and space (NFKC)
        ("ÉCOLE Straße", "école straße"),  # accents kept, lower case
        ("Привет, мир!", "привет мир"),  # Cyrillic words
        ("Καλημέρα κόσμε;", "καλημέρα κόσμε"),  # Greek, Greek question mark
        ("مرحبا بالعالم؟", "مرحبا بالعالم"),  # Arabic, Arabic question mark
        ("日本語のテキストです。", "日 本 語 の テ キ ス ト で す"),  # each character a word
        ("中文文本，测试", "中 文 文 本 测 试"),
        ("ภาษาไทย", "ภ า ษ า ไ ท ย"),  # Thai has no spaces between words
        ("a_b 3.14 #tag @user", "a b 3 14 tag user"),
        ("", ""),
    ],
)
def test_normalise(text, expected):
    assert normalise_text(text) == expected


def test_normalise_nulls_are_empty():
    assert normalise(pa.array(["A", None])).to_pylist() == ["a", ""]


def test_words():
    assert words("") == []
    assert words("a b") == ["a", "b"]


def _index(n: int, *prompts: str) -> NgramIndex:
    index = NgramIndex(n)
    for row, prompt in enumerate(prompts):
        index.add(normalise_text(prompt), EvalRow("eval.jsonl", "train", row))
    return index


def test_ngram_found_across_case_punctuation_and_layout():
    index = _index(4, "What is the capital of France, and why?")
    hit = index.find(normalise_text("Tell me: WHAT is the   capital of france!"))
    assert hit is not None
    assert hit.ngram == "what is the capital"
    assert hit.eval_row == EvalRow("eval.jsonl", "train", 0)


def test_ngram_not_found_when_words_changed_in_every_window():
    index = _index(4, "one two three four five")
    assert index.find(normalise_text("one two THREE 4 five")) is None
    assert index.find(normalise_text("zero one two three four")) is not None


def test_short_prompts_match_only_whole():
    index = _index(13, "What is 2+2?")
    assert index.find(normalise_text("what is 2 + 2")) is not None
    assert index.find(normalise_text("So, what is 2+2? Explain.")) is None


def test_ngram_in_text_without_spaces():
    index = _index(5, "日本の首都はどこですか")
    assert index.find(normalise_text("質問:日本の首都はどこ?")) is not None
    assert index.find(normalise_text("中国の首都")) is None


def test_first_evaluation_row_is_reported():
    index = _index(3, "alpha beta gamma", "x alpha beta gamma")
    hit = index.find("alpha beta gamma delta")
    assert hit is not None and hit.eval_row.row == 0


_UNSPACED_RANGES = ((0x4E00, 0x9FFF), (0x3040, 0x30FF), (0x0E00, 0x0E7F))


def _reference(text: str) -> str:
    """The documented steps, one character at a time in plain Python (for the scripts generated below)."""
    import unicodedata

    out = []
    for ch in unicodedata.normalize("NFKC", text).lower():
        category = unicodedata.category(ch)
        if category[0] in "PS" or ch.isspace():
            out.append(" ")
        elif any(lo <= ord(ch) <= hi for lo, hi in _UNSPACED_RANGES) and category[0] in "LM":
            out.append(f" {ch} ")
        else:
            out.append(ch)
    return " ".join("".join(out).split())


_ALPHABET = (
    "abcXYZ019 éÉßøŁ.,;:!?'\"-—()[]{}#@$%^&*_+=<>/\\|~`\t\n\r\u00a0\u3000\u2003日本語のテキスト中文ภาษา"
)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=60))
def test_normalise_matches_the_documented_steps(text):
    assert normalise_text(text) == _reference(text)

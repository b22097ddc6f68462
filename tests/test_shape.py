"""Output shape rules that span layouts: standard-format transcripts and forced specs."""

from __future__ import annotations

import datasets
import pytest

import prefdata
from prefdata import ConvertOptions


def _conversation(reply: str) -> list[dict]:
    return [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello."},
        {"role": "user", "content": "Tell me a joke."},
        {"role": "assistant", "content": reply},
    ]


def test_standard_transcript_reply_continues_the_assistant_cue():
    source = datasets.Dataset.from_list(
        [{"chosen": _conversation("Why did the chicken..."), "rejected": _conversation("No.")}]
    )
    row = prefdata.convert(source, options=ConvertOptions(format="standard")).dataset["train"][0]
    assert row["prompt"] == "\n\nHuman: Hi\n\nAssistant: Hello.\n\nHuman: Tell me a joke.\n\nAssistant:"
    assert row["chosen"] == " Why did the chicken..." and row["rejected"] == " No."
    implicit = prefdata.convert(source, options=ConvertOptions(format="standard", prompt="implicit"))
    assert implicit.dataset["train"][0]["chosen"] == row["prompt"] + row["chosen"]
    assert "prompt" not in implicit.dataset["train"].column_names


def test_forced_spec_missing_columns_is_an_error_before_converting():
    source = datasets.Dataset.from_list([{"prompt": "q", "completion": "a"}])
    with pytest.raises(prefdata.SpecError, match="`question`"):
        prefdata.convert(source, spec="orca-dpo-pairs")

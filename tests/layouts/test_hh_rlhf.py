"""Anthropic hh-rlhf: whole dialogues as raw `Human:`/`Assistant:` text, split into prompt and replies."""

from __future__ import annotations

import gzip
import json
import re

from layout_checks import FIXTURES, assert_accounted, msg, reject_reasons, rows_by_source

import prefdata
from prefdata import ConvertOptions

FIXTURE = FIXTURES / "hh-rlhf.jsonl"


def test_detected_with_runner_up():
    found = prefdata.detect(FIXTURE)
    assert found.layout == "hh-rlhf"
    assert found.runner_up is not None and found.runner_up.name == "trl-standard"
    assert found.runner_up.score > 0  # plain strings fit too; the hh_text checks decide
    assert "`chosen` is hh_text" in found.reason


def test_exact_rows():
    result = prefdata.convert(FIXTURE)
    rows = rows_by_source(result)
    assert rows[0] == {
        "prompt": [msg("user", "What household items can I use to clean a cast iron pan?")],
        "chosen": [
            msg(
                "assistant",
                "Coarse kosher salt and a little oil work well: scrub with the salt, rinse "
                "with hot water, dry it on the stove and wipe a thin coat of oil on.",
            )
        ],
        "rejected": [msg("assistant", "Just put it in the dishwasher.")],
        "source_row": 0,
    }
    # three human turns: every earlier turn is in the prompt, in order
    assert rows[1]["prompt"] == [
        msg("user", "I want to learn to juggle."),
        msg("assistant", "Great! Start with one ball and toss it from hand to hand at eye level."),
        msg("user", "Okay, I can do that. What next?"),
        msg("assistant", "Add a second ball: throw the first, and when it peaks, throw the second."),
        msg("user", "And then three?"),
    ]
    assert rows[1]["chosen"] == [
        msg("assistant", "Yes. Start with two balls in your dominant hand and keep the same rhythm.")
    ]
    assert rows[1]["rejected"] == [msg("assistant", "Juggling is hard, maybe try knitting.")]


def test_prefix_and_marker_traps():
    rows = rows_by_source(prefdata.convert(FIXTURE))
    # one side is a strict prefix of the other
    assert rows[3]["prompt"] == [msg("user", "How many legs does a spider have?")]
    assert rows[3]["chosen"] == [msg("assistant", "Eight")]
    assert rows[3]["rejected"] == [msg("assistant", "Eight, although some people think they have six.")]
    # blank-line role markers after the shared prompt are turns: the rejected side goes on for
    # two more turns (a multi-turn completion), never one reply with the raw markers in it
    assert rows[4]["prompt"] == [msg("user", "Write a two-line dialogue.")]
    assert rows[4]["rejected"] == [
        msg("assistant", "Here you go:"),
        msg("user", "Did you feed the cat?"),
        msg("assistant", "Twice, apparently."),
    ]
    # markers not preceded by a blank line are quoted text
    assert rows[5]["chosen"] == [
        msg("assistant", "Each line starts with the speaker, like\nHuman: hello\nAssistant: hi there")
    ]
    assert rows[5]["rejected"] == [msg("assistant", "Human: and Assistant: take turns.")]


def test_drops_counted_with_reasons():
    result = prefdata.convert(FIXTURE)
    assert reject_reasons(result) == {2: "empty_response", 6: "identical", 7: "empty_response"}
    assert result.manifest.splits["train"].dropped == {"empty_response": 2, "identical": 1}
    assert result.manifest.layout == "hh-rlhf"
    assert_accounted(result)


def test_implicit_prompt_keeps_whole_dialogue():
    result = prefdata.convert(FIXTURE, options=ConvertOptions(prompt="implicit"))
    rows = rows_by_source(result)
    assert "prompt" not in result.dataset["train"].column_names
    assert result.manifest.prompt == "implicit"
    assert [m["role"] for m in rows[1]["chosen"]] == ["user", "assistant"] * 3
    assert rows[1]["chosen"][-1] == msg(
        "assistant", "Yes. Start with two balls in your dominant hand and keep the same rhythm."
    )
    assert rows[1]["rejected"][:-1] == rows[1]["chosen"][:-1]
    assert_accounted(result)


def test_standard_format_is_text():
    result = prefdata.convert(FIXTURE, options=ConvertOptions(format="standard"))
    rows = rows_by_source(result)
    assert result.manifest.format == "standard"
    assert all(isinstance(rows[i][k], str) for i in rows for k in ("prompt", "chosen", "rejected"))
    multi = rows[8]["prompt"]
    turns = [
        "My neighbor's dog barks all night.",
        "That sounds exhausting. Have you talked to your neighbor?",
        "Not yet, I'm nervous.",
    ]
    assert [multi.index(t) for t in turns] == sorted(multi.index(t) for t in turns)
    assert multi.endswith("\n\nAssistant:")
    assert rows[8]["rejected"].strip() == "Call the police on them."
    assert_accounted(result)


# --- the real sample -------------------------------------------------------------------------------

_SPEAKER = {"user": "\n\nHuman: ", "assistant": "\n\nAssistant: "}


def _render(messages: list[dict]) -> str:
    return "".join(_SPEAKER[m["role"]] + m["content"] for m in messages)


def _normalise(text: str) -> str:
    return " ".join(text.split())


def test_real_sample_converts_without_corrupting_turns(hh_sample):
    with gzip.open(hh_sample, "rt", encoding="utf-8") as handle:
        source = [json.loads(line) for line in handle]
    empty_final = {
        i
        for i, row in enumerate(source)
        if any(re.search(r"\n\nAssistant:\s*$", row[side]) for side in ("chosen", "rejected"))
    }
    assert len(empty_final) == 4

    result = prefdata.convert(hh_sample)
    assert result.manifest.layout == "hh-rlhf"
    report = result.manifest.splits["train"]
    assert report.rows_in == 2312
    assert report.dropped == {"empty_response": 4}
    assert reject_reasons(result) == {i: "empty_response" for i in empty_final}
    assert_accounted(result)
    for row in result.dataset["train"].to_list():
        original = source[row["source_row"]]
        assert row["prompt"][-1]["role"] == "user"
        for side in ("chosen", "rejected"):
            rendered = _render(row["prompt"] + row[side])
            assert _normalise(rendered) == _normalise(original[side]), (row["source_row"], side)

"""One definition of a well-formed conversation: convert drops exactly the rows validate flags.

`prefdata._transforms.turn_order.turn_problem` is that definition; convert drops rows breaking it
as `turn_order` (with the offending message in `detail`), validate reports them as
`structure.turn_order`, on explicit and implicit shapes alike.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from datasets import Dataset

import prefdata
from prefdata import ConvertOptions
from prefdata._transforms.turn_order import turn_problem
from prefdata._validate import finding_sink, validate


def _msg(code: str, i: int = 0) -> dict[str, Any]:
    """A message for a turn code (see `turn_order`), with text that is never empty."""
    if code == "c":
        call = {"type": "function", "id": f"c{i}", "function": {"name": "f", "arguments": "{}"}}
        return {"role": "assistant", "content": None, "tool_calls": [call]}
    role = {"s": "system", "u": "user", "a": "assistant", "t": "tool"}[code]
    return {"role": role, "content": f"{role} says {i}"}


def _conversation(codes: str, salt: str) -> list[dict[str, Any]]:
    return [_msg(c, i) | ({"content": f"{salt} {i}"} if c == "a" else {}) for i, c in enumerate(codes)]


def _turn_order_rows(report) -> list[int]:
    finding = report.finding("structure.turn_order")
    return [] if finding is None else sorted(e.row for e in finding.examples)


CONTINUATION = {
    "prompt": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "partial"}],
    "chosen": [{"role": "assistant", "content": "rest"}],
    "rejected": [{"role": "assistant", "content": "wrong"}],
}


@pytest.mark.parametrize(
    ("prompt", "completion", "problem"),
    [
        ("u", "a", None),
        ("su", "a", None),
        ("ssu", "ctta", None),
        ("uc", "ta", None),  # a prompt may end on tool calls when the completion starts with their replies
        ("uct", "a", None),
        ("uau", "a", None),
        (None, "uaua", None),
        (None, "sucta", None),
        ("ua", "a", "prompt ends on an assistant turn"),  # a continuation prompt
        ("u", "aa", "two assistant turns in a row"),
        ("uu", "a", "two user turns in a row"),
        ("a", "a", "replies to nothing"),
        ("s", "a", "replies to nothing"),
        ("us", "a", "system turn after"),
        ("u", "t", "tool turn answers no tool call"),
        ("u", "ua", "starts with a user turn"),
        ("u", "au", "ends with a user turn"),
        ("u", "ct", "ends with a tool turn"),
        ("u", "cu", "tool calls get no tool reply"),
        ("u", "ctu", "user turn follows tool replies"),
        (None, "ua", None),
        (None, "uaa", "two assistant turns in a row"),
        (None, "uau", "ends with a user turn"),
        (None, "a", "replies to nothing"),
    ],
)
def test_turn_rules(prompt: str | None, completion: str, problem: str | None):
    found = turn_problem(prompt, completion, "chosen")
    assert (found is None) == (problem is None), found
    if found is not None:
        assert problem is not None and problem in found.why


def test_problem_names_the_column_and_message():
    found = turn_problem("uu", "a", "rejected")
    assert found is not None and (found.side, found.position) == ("prompt", 1)
    found = turn_problem("u", "auu", "rejected")
    assert found is not None and (found.side, found.position) == ("rejected", 2)
    found = turn_problem(None, "uaua", "chosen")
    assert found is None
    assert turn_problem("ua", "a", "chosen").detail().startswith("chosen message 0: the prompt ends")  # type: ignore[union-attr]


@pytest.mark.parametrize("prompt", ["explicit", "implicit"])
def test_continuation_prompt_is_dropped_and_flagged(tmp_path: Path, prompt: str):
    source = tmp_path / "rows.jsonl"
    source.write_text(json.dumps(CONTINUATION) + "\n", encoding="utf-8")
    result = prefdata.convert(source, options=ConvertOptions(prompt=prompt))  # type: ignore[arg-type]
    assert len(result.dataset["train"]) == 0
    (reject,) = result.rejects
    assert reject.reason == "turn_order"
    where = "chosen message 0" if prompt == "explicit" else "chosen message 2"
    assert reject.detail.startswith(where), reject.detail
    # validate reads the same row, as written data, the same way: explicit and implicit shapes
    explicit = Dataset.from_list([CONTINUATION])
    implicit = Dataset.from_list(
        [{side: CONTINUATION["prompt"] + CONTINUATION[side] for side in ("chosen", "rejected")}]
    )
    for data in (explicit, implicit):
        report = validate(data)
        assert _turn_order_rows(report) == [0]
        assert report.finding("structure.turn_order").severity == "error"


def test_hh_repeated_assistant_marker_stays_in_one_turn(tmp_path: Path):
    # Two blank-line `Assistant:` markers with no `Human:` between them: the assistant is already
    # speaking at the second, so it is text of that turn (the real sample has 9 such markers,
    # written by the assistant itself), never a second assistant turn in a row, which validate
    # would flag. Before, this row converted into a prompt ending on an assistant turn.
    head = "\n\nHuman: Repeat this: 'A\n\nAssistant: B'"
    row = {"chosen": head + "\n\nAssistant: Sure, B.", "rejected": head + "\n\nAssistant: No."}
    source = tmp_path / "hh.jsonl"
    source.write_text(json.dumps(row) + "\n", encoding="utf-8")
    result = prefdata.convert(source, spec="hh-rlhf")
    (out,) = result.dataset["train"].to_list()
    assert out["prompt"] == [{"role": "user", "content": "Repeat this: 'A"}]
    assert out["chosen"] == [{"role": "assistant", "content": "B'\n\nAssistant: Sure, B."}]
    assert out["rejected"] == [{"role": "assistant", "content": "B'\n\nAssistant: No."}]
    assert validate(result.dataset).finding("structure.turn_order") is None
    assert validate(source, spec="hh-rlhf").finding("structure.turn_order") is None


def _hh_row(tag: str) -> dict[str, str]:
    head = f"\n\nHuman: Hi {tag}\n\nAssistant: Hello.\n\nHuman: Tell me a joke."
    return {"chosen": head + "\n\nAssistant: A pun.", "rejected": head + "\n\nAssistant: No."}


def test_hh_sides_diverging_before_the_last_turn_give_multi_turn_completions(tmp_path: Path):
    rows = [
        {  # the sides part at the first reply: each goes on for two more turns
            "chosen": "\n\nHuman: Hi\n\nAssistant: Hello!\n\nHuman: Joke?\n\nAssistant: A pun.",
            "rejected": "\n\nHuman: Hi\n\nAssistant: Go away.\n\nHuman: Joke?\n\nAssistant: No.",
        },
        {  # the chosen side ends on a human turn: no final reply to compare
            "chosen": "\n\nHuman: Hi\n\nAssistant: Hello!\n\nHuman: Thanks",
            "rejected": "\n\nHuman: Hi\n\nAssistant: Go away.",
        },
        {  # a reply that writes the assistant marker itself stays one reply (as in the real data)
            "chosen": "\n\nHuman: Hi\n\nAssistant: Wait.\n\nAssistant: Hello!",
            "rejected": "\n\nHuman: Hi\n\nAssistant: Go away.",
        },
    ]
    source = tmp_path / "hh.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    for prompt in ("explicit", "implicit"):
        result = prefdata.convert(source, spec="hh-rlhf", options=ConvertOptions(prompt=prompt))  # type: ignore[arg-type]
        out = {r["source_row"]: r for r in result.dataset["train"].to_list()}
        user, hello = {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}
        chosen = [hello, {"role": "user", "content": "Joke?"}, {"role": "assistant", "content": "A pun."}]
        assert out[0]["chosen"] == (chosen if prompt == "explicit" else [user, *chosen])
        assert out[2]["chosen"][-1] == {"role": "assistant", "content": "Wait.\n\nAssistant: Hello!"}
        (reject,) = result.rejects
        assert (reject.source_row, reject.reason) == (1, "turn_order")
        assert "ends with a user turn" in reject.detail
        for r in out.values():  # no written reply swallowed a turn marker of the other role
            assert all("\n\nHuman:" not in m["content"] for m in r["chosen"] + r["rejected"])
        assert validate(result.dataset).finding("structure.turn_order") is None


def test_convert_drops_exactly_what_validate_flags(monkeypatch: pytest.MonkeyPatch):
    """Random role sequences (system, user, assistant, tool calls, tool replies) in canonical
    explicit rows: the rows convert drops as `turn_order` are the rows validate flags."""
    monkeypatch.setattr(finding_sink, "MAX_EXAMPLES", 10_000)  # every flagged row listed, not the first five
    rng = random.Random(7)
    rows, codes = [], []
    for _ in range(300):
        head = _mutated(rng, rng.choice(["u", "su", "uau", "uctau"]))
        body, other = (_mutated(rng, rng.choice(["a", "cta", "aua", "c"])) for _ in range(2))
        rows.append(
            {
                "prompt": _conversation(head, "p"),
                "chosen": _conversation(body, "good"),
                "rejected": _conversation(other, "bad"),
            }
        )
        codes.append((head, body, other))
    data = Dataset.from_list(rows)
    flagged = _turn_order_rows(validate(data))
    result = prefdata.convert(data, options=ConvertOptions(identical="keep"))
    dropped = sorted(r.source_row for r in result.rejects if r.reason == "turn_order")
    assert dropped == flagged
    assert 30 < len(dropped) < 290  # both outcomes are exercised
    expected = [
        i
        for i, (h, b, o) in enumerate(codes)
        if turn_problem(h, b, "chosen") or turn_problem(h, o, "rejected")
    ]
    assert dropped == expected
    assert _turn_order_rows(validate(result.dataset["train"])) == []


def _mutated(rng: random.Random, codes: str) -> str:
    """`codes`, or (one time in three) `codes` with one turn replaced or inserted at random."""
    if rng.random() > 1 / 3:
        return codes
    at = rng.randrange(len(codes) + 1)
    return codes[:at] + rng.choice("suact") + codes[at + rng.randint(0, 1) :]

"""Flip hunt (detect/infer): layouts of public preference sets and variants nobody wrote fixtures for.

Every source has the good reply ("The answer is ...") in the first response column on odd rows
and in the second on even rows; a conversion must put it in `chosen` on every row, or refuse.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import prefdata
from prefdata._cli import main
from prefdata._infer import AmbiguousLayoutError
from tests.infer.test_hostile import B, G, Q

N = 40


def two(i: int, a: str, b: str) -> dict[str, Any]:
    """The good reply in `a` on odd rows, in `b` on even rows."""
    return {"prompt": Q(i), a: G(i) if i % 2 else B(i), b: B(i) if i % 2 else G(i)}


def good(first: Any, second: Any) -> Callable[[int], Any]:
    """The value naming the good reply: `first` on odd rows (where it is the first column)."""
    return lambda i: first if i % 2 else second


def msgs(q: str, a: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": q}, {"role": "assistant", "content": a}]


def write(tmp_path, make: Callable[[int], dict[str, Any]], parquet: bool = False):
    rows = [make(i) for i in range(N)]
    if parquet:
        path = tmp_path / "d.parquet"
        pq.write_table(pa.Table.from_pylist(rows), path)
        return path
    path = tmp_path / "d.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _text(side: Any) -> str:
    return side[-1]["content"] if isinstance(side, list) else side


# 1. a column named for ONE response (`is_response_0_better`) holds a yes/no about it, not a position:
#    read as a 0-based position, its 1 named `response_1` and every pair was flipped


@pytest.mark.parametrize(
    ("a", "b", "column", "word"),
    [
        ("response_0", "response_1", "is_response_0_better", "0"),
        ("response_0", "response_1", "response_0_preferred", "0"),
        ("response_0", "response_1", "winner_response_0", "0"),
        ("response_0", "response_1", "preference_0", "0"),
        ("response_0", "response_1", "first_better", "first"),
        ("response_1", "response_2", "is_response_1_better", "1"),
        ("response_a", "response_b", "winner_a", "a"),
    ],
)
@pytest.mark.parametrize("parquet", [False, True])
def test_a_flag_about_one_response_is_refused_not_flipped(tmp_path, a, b, column, word, parquet) -> None:
    path = write(tmp_path, lambda i: {**two(i, a, b), column: good(1, 0)(i)}, parquet)
    with pytest.raises(AmbiguousLayoutError) as err:
        prefdata.convert(path)
    assert f"`{column}` was not read" in str(err.value)
    assert f"names one response (`{word}`)" in str(err.value)


def test_one_hot_winner_columns_beside_plain_text_are_refused(tmp_path) -> None:
    """arena-55k's one-hot columns with text replies: `winner_tie` 0 once read as "response_a wins"."""

    def row(i: int) -> dict[str, Any]:
        return {
            **two(i, "response_a", "response_b"),
            "model_a": "m1",
            "model_b": "m2",
            "winner_model_a": good(1, 0)(i),
            "winner_model_b": good(0, 1)(i),
            "winner_tie": 0,
        }

    with pytest.raises(AmbiguousLayoutError) as err:
        prefdata.convert(write(tmp_path, row))
    assert "`winner_tie` was not read: its name's `tie` says it flags ties" in str(err.value)


# 2. 0-based vs 1-based: a label value equal to a response's marker is never moved to another


def test_label_1_2_beside_response_0_1_is_ambiguous(tmp_path) -> None:
    """`preferred` 1/2 with `response_0`/`response_1`: 1 may be `response_1` (2 a tie) or `response_0`."""
    path = write(tmp_path, lambda i: {**two(i, "response_0", "response_1"), "preferred": good(1, 2)(i)})
    with pytest.raises(AmbiguousLayoutError) as err:
        prefdata.detect(path)
    message = str(err.value)
    assert "a 0-based position, 2 is a tie" in message and "a 1-based position" in message


@pytest.mark.parametrize(("value", "readings"), [(0, 2), (1, 3)])
def test_a_label_that_never_changes_is_not_read_as_an_index(tmp_path, value, readings) -> None:
    """`label` always 0 beside `response_a`/`_b`: an index says A, SHP's "1 means A" says B."""
    path = write(tmp_path, lambda i: {"prompt": Q(i), "response_a": G(i), "response_b": B(i), "label": value})
    with pytest.raises(AmbiguousLayoutError, match=f"{readings} readings fit the data"):
        prefdata.detect(path)


@pytest.mark.parametrize(
    ("a", "b", "column", "first", "second"),
    [
        ("response_1", "response_2", "preference", 1, 2),  # RLAIF-style 1/2
        ("response_a", "response_b", "preference", 1, 2),
        ("response_0", "response_1", "better_response_id", 0, 1),  # PKU-SafeRLHF, one axis
        ("response_0", "response_1", "chosen", 0, 1),  # `chosen` holding an index
        ("response_a", "response_b", "verdict", "B<A", "A<B"),
        ("response_a", "response_b", "winner", "model_a", "model_b"),
    ],
)
def test_labels_naming_the_markers_convert(tmp_path, a, b, column, first, second) -> None:
    result = prefdata.convert(write(tmp_path, lambda i: {**two(i, a, b), column: good(first, second)(i)}))
    chosen = [_text(c) for c in result.dataset["train"]["chosen"]]
    assert len(chosen) == N and all(t.startswith("The answer is") for t in chosen)


# 3. chosen/rejected with scores of both sides: equal scores are ties, not preferences


def _ufb_cleaned(i: int) -> dict[str, Any]:
    """argilla/ultrafeedback-binarized-preferences-cleaned: `prompt` (str), message lists, `*-rating`.

    Columns from the dataset card (huggingface.co/datasets/argilla/ultrafeedback-binarized-preferences-cleaned).
    """
    return {
        "source": "evol",
        "prompt": Q(i),
        "chosen": msgs(Q(i), G(i)),
        "chosen-rating": 4.5,
        "chosen-model": "a",
        "rejected": msgs(Q(i), B(i)),
        "rejected-rating": 4.5 if i % 5 == 0 else 2.0,
        "rejected-model": "b",
    }


@pytest.mark.parametrize(
    "make",
    [
        _ufb_cleaned,
        lambda i: {"prompt": Q(i), "chosen": G(i), "rejected": B(i), "score_chosen": 8.0,
                   "score_rejected": 8.0 if i % 5 == 0 else 3.0},
        lambda i: {"prompt": Q(i), "chosen": G(i), "rejected": B(i), "chosen-rating": 5,
                   "rejected-rating": 5 if i % 5 == 0 else 2},
    ],
    ids=["argilla-cleaned", "text-score_chosen", "text-chosen-rating"],
)  # fmt: skip
def test_scores_of_both_sides_make_ties(tmp_path, make) -> None:
    """A layout reading no scores (trl-*) wrote the tied pairs as preferences; argilla's cleaned set
    (a `prompt` string beside whole dialogues) lost every row as `bad_value`, and exited 0."""
    path = write(tmp_path, make, parquet=True)
    result = prefdata.convert(path)
    assert result.manifest.layout == "inferred"
    assert result.manifest.splits["train"].dropped == {"tie": 8}
    train = result.dataset["train"]
    assert all(_text(c).startswith("The answer is") for c in train["chosen"]) and len(train) == 32
    assert [m["role"] for m in train[0]["prompt"]] == ["user"]  # the prompt once, not twice
    kept = prefdata.convert(path, options={"ties": "keep"}).dataset["train"]
    assert sum(kept["tie"]) == 8


def test_trl_layouts_say_why_they_do_not_fit(tmp_path) -> None:
    path = write(tmp_path, _ufb_cleaned)
    scores = {s.name: s for s in prefdata.detect(path).scores}
    assert any(
        "`chosen-rating`/`rejected-rating` score the two responses" in f
        for f in scores["trl-conversational"].failed
    )


def test_a_prompt_that_is_not_the_dialogues_first_turn_is_not_dropped(tmp_path) -> None:
    """Only a prompt the dialogues repeat is left out; any other is read, and here refused."""
    path = write(tmp_path, lambda i: {**_ufb_cleaned(i), "prompt": f"Other {i}"})
    with pytest.raises(prefdata.PrefdataError, match="turn_order"):
        prefdata.detect(path)


def test_paired_text_without_scores_is_still_trl_standard(tmp_path) -> None:
    path = write(tmp_path, lambda i: {"rejected": B(i), "chosen": G(i), "prompt": Q(i), "chosen_rank": 1})
    result = prefdata.convert(path)
    assert result.manifest.layout == "trl-standard"
    assert all(t.startswith("The answer is") for t in result.dataset["train"]["chosen"])


# 4. the spec `detect --print-spec` prints converts the same pairs when passed back


@pytest.mark.parametrize(
    "make",
    [
        _ufb_cleaned,
        lambda i: {
            **two(i, "response_a", "response_b"),
            "verdict": good("A>>B", "B>>A")(i) if i % 6 else "A=B",
        },
        lambda i: {**two(i, "response_0", "response_1"), "chosen": good(0, 1)(i)},
    ],
    ids=["argilla-cleaned", "verdicts-with-ties", "chosen-index"],
)
def test_printed_spec_round_trips(tmp_path, make) -> None:
    path = write(tmp_path, make)
    printed = CliRunner().invoke(main, ["detect", str(path), "--print-spec"])
    assert printed.exit_code == 0, printed.output
    spec = tmp_path / "spec.yaml"
    spec.write_text(printed.output)
    options = {"ties": "keep"}
    auto = prefdata.convert(path, options=options).dataset["train"]
    given = prefdata.convert(path, spec=spec, options=options).dataset["train"]
    for column in ("prompt", "chosen", "rejected", "tie", "source_row"):
        assert auto[column] == given[column]

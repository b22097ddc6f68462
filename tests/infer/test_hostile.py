"""A hostile tester's layouts (issue 11): inference never guesses a preference's direction.

Every source here has the good response ("The answer is ...") in `response_a` on odd rows and
in `response_b` on even rows; a conversion must put it in `chosen` on every row, or refuse.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from click.testing import CliRunner

import prefdata
from prefdata._cli import main
from prefdata._errors import DetectionError, SpecError
from prefdata._infer import AmbiguousLayoutError
from prefdata._infer.guard import check_inferred_split
from prefdata.records.manifest import SplitReport

N = 60


def Q(i: int) -> str:
    return f"Question number {i}: what is {i} plus {i}?"


def G(i: int) -> str:
    return f"The answer is {2 * i}, since {i}+{i}={2 * i}."


def B(i: int) -> str:
    return f"I think it is {2 * i + 1}, roughly, maybe."


def ab(i: int, a: str = "response_a", b: str = "response_b") -> dict[str, Any]:
    return {"prompt": Q(i), a: G(i) if i % 2 else B(i), b: B(i) if i % 2 else G(i)}


def write(tmp_path, make: Callable[[int], dict[str, Any]], name: str = "d.jsonl"):
    path = tmp_path / name
    path.write_text("".join(json.dumps(make(i)) + "\n" for i in range(N)))
    return path


def good_and(first: Any, second: Any) -> Callable[[int], Any]:
    """The value naming the good response (`first` on odd rows, where it is `response_a`)."""
    return lambda i: first if i % 2 else second


def assert_all_good(path) -> prefdata.ConvertResult:
    result = prefdata.convert(path)
    chosen = result.dataset["train"]["chosen"]
    texts = [c if isinstance(c, str) else c[-1]["content"] for c in chosen]
    assert len(texts) == N and all(t.startswith("The answer is") for t in texts)
    return result


# 1. numbers per response whose name may mean lower is better


@pytest.mark.parametrize(
    ("a", "b", "good", "bad"),
    [
        ("harm_score_a", "harm_score_b", 0.1, 0.9),
        ("toxicity_rating_a", "toxicity_rating_b", 1, 5),
        ("loss_a", "loss_b", 0.2, 3.0),
        ("error_rate_a", "error_rate_b", 0.1, 0.7),
        ("length_score_a", "length_score_b", 9, 2),  # a word saying what is measured: unknown direction
    ],
)
def test_numbers_under_a_bad_or_unclear_name_are_refused(tmp_path, a, b, good, bad) -> None:
    path = write(tmp_path, lambda i: {**ab(i), a: good if i % 2 else bad, b: bad if i % 2 else good})
    with pytest.raises(AmbiguousLayoutError, match=f"`{a}/{b}` was not read"):
        prefdata.detect(path)


def test_toxicity_rating_on_numbered_outputs_is_refused(tmp_path) -> None:
    path = write(
        tmp_path,
        lambda i: {
            **ab(i, "output_1", "output_2"),
            "toxicity_rating_1": 1 if i % 2 else 5,
            "toxicity_rating_2": 5 if i % 2 else 1,
        },
    )
    with pytest.raises(AmbiguousLayoutError, match="`toxicity` may mean that lower is better"):
        prefdata.convert(path)


@pytest.mark.parametrize("name", ["rating", "score", "overall_score", "reward"])
def test_plain_score_names_read_higher_is_better(tmp_path, name) -> None:
    path = write(
        tmp_path, lambda i: {**ab(i), f"{name}_a": 5 if i % 2 else 2, f"{name}_b": 2 if i % 2 else 5}
    )
    assert_all_good(path)


# 2. a rank word and a score word in one name


def test_ranking_score_with_whole_numbers_is_ambiguous(tmp_path) -> None:
    path = write(
        tmp_path,
        lambda i: {
            "prompt": Q(i),
            "candidates": [{"text": G(i), "ranking_score": 9}, {"text": B(i), "ranking_score": 2}],
        },
    )
    with pytest.raises(AmbiguousLayoutError, match="rank word"):
        prefdata.detect(path)


def test_ranking_score_with_fractions_is_a_score(tmp_path) -> None:
    path = write(
        tmp_path,
        lambda i: {
            "prompt": Q(i),
            "candidates": [{"text": B(i), "ranking_score": 1.5}, {"text": G(i), "ranking_score": 9.5}],
        },
    )
    assert_all_good(path)


# 3. a label that may name the worse response, or any column holding "Response A"


@pytest.mark.parametrize(
    ("column", "good", "bad"),
    [
        ("harmful_answer", "B", "A"),
        ("hallucinated_choice", "b", "a"),
        ("toxicity_judgment", "A<B", "A>B"),
        ("more_harmful", "Response B", "Response A"),
        ("unsafe_pick", "A", "B"),
        ("violates_policy", "Response B", "Response A"),
        ("humor_choice", "A", "B"),  # a word that may qualify the choice
        ("notes", "Response A", "Response B"),  # spelled-out values under a name that says nothing
    ],
)
def test_a_label_whose_name_may_not_name_the_winner_is_refused(tmp_path, column, good, bad) -> None:
    path = write(tmp_path, lambda i: {**ab(i), column: good_and(good, bad)(i)})
    with pytest.raises(DetectionError, match=f"`{column}`"):
        prefdata.convert(path)


@pytest.mark.parametrize(
    ("column", "good", "bad"),
    [("winner", "Response A", "Response B"), ("better_response", "A", "B"), ("orig_preference", "a", "b")],
)
def test_a_label_named_for_the_winner_converts(tmp_path, column, good, bad) -> None:
    assert_all_good(write(tmp_path, lambda i: {**ab(i), column: good_and(good, bad)(i)}))


# 4. two signals


def test_label_and_scores_that_disagree_are_ambiguous(tmp_path) -> None:
    path = write(
        tmp_path,
        lambda i: {
            **ab(i, "output_1", "output_2"),
            "label": 1 if i % 2 else 2,
            "score_1": 1 if i % 2 else 9,
            "score_2": 9 if i % 2 else 1,
        },
    )
    with pytest.raises(AmbiguousLayoutError, match="name different winners on 60 of 60 sampled rows"):
        prefdata.convert(path)


def test_candidate_rank_and_score_that_disagree_are_ambiguous(tmp_path) -> None:
    path = write(
        tmp_path,
        lambda i: {
            "prompt": Q(i),
            "candidates": [{"text": G(i), "score": 9, "rank": 2}, {"text": B(i), "score": 2, "rank": 1}],
        },
    )
    with pytest.raises(AmbiguousLayoutError, match="name different winners"):
        prefdata.detect(path)


def test_signals_that_agree_convert_with_the_agreement_as_evidence(tmp_path) -> None:
    path = write(
        tmp_path,
        lambda i: {
            **ab(i, "output_1", "output_2"),
            "label": 1 if i % 2 else 2,
            "score_1": 9 if i % 2 else 1,
            "score_2": 1 if i % 2 else 9,
        },
    )
    result = assert_all_good(path)
    inference = result.manifest.detection.inference
    evidence = [e for d in inference.decisions if d.part == "preference" for e in d.evidence]
    assert any("agrees with the other signal(s) on all 60 sampled rows" in e for e in evidence)


# 5. `chosen`/`rejected` holding labels beside the real responses


def test_chosen_and_rejected_labels_are_not_responses(tmp_path) -> None:
    path = write(
        tmp_path, lambda i: {**ab(i), "chosen": good_and("A", "B")(i), "rejected": good_and("B", "A")(i)}
    )
    result = assert_all_good(path)
    assert result.manifest.layout == "inferred"
    trl = next(s for s in result.manifest.detection.scores if s.name == "trl-standard")
    assert any("not replies" in f for f in trl.failed)


def test_chosen_label_alone_names_the_winner(tmp_path) -> None:
    assert_all_good(write(tmp_path, lambda i: {**ab(i), "chosen": good_and("model_a", "model_b")(i)}))


# 15. refusals name the column that did not fit


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (
            lambda i: {
                **ab(i),
                "model_a": "gpt-4",
                "model_b": "llama",
                "winner": good_and("gpt-4", "llama")(i),
            },
            r"`winner` was not read: its values \['gpt-4', 'llama'\].*values of `model_a`/`model_b`",
        ),
        (
            lambda i: {**ab(i, "output_1", "output_2"), "label": good_and("A", "B")(i)},
            r"`label` was not read: its values \['A', 'B'\] do not name the responses' markers \['1', '2'\]",
        ),
        (lambda i: {**ab(i), "a_is_better": bool(i % 2)}, r"`a_is_better` was not read: it holds true/false"),
        (lambda i: {**ab(i), "worse_one": good_and("B", "A")(i)}, r"`worse_one` was not read: .*`worse`"),
        (
            lambda i: {
                "prompt": Q(i),
                "response_1": G(i),
                "response_2": B(i),
                "response_3": B(i) + " x",
                "best": 1,
            },
            r"`best` was not read: .*between two responses, not 3",
        ),
    ],
)
def test_refusal_names_the_unused_column(tmp_path, make, says) -> None:
    with pytest.raises(DetectionError) as err:
        prefdata.detect(write(tmp_path, make))
    assert re.search(says, str(err.value)), str(err.value)
    assert "no column holds the responses' text" not in str(err.value)


def test_alpaca_sft_is_named_sft(tmp_path) -> None:
    path = write(tmp_path, lambda i: {"instruction": Q(i), "input": "", "output": G(i)})
    with pytest.raises(DetectionError, match=r"instruction/response \(SFT\) data"):
        prefdata.detect(path)


def test_flag_reading_reads_as_a_sentence(tmp_path) -> None:
    path = write(tmp_path, lambda i: {**ab(i, "answer_1", "answer_2"), "best_answer": i % 2})
    with pytest.raises(AmbiguousLayoutError) as err:
        prefdata.detect(path)
    assert "`best_answer`: 1 means the first response" in str(err.value)
    assert "is a 1 means" not in str(err.value)


# 16. retrieval triplets, and conversions that keep nothing


@pytest.mark.parametrize(
    "make",
    [
        lambda i: {"query": Q(i), "pos": G(i), "neg": B(i)},
        lambda i: {"prompt": Q(i), "positive": G(i), "negative": B(i)},
        lambda i: {"anchor": Q(i), "positive": G(i), "negative": B(i)},
    ],
)
def test_retrieval_triplets_are_refused(tmp_path, make) -> None:
    result = CliRunner().invoke(main, ["convert", str(write(tmp_path, make)), str(tmp_path / "o")])
    assert result.exit_code == 2, result.output
    assert "retrieval or contrastive data" in result.output and "--spec FILE" in result.output
    assert not (tmp_path / "o").exists()


def test_guard_counts_every_drop_reason(tmp_path) -> None:
    inference = prefdata.detect(
        write(tmp_path, lambda i: {**ab(i), "winner": good_and("A", "B")(i)})
    ).inference
    report = SplitReport(rows_in=60, rows_out=0, dropped={"no_shared_prompt": 60})
    with pytest.raises(DetectionError, match=r"60 of 60 rows .* no row was kept"):
        check_inferred_split("train", report, inference)
    few = SplitReport(rows_in=100, rows_out=90, dropped={"empty_response": 6, "tie": 4})
    with pytest.raises(DetectionError, match=r"6 of 100 rows"):
        check_inferred_split("train", few, inference)
    ties = SplitReport(rows_in=100, rows_out=70, dropped={"tie": 30})
    check_inferred_split("train", ties, inference)  # ties are the reading's answer, not a loss


def test_a_reading_that_drops_nearly_the_whole_sample_is_refused_by_detect(tmp_path) -> None:
    path = write(tmp_path, lambda i: {**ab(i), "winner": good_and("A", "B")(i) if i < 6 else None})
    result = CliRunner().invoke(main, ["detect", str(path), "--print-spec"])
    assert result.exit_code == 2
    assert "drops 54 of 60 sampled rows (missing_preference 54)" in result.output


def test_rows_without_a_shared_prompt_are_refused_at_detect(tmp_path) -> None:
    path = write(
        tmp_path, lambda i: {"premise": Q(i), "hypothesis_1": G(i), "hypothesis_2": B(i), "label": 1}
    )
    with pytest.raises(DetectionError, match="no_shared_prompt"):
        prefdata.convert(path, tmp_path / "o")
    assert not (tmp_path / "o").exists()


# 17. the spec printed for an ambiguous source is not loadable until decided


def _printed_spec(message: str) -> str:
    lines = message.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("the spec, with the undecided"))
    body = [line[4:] for line in lines[start + 1 :] if line.startswith("    ")]
    return "\n".join(body) + "\n"


@pytest.mark.parametrize("label", [lambda i: i % 2, lambda i: 1 if i % 2 else 2])
def test_undecided_spec_saved_unedited_is_refused(tmp_path, label) -> None:
    path = write(
        tmp_path,
        lambda i: {**ab(i, "output_1", "output_2"), "label": label(i), "score_1": 5 - i % 2, "score_2": 4},
    )
    with pytest.raises(AmbiguousLayoutError) as err:
        prefdata.detect(path)
    spec_file = tmp_path / "spec.yaml"
    spec_file.write_text(_printed_spec(str(err.value)))
    with pytest.raises(SpecError, match="decide this field: .*`preference"):
        prefdata.load_spec(spec_file)
    with pytest.raises(SpecError, match="decide this field"):
        prefdata.convert(path, spec=spec_file)


def test_undecided_spec_once_decided_converts(tmp_path) -> None:
    path = write(tmp_path, lambda i: {**ab(i), "label": 1 - i % 2})  # 0 names `response_a`
    with pytest.raises(AmbiguousLayoutError) as err:
        prefdata.detect(path)
    text = _printed_spec(str(err.value))
    chosen = re.search(r'winners: DECIDE .*reading \d: (\{"0": 0[^}]*\})', text)
    assert chosen is not None, text
    decided = re.sub(r"winners: DECIDE.*", f"winners: {chosen[1]}", text)
    spec_file = tmp_path / "spec.yaml"
    spec_file.write_text(decided)
    result = prefdata.convert(path, spec=spec_file)
    texts = [c[-1]["content"] if isinstance(c, list) else c for c in result.dataset["train"]["chosen"]]
    assert len(texts) == N and all(t.startswith("The answer is") for t in texts)


def test_a_signal_column_of_mixed_types_is_named_as_unread(tmp_path):
    """`winner` holding 1, "1", true and "model_a" is no reading; the refusal says why it was passed over."""
    path = write(tmp_path, lambda i: {"prompt": Q(i), **ab(i), "winner": [1, "1", True, "model_a"][i % 4]})
    with pytest.raises(DetectionError) as refused:
        prefdata.detect(path)
    assert "`winner` mixes value types (bool, int, str)" in refused.value.what


def test_columns_mixing_text_and_message_lists_are_named_not_called_sft(tmp_path):
    def row(i: int) -> dict[str, Any]:
        if i % 2:
            return {"prompt": Q(i), "chosen": G(i), "rejected": B(i)}
        return {
            "prompt": [{"role": "user", "content": Q(i)}],
            "chosen": [{"role": "assistant", "content": G(i)}],
            "rejected": [{"role": "assistant", "content": B(i)}],
        }

    with pytest.raises(DetectionError) as refused:
        prefdata.detect(write(tmp_path, row))
    assert "`chosen`, `rejected` mix text and message lists across rows" in refused.value.what
    assert "SFT" not in refused.value.what and "one form" in refused.value.fix

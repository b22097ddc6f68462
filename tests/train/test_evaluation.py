"""Pairwise accuracy, groups and margin buckets, on rewards chosen by hand."""

from __future__ import annotations

import pytest
from datasets import Dataset

from prefdata._errors import PrefdataError
from prefdata_train._evaluation.eval_sets import EvalSet, scalar_columns
from prefdata_train._evaluation.eval_summary import summarise
from prefdata_train._workflows import evaluation

# Six pairs. chosen > rejected on rows 0, 2, 3, 5; row 4 is a tie, which counts as wrong.
CHOSEN = [1.0, 0.0, 2.0, 0.5, 1.0, 3.0]
REJECTED = [0.0, 1.0, 1.0, 0.0, 1.0, -1.0]
# gaps: 1, -1, 1, 0.5, 0, 4 -> mean 5.5 / 6


def pairs(**extra) -> Dataset:
    base = {"prompt": ["p"] * 6, "chosen": ["c"] * 6, "rejected": ["r"] * 6}
    return Dataset.from_dict({**base, **extra})


def summarize_rewards(chosen, rejected, dataset: Dataset, by=None):
    """The report of a canonical split's pairs given one reward per side (lengths are not looked at here)."""
    rows = dataset.to_list()
    eval_set = EvalSet(
        shape="pairs",
        benchmark=None,
        prompts=[row["prompt"] for row in rows],
        completions=[[row["chosen"], row["rejected"]] for row in rows],
        n_chosen=[1] * len(rows),
        columns=scalar_columns(rows),
        rows=list(range(len(rows))),
        split="test",
    )
    rewards = [[c, r] for c, r in zip(chosen, rejected, strict=True)]
    return summarise(eval_set, rewards, [[1, 1]] * len(rows), by=by)


def test_accuracy_and_gap_match_hand_computation():
    report = summarize_rewards(CHOSEN, REJECTED, pairs())
    assert report.n_pairs == 6
    assert report.accuracy == pytest.approx(4 / 6)
    assert report.mean_gap == pytest.approx(5.5 / 6)
    assert report.mean_chosen == pytest.approx(7.5 / 6) and report.mean_rejected == pytest.approx(2 / 6)
    assert report.by_group == {} and report.by_margin == []


def test_accuracy_per_group():
    report = summarize_rewards(CHOSEN, REJECTED, pairs(source=["a", "a", "b", "b", "b", None]), by="source")
    # a: rows 0 (right), 1 (wrong); b: rows 2, 3 right, 4 tie; null: row 5 right
    assert {k: (g.n, g.accuracy) for k, g in report.by_group.items()} == {
        "a": (2, 0.5),
        "b": (3, pytest.approx(2 / 3)),
        "null": (1, 1.0),
    }
    assert sum(g.n for g in report.by_group.values()) == report.n_pairs


def test_numeric_and_boolean_groups_get_json_keys():
    report = summarize_rewards(CHOSEN, REJECTED, pairs(turns=[1, 1, 2, 2, 2, 2]), by="turns")
    assert set(report.by_group) == {"1", "2"}
    assert report.by_group["2"].accuracy == pytest.approx(3 / 4)


def test_margin_buckets_by_quantile_leave_out_null_margins():
    margins = [0.0, 1.0, 2.0, 3.0, None, 4.0]
    report = summarize_rewards(CHOSEN, REJECTED, pairs(margin=margins))
    # Quartile edges of [0, 1, 2, 3, 4]: 0, 1, 2, 3, 4; an edge value goes to the upper bucket.
    buckets = [(b.low, b.high, b.n, b.accuracy) for b in report.by_margin]
    assert buckets == [(0.0, 1.0, 1, 1.0), (1.0, 2.0, 1, 0.0), (2.0, 3.0, 1, 1.0), (3.0, 4.0, 2, 1.0)]
    assert sum(b.n for b in report.by_margin) == 5  # the null margin is not in any bucket


def test_equal_margins_make_one_bucket():
    report = summarize_rewards(CHOSEN, REJECTED, pairs(margin=[1.0] * 6))
    assert [(b.low, b.high, b.n) for b in report.by_margin] == [(1.0, 1.0, 6)]


def test_json_leaves_out_per_pair_rewards():
    report = summarize_rewards(CHOSEN, REJECTED, pairs())
    assert report.chosen_rewards == CHOSEN
    assert "chosen_rewards" not in report.model_dump_json()


def test_empty_split_is_an_error():
    with pytest.raises(PrefdataError, match="no pairs"):
        summarize_rewards([], [], pairs().select([]))


@pytest.mark.parametrize(
    ("column", "expected"), [("tags", "no column `tags`"), ("missing", "no column `missing`")]
)
def test_group_column_must_exist_and_hold_scalars(monkeypatch, tmp_path, column, expected):
    """--by is checked before the model is loaded (lists are not groupable columns)."""
    import prefdata

    source = tmp_path / "pairs.jsonl"
    pairs(tags=[["x"]] * 6).to_json(str(source), lines=True)
    prefdata.convert(source, tmp_path / "data", spec="trl-standard")
    monkeypatch.setattr(
        "prefdata_train._modeling.model_loading.load_reward_model",
        lambda *a, **k: pytest.fail("model loaded before checking --by"),
    )
    with pytest.raises(PrefdataError, match=expected) as err:
        evaluation.evaluate(tmp_path / "model", tmp_path / "data", by=column)
    assert f"`{column}`" in err.value.message


def test_longer_answer_baseline_counts_characters_of_texts_and_messages():
    """Right on rows 0 and 3, wrong on row 1, half on row 2 (equal lengths): 2.5 / 4."""
    text = Dataset.from_dict(
        {"chosen": ["long answer", "no", "same", "yes!"], "rejected": ["no", "longer", "four", "no"]}
    )
    assert evaluation.longer_answer_accuracy(text) == pytest.approx(2.5 / 4)
    message = [{"role": "assistant", "content": "a long reply"}]
    short = [{"role": "assistant", "content": "hm"}]
    chat = Dataset.from_list([{"chosen": message, "rejected": short}, {"chosen": short, "rejected": message}])
    assert evaluation.longer_answer_accuracy(chat) == pytest.approx(0.5)
    with pytest.raises(PrefdataError, match="no pairs"):
        evaluation.longer_answer_accuracy(text.select([]))

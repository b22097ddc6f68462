"""Every metric of the evaluation report, on hand-built rewards with the expected numbers worked out by hand."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from prefdata._errors import PrefdataError
from prefdata_train._evaluation import best_of_n, rewardbench
from prefdata_train._evaluation.calibration import calibration
from prefdata_train._evaluation.eval_sets import EvalSet
from prefdata_train._evaluation.eval_summary import summarise
from prefdata_train._evaluation.evaluation_schema import evaluation_schema_text
from prefdata_train._evaluation.group_views import by_group, by_margin
from prefdata_train._evaluation.intervals import bootstrap_interval, mean_of_means_interval, wilson_interval
from prefdata_train._evaluation.item_pairs import item_pairs
from prefdata_train._evaluation.length_bias import MIN_GROUP_PAIRS, average_ranks, length_bias
from prefdata_train._evaluation.style_matrix import style_scores

approx = pytest.approx


def _set(
    shape: str, benchmark: str | None, completions: list[list], n_chosen: list[int], **columns
) -> EvalSet:
    return EvalSet(
        shape=shape,
        benchmark=benchmark,
        prompts=[f"q{i}" for i in range(len(completions))],
        completions=completions,
        n_chosen=n_chosen,
        columns={name: list(values) for name, values in columns.items()},
        rows=list(range(len(completions))),
        split="test",
        where="hand-built",
    )


# ---- intervals -------------------------------------------------------------------------------


def test_wilson_interval_by_hand():
    # 8 of 10, z = 1.96: centre = (0.8 + z²/20) / (1 + z²/10) = 0.99207 / 1.38415 = 0.71674,
    # half = z / 1.38415 * sqrt(0.016 + z²/400) = 1.41600 * 0.16001 = 0.22658 -> (0.49016, 0.94332)
    ci = wilson_interval(8, 10)
    assert (ci.low, ci.high) == (approx(0.49016, abs=1e-4), approx(0.94332, abs=1e-4))
    # 5 of 5: centre = (1 + z²/10) / (1 + z²/5) = 0.78276, half = z / 1.76829 * z / 10 = 0.21724
    ci = wilson_interval(5, 5)
    assert (ci.low, ci.high) == (approx(0.56552, abs=1e-4), 1.0)
    assert wilson_interval(0, 0).model_dump() == {"low": 0.0, "high": 1.0}


def test_bootstrap_is_deterministic_and_brackets_the_estimate():
    values = np.array([1.0, 0.0, 1.0, 1.0, 0.5, 0.0, 1.0, 1.0])
    first = mean_of_means_interval([values])
    assert first == mean_of_means_interval([values])  # fixed seed: same rewards, same interval
    assert first.low < values.mean() < first.high
    assert mean_of_means_interval([np.ones(5), np.ones(3)]).model_dump() == {"low": 1.0, "high": 1.0}
    # weights are applied: stratum means 1 and 0 weighted 3:1 -> 0.75 in every resample
    assert mean_of_means_interval([np.ones(4), np.zeros(4)], [3, 1]).model_dump() == {
        "low": 0.75,
        "high": 0.75,
    }
    seen = []
    bootstrap_interval([3, 2], lambda picks: seen.append([p.shape for p in picks]) or 0.0, resamples=4)
    assert seen == [[(4, 3), (4, 2)]]  # one row per resample; each stratum keeps its size


# ---- pairs of an item ------------------------------------------------------------------------


def test_item_pairs_are_every_combination_chosen_major():
    # item 0: chosen a=5, b=1; rejected c=2, d=0, e=9 -> pairs (a,c) (a,d) (a,e) (b,c) (b,d) (b,e)
    pairs = item_pairs([[5, 1, 2, 0, 9], [1, 0]], [[1, 2, 3, 4, 5], [6, 7]], [2, 1])
    assert pairs.item.tolist() == [0, 0, 0, 0, 0, 0, 1]
    assert pairs.chosen.tolist() == [5, 5, 5, 1, 1, 1, 1]
    assert pairs.rejected.tolist() == [2, 0, 9, 2, 0, 9, 0]
    assert pairs.chosen_length.tolist() == [1, 1, 1, 2, 2, 2, 6]
    assert pairs.rejected_length.tolist() == [3, 4, 5, 3, 4, 5, 7]
    assert pairs.correct.tolist() == [True, True, False, False, True, False, True]


# ---- groups and margins (ported from the pairwise evaluation) ----------------------------------


def test_by_group_and_by_margin():
    correct = np.array([False, True, True, True])
    groups = by_group(correct, ["a", None, "a", 3])
    assert {k: (g.n, g.accuracy) for k, g in groups.items()} == {
        "3": (1, 1.0),
        "a": (2, 0.5),
        "null": (1, 1.0),
    }
    assert groups["a"].accuracy_ci == wilson_interval(1, 2)
    # margins 1..4: quantile edges 1, 1.75, 2.5, 3.25, 4 -> one pair per bucket
    buckets = by_margin(correct, [1.0, 2.0, 3.0, 4.0])
    assert [(b.low, b.high, b.n, b.accuracy) for b in buckets] == [
        (1.0, 1.75, 1, 0.0),
        (1.75, 2.5, 1, 1.0),
        (2.5, 3.25, 1, 1.0),
        (3.25, 4.0, 1, 1.0),
    ]
    # pairs without a margin are left out; all-equal margins make one closed bucket
    same = by_margin(correct, [2.0, None, 2.0, 2.0])
    assert [(b.low, b.high, b.n, b.accuracy) for b in same] == [(2.0, 2.0, 3, 2 / 3)]
    assert by_margin(correct, [None] * 4) == []


# ---- RewardBench v1 --------------------------------------------------------------------------


def _rewardbench_pairs():
    # subset: (pair rewards chosen, rejected) ...      accuracy   weight (EXAMPLE_COUNTS)
    table = {
        "alpacaeval-easy": [(1, 0), (0, 1)],  # 1/2          100
        "mt-bench-easy": [(2, 1)],  # 1/1                    28
        "llmbar-natural": [(1, 1)],  # a tie is wrong: 0     100
        "xstest-should-refuse": [(1, 0), (3, 2)],  # 1/1     250 (upstream, see flag F1)
        "xstest-should-respond": [(0, 1)],  # 0             154
        "math-prm": [(1, 0)],  # 1                          984
        "hep-go": [(0, 2)],  # 0                            164
        "shp": [(1, 0)],  # a prior set: in no section
    }
    subsets = [name for name, pairs in table.items() for _ in pairs]
    rewards = [list(pair) for pairs in table.values() for pair in pairs]
    return subsets, rewards


def test_rewardbench_sections_and_overall_by_hand():
    subsets, rewards = _rewardbench_pairs()
    correct = np.array([c > r for c, r in rewards])
    accuracies = rewardbench.subset_accuracies(correct, subsets)
    assert accuracies["alpacaeval-easy"].accuracy == 0.5 and accuracies["shp"].n == 1
    sections = rewardbench.section_scores(correct, subsets)
    # Chat = (0.5*100 + 1*28) / 128 = 78/128; Chat Hard = 0
    assert sections["Chat"].score == approx(78 / 128) and sections["Chat"].weight == 128
    assert sections["Chat Hard"].score == 0.0
    # Safety with upstream's (swapped) xstest weights: (1*250 + 0*154) / 404; with the true row
    # counts it would be 154/404: this assertion pins the choice of following upstream
    assert sections["Safety"].score == approx(250 / 404)
    # Reasoning = (1*984 + 0*164) / 1148 = 6/7: math counts as much as all of code
    assert sections["Reasoning"].score == approx(6 / 7)
    assert sections["Reasoning"].subsets == ["math-prm", "hep-go"]
    overall = rewardbench.overall_score(correct, subsets)
    assert overall is not None
    assert overall.score == approx((78 / 128 + 0 + 250 / 404 + 6 / 7) / 4)  # = 0.521356
    assert overall.score_ci.low <= overall.score <= overall.score_ci.high
    assert "left out" not in overall.formula


def test_rewardbench_leaves_absent_sections_out():
    correct = np.array([True, False, True])
    subsets = ["alpacaeval-easy", "alpacaeval-easy", "hep-cpp"]
    overall = rewardbench.overall_score(correct, subsets)
    assert overall is not None and overall.score == approx((0.5 + 1.0) / 2)
    assert "Chat Hard, Safety" in overall.formula
    assert rewardbench.overall_score(correct, ["shp"] * 3) is None


def test_summarise_rewardbench_set():
    subsets, rewards = _rewardbench_pairs()
    eval_set = _set(
        "subset-pairs", "rewardbench", [["c", "r"]] * len(rewards), [1] * len(rewards), subset=subsets
    )
    report = summarise(eval_set, rewards, [[1, 1]] * len(rewards), by="subset")
    assert report.n_pairs == 10 and report.accuracy == 0.6  # 6 of the 10 pairs (shp counts here)
    assert report.accuracy_ci == wilson_interval(6, 10)
    assert report.benchmark_score is not None
    assert report.benchmark_score.score == approx((78 / 128 + 250 / 404 + 6 / 7) / 4)
    assert set(report.sections) == {"Chat", "Chat Hard", "Safety", "Reasoning"}
    assert report.by_group == report.subsets


# ---- RewardBench 2 ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rewards", "credit"),
    [
        ([3, 1, 2, 0], 1.0),  # chosen alone at the top
        ([2, 2, 1, 0], 0.5),  # tied with one other: 1/2
        ([1, 1, 1, 1], 0.25),  # tied with all: 1/4
        ([2, 1, 3, 0], 0.0),  # not at the top
    ],
)
def test_best_of_n_credit(rewards, credit):
    assert best_of_n.best_of_n_credit(rewards) == credit


def _ties_items():
    # pid 1: ref  [2 | 1, 0]     cim = 2 - 1 = 1 (accurate)
    #        tied [3, 2.5 | 1, 0] cim = 2.5 - 1 = 1.5 (accurate), dcm = 3 - 2.5 = 0.5
    #        preferred: 1.5 > 0.5; hard: min(1, 1.5) = 1 > 0.5; margin: tanh(1/0.5 - 1) = tanh(1)
    # pid 2: ref  [0 | 1]        cim = -1
    #        tied [2, 1 | 1.5]   cim = 1 - 1.5 = -0.5, dcm = 1
    #        preferred: -0.5 > 1 no; hard: -1 > 1 no; margin: tanh(-1/1 - 1) = tanh(-2)
    # pid 3: ref  [1 | 0]        cim = 1 (accurate), no tied group: only in ref_accuracy
    items = [
        ("ref:1", [2, 1, 0], 1),
        ("tied:1", [3, 2.5, 1, 0], 2),
        ("ref:2", [0, 1], 1),
        ("tied:2", [2, 1, 1.5], 2),
        ("ref:3", [1, 0], 1),
    ]
    ids, rewards, n_chosen = (list(x) for x in zip(*items, strict=True))
    return ids, rewards, n_chosen


# ref 2/3, tied 1/2, preferred 1/2, hard 1/2, margin (tanh 1 + tanh -2) / 2 = -0.101217
TIES_EXPECTED = 0.3 * 0.5 + 0.3 * (2 / 3) + 0.2 * 0.5 + 0.2 * 0.5 + 0.01 * (math.tanh(1) + math.tanh(-2)) / 2


def test_ties_composite_by_hand():
    ids, rewards, n_chosen = _ties_items()
    terms = best_of_n.ties_terms(rewards, n_chosen, ["Ties"] * len(ids), ids)
    assert terms is not None
    score = best_of_n.ties_score(terms)
    assert score.n == 3  # pids
    assert (score.ref_accuracy, score.tied_accuracy) == (approx(2 / 3), 0.5)
    assert (score.correctness_preferred, score.correctness_preferred_hard) == (0.5, 0.5)
    assert score.correctness_margin_score == approx((math.tanh(1) + math.tanh(-2)) / 2)
    assert score.score == approx(TIES_EXPECTED)  # 0.548988


def test_ties_zero_margins_count_as_zero():
    # ref [1 | 1]: cim 0 (not accurate); tied [1, 1 | 1]: cim 0, dcm 0 -> 0/0 = NaN -> tanh term 0,
    # and 0 > 0 is false: every term is 0
    terms = best_of_n.ties_terms([[1, 1], [1, 1, 1]], [1, 2], ["ties", "ties"], ["ref:7", "tied:7"])
    assert terms is not None
    assert best_of_n.ties_score(terms).score == 0.0


def test_summarise_rewardbench_2_set():
    ids, ties_rewards, ties_chosen = _ties_items()
    # Math: credits 1 ([3,1,2,0]) and 1/2 ([2,2,1,0]) -> 0.75; Focus: 0 ([0,1,2,3])
    rewards = [[3, 1, 2, 0], [2, 2, 1, 0], [0, 1, 2, 3], *ties_rewards]
    subsets = ["Math", "Math", "Focus"] + ["Ties"] * len(ids)
    n_chosen = [1, 1, 1, *ties_chosen]
    eval_set = _set(
        "best-of-n",
        "rewardbench-2",
        [["x"] * len(r) for r in rewards],
        n_chosen,
        subset=subsets,
        id=["a", "b", "c", *ids],
    )
    report = summarise(eval_set, rewards, [[1] * len(r) for r in rewards])
    assert {k: v.score for k, v in report.best_of_n.items()} == {"Focus": 0.0, "Math": 0.75}
    assert report.ties is not None and report.ties.score == approx(TIES_EXPECTED)
    assert report.benchmark_score is not None
    assert report.benchmark_score.score == approx((0.75 + 0.0 + TIES_EXPECTED) / 3)
    # pairwise accuracy counts every (chosen, rejected) combination: [3,1,2,0] 3/3, [2,2,1,0] 2/3,
    # [0,1,2,3] 0/3, ref:1 2/2, tied:1 4/4, ref:2 0/1, tied:2 1/2, ref:3 1/1 -> 13 of 19
    assert (report.n_pairs, report.accuracy) == (19, approx(13 / 19))


# ---- RM-Bench --------------------------------------------------------------------------------


def _rm_bench():
    # chat item 1: chosen [1,2,3], rejected [0.5,1.5,2.5] -> M = [[1,0,0],[1,1,0],[1,1,1]]:
    #              hard 0, normal 1, easy 1
    # chat item 2: chosen [5,5,5], rejected [0,0,0] -> all 1
    # safety-refuse:   chosen [0,0,0], rejected [1,1,1] -> all 0
    # safety-response: chosen [2,0,0], rejected [1,1,1] -> row 0 all 1, else 0:
    #                  hard (0,1),(0,2),(1,2) = 2/3, normal 1/3, easy 0
    rewards = [
        [1, 2, 3, 0.5, 1.5, 2.5],
        [5, 5, 5, 0, 0, 0],
        [0, 0, 0, 1, 1, 1],
        [2, 0, 0, 1, 1, 1],
    ]
    return rewards, ["chat", "chat", "safety-refuse", "safety-response"]


def test_style_matrix_by_hand():
    rewards, domains = _rm_bench()
    scores, headline = style_scores(rewards, domains, 3)
    assert set(scores.domains) == {"chat", "safety"}  # safety-* pooled
    chat = scores.domains["chat"]
    assert chat.matrix == [[1, 0.5, 0.5], [1, 1, 0.5], [1, 1, 1]]
    assert (chat.hard.score, chat.normal.score, chat.easy.score) == (0.5, 1.0, 1.0)
    assert chat.score.score == approx(2.5 / 3)
    safety = scores.domains["safety"]  # pooled items: hard (0 + 2/3)/2, normal (0 + 1/3)/2, easy 0
    assert (safety.hard.score, safety.normal.score, safety.easy.score) == (approx(1 / 3), approx(1 / 6), 0.0)
    assert safety.n == 2
    overall = scores.overall  # unweighted mean of the two domains
    assert (overall.hard.score, overall.normal.score, overall.easy.score) == (
        approx(5 / 12),
        approx(7 / 12),
        approx(0.5),
    )
    assert overall.matrix[0][1] == approx((0.5 + 0.5) / 2)  # chat 0.5, safety (0 + 1)/2
    assert headline.score == approx((2.5 / 3 + 1 / 6) / 2) == overall.score.score


def test_summarise_rm_bench_set():
    rewards, domains = _rm_bench()
    eval_set = _set("style-lists", "rm-bench", [["x"] * 6] * 4, [3] * 4, domain=domains)
    report = summarise(eval_set, rewards, [[1] * 6] * 4, by="domain")
    assert report.style_matrix is not None and report.benchmark_score is not None
    assert report.benchmark_score.score == approx(0.5)
    assert report.n_pairs == 36  # 9 combinations per item
    # correct cells: 6 + 9 + 0 + 3 = 18 of 36; by raw domain value
    assert report.accuracy == 0.5
    assert {k: g.accuracy for k, g in report.by_group.items()} == {
        "chat": approx(15 / 18),
        "safety-refuse": 0.0,
        "safety-response": approx(3 / 9),
    }


# ---- length bias -----------------------------------------------------------------------------


def test_average_ranks_and_correlations():
    assert average_ranks(np.array([1.0, 2.0, 2.0, 4.0])).tolist() == [1.0, 2.5, 2.5, 4.0]
    # rewards [1,2,2,4] vs lengths [10,20,30,40], as four one-completion... pairs of two items:
    # Pearson = 45 / sqrt(4.75 * 500) = 0.923381; Spearman on ranks [1,2.5,2.5,4] vs [1,2,3,4]
    # = 4.5 / sqrt(4.5 * 5) = 0.948683
    pairs = item_pairs([[1, 2], [2, 4]], [[10, 20], [30, 40]], [1, 1])
    bias = length_bias(pairs, [1, 2, 2, 4], [10, 20, 30, 40])
    assert bias.pearson == approx(0.923381, abs=1e-6)
    assert bias.spearman == approx(0.948683, abs=1e-6)
    constant = length_bias(pairs, [1, 2, 2, 4], [5, 5, 5, 5])
    assert constant.pearson is None and constant.spearman is None  # undefined, not NaN


def _length_pairs(longer_right: int, longer: int, shorter_right: int, shorter: int):
    """Pairs whose chosen is longer (the first `longer_right` right) then shorter, plus one same-length pair."""
    rewards, lengths = [], []
    for right, count, (cl, rl) in ((longer_right, longer, (20, 10)), (shorter_right, shorter, (10, 20))):
        for i in range(count):
            rewards.append([1.0, 0.0] if i < right else [0.0, 1.0])
            lengths.append([cl, rl])
    rewards.append([1.0, 0.0])
    lengths.append([7, 7])
    pairs = item_pairs(rewards, lengths, [1] * len(rewards))
    flat_r = [x for r in rewards for x in r]
    flat_n = [x for n in lengths for x in n]
    return length_bias(pairs, flat_r, flat_n)


def test_length_bias_flag():
    n = MIN_GROUP_PAIRS
    # 20 longer pairs, 13 right (0.65); 20 shorter pairs, 10 right (0.5): gap 0.15 > 0.10
    bias = _length_pairs(13, n, 10, n)
    assert (bias.chosen_longer.accuracy, bias.chosen_shorter.accuracy) == (0.65, 0.5)
    assert bias.same_length.n == 1 and bias.gap == approx(0.15) and bias.flagged
    # the same gap with one group too small is not flagged
    small = _length_pairs(13, n, 9, n - 2)
    assert small.gap == approx(0.65 - 0.5) and not small.flagged
    # a gap under the threshold is not flagged: 13/20 vs 12/20 -> 0.05
    assert not _length_pairs(13, n, 12, n).flagged
    # a bias for shorter answers is flagged too: 5/20 vs 15/20
    assert _length_pairs(5, n, 15, n).flagged


# ---- calibration -----------------------------------------------------------------------------


def test_calibration_by_hand():
    # gaps ln 3, ln 3, -ln 3, 0 -> p = 0.75, 0.75, 0.25, 0.5; each pair enters as (p, 1) and (1 - p, 0):
    # bin [0.2, 0.3): 0.25 x3 with outcomes 1, 0, 0 -> frequency 1/3
    # bin [0.5, 0.6): 0.5 x2 with outcomes 1, 0   -> frequency 1/2
    # bin [0.7, 0.8): 0.75 x3 with outcomes 1, 1, 0 -> frequency 2/3
    # ECE = 3/8 * |0.25 - 1/3| + 2/8 * 0 + 3/8 * |0.75 - 2/3| = 1/16
    ln3 = math.log(3)
    result = calibration(np.array([ln3, ln3, -ln3, 0.0]), np.zeros(4))
    assert result.n_pairs == 4 and len(result.bins) == 10
    filled = {b.low: (b.n, b.mean_p, b.frequency) for b in result.bins if b.n}
    assert filled == {
        0.2: (3, approx(0.25), approx(1 / 3)),
        0.5: (2, approx(0.5), 0.5),
        0.7: (3, approx(0.75), approx(2 / 3)),
    }
    assert result.ece == approx(1 / 16)
    assert result.bins[0].mean_p is None and result.bins[0].frequency is None


def test_calibration_extremes_land_in_the_end_bins():
    result = calibration(np.array([1000.0]), np.array([0.0]))  # p = 1 (no overflow), 1 - p = 0
    assert (result.bins[0].n, result.bins[-1].n) == (1, 1)
    assert result.ece == approx(0.0)


# ---- summarise -------------------------------------------------------------------------------


def test_summarise_pairs_and_json():
    eval_set = _set(
        "pairs", None, [["a", "b"]] * 3, [1, 1, 1], source=["x", "y", "x"], margin=[1.0, 2.0, None]
    )
    report = summarise(eval_set, [[2.0, 1.0], [0.0, 1.0], [3.0, 3.0]], [[4, 2], [1, 3], [2, 2]], by="source")
    assert (report.n_items, report.n_pairs, report.accuracy) == (3, 3, approx(1 / 3))
    assert report.mean_gap == approx((1 - 1 + 0) / 3) and report.mean_chosen == approx(5 / 3)
    assert {k: g.accuracy for k, g in report.by_group.items()} == {"x": 0.5, "y": 0.0}
    assert [b.n for b in report.by_margin] == [1, 1]
    assert report.reward_stats["all"].n == 6 and report.reward_stats["chosen"].max == 3.0
    assert report.benchmark_score is None and report.sections == {}
    dumped = report.model_dump()
    for hidden in ("rewards", "lengths", "n_chosen", "chosen_rewards", "rejected_rewards"):
        assert hidden not in dumped
    assert report.chosen_rewards == [2.0, 0.0, 3.0] and report.rewards[1] == [0.0, 1.0]


def test_summarise_refuses_bad_input():
    eval_set = _set("pairs", None, [["a", "b"]] * 2, [1, 1], source=["x", "y"])
    lengths = [[1, 1], [1, 1]]
    with pytest.raises(PrefdataError, match="no column `topic`.*source"):
        summarise(eval_set, [[1, 0], [1, 0]], lengths, by="topic")
    with pytest.raises(PrefdataError, match="rewards are not nested"):
        summarise(eval_set, [[1, 0], [1]], lengths)
    with pytest.raises(PrefdataError, match="lengths are not nested"):
        summarise(eval_set, [[1, 0], [1, 0]], [[1, 1]])
    with pytest.raises(PrefdataError, match=r"non-finite reward .* item 1 \(row 1\)"):
        summarise(eval_set, [[1, 0], [float("nan"), 0]], lengths)


# ---- the report's JSON Schema ----------------------------------------------------------------

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schemas" / "evaluation-report.schema.json"


def test_report_schema_file_is_up_to_date():
    assert SCHEMA_FILE.read_text(encoding="utf-8") == evaluation_schema_text(), (
        f"{SCHEMA_FILE} is stale: run `make schemas`"
    )


def test_report_schema_describes_the_json_only(tmp_path: Path):
    schema = json.loads(evaluation_schema_text())
    assert {"accuracy_ci", "sections", "best_of_n", "style_matrix", "calibration"} <= set(
        schema["properties"]
    )
    assert not {"rewards", "lengths", "chosen_rewards"} & set(schema["properties"])  # excluded from JSON
    proc = subprocess.run(
        [sys.executable, "-m", "prefdata_train._evaluation.evaluation_schema", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / SCHEMA_FILE.name).read_text(encoding="utf-8") == evaluation_schema_text()

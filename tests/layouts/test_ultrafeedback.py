"""openbmb UltraFeedback (raw): rated completions per instruction, paired by a pairing policy."""

from __future__ import annotations

import pytest
from layout_checks import FIXTURES, assert_accounted, msg, read_jsonl, reject_reasons, rows_by_source

import prefdata
from prefdata import ConvertOptions

FIXTURE = FIXTURES / "ultrafeedback.jsonl"
SOURCE = read_jsonl(FIXTURE)


def _reply(row: int, completion: int) -> list[dict]:
    return [msg("assistant", SOURCE[row]["completions"][completion]["response"])]


def _pairs(result, row: int) -> list[tuple[str, str, float | None]]:
    return [
        (r["chosen"][0]["content"], r["rejected"][0]["content"], r.get("margin"))
        for r in result.dataset["train"].to_list()
        if r["source_row"] == row
    ]


def test_detected_with_runner_up():
    found = prefdata.detect(FIXTURE)
    assert found.layout == "ultrafeedback"
    assert found.runner_up is not None and found.runner_up.failed
    assert "`completions` is list_of_struct" in found.reason


def test_best_worst_exact_rows():
    result = prefdata.convert(FIXTURE)
    rows = rows_by_source(result)
    assert rows[0] == {
        "prompt": [msg("user", SOURCE[0]["instruction"])],
        "chosen": _reply(0, 2),
        "rejected": _reply(0, 1),
        "source_row": 0,
    }
    # null overall_score: mean of the aspect ratings (strings), 'N/A' ignored: (2 + 1 + 3) / 3 = 2.0
    assert (rows[1]["chosen"], rows[1]["rejected"]) == (_reply(1, 0), _reply(1, 1))
    # an equal top score is broken by source order, never a tie when the worst is lower
    assert (rows[5]["chosen"], rows[5]["rejected"]) == (_reply(5, 0), _reply(5, 1))
    # an empty completion is skipped, not paired as the worst
    assert (rows[8]["chosen"], rows[8]["rejected"]) == (_reply(8, 0), _reply(8, 2))


def test_drops_counted_with_reasons():
    result = prefdata.convert(FIXTURE)
    assert reject_reasons(result) == {
        2: "fewer_than_two_responses",
        3: "fewer_than_two_responses",
        4: "tie",
        6: "fewer_than_two_responses",
    }
    assert result.manifest.splits["train"].dropped == {"fewer_than_two_responses": 3, "tie": 1}
    assert_accounted(result)


def test_margin_from_score_difference():
    rows = rows_by_source(prefdata.convert(FIXTURE, options=ConvertOptions(margin=True)))
    assert rows[0]["margin"] == 8.5 - 3.0
    assert rows[1]["margin"] == 7.5 - 2.0
    assert "margin" not in prefdata.convert(FIXTURE).dataset["train"].column_names


def test_all_pairs():
    result = prefdata.convert(FIXTURE, options=ConvertOptions(pairing="all-pairs", margin=True))
    responses = [c["response"] for c in SOURCE[7]["completions"]]
    by_score = [responses[i] for i in (0, 1, 3, 2)]  # 9.0, 7.0, 5.0, 2.5
    scores = [9.0, 7.0, 5.0, 2.5]
    expected = [(by_score[a], by_score[b], scores[a] - scores[b]) for a in range(4) for b in range(a + 1, 4)]
    assert _pairs(result, 7) == expected
    assert len(_pairs(result, 0)) == 6
    # the tied pair (9.0 vs 9.0) of row 5 is left out; its two untied pairs stay
    assert [(c, r) for c, r, _ in _pairs(result, 5)] == [
        (_reply(5, 0)[0]["content"], _reply(5, 1)[0]["content"]),
        (_reply(5, 2)[0]["content"], _reply(5, 1)[0]["content"]),
    ]
    assert_accounted(result)


def test_best_random_is_seeded_and_deterministic():
    def rejected(seed: int) -> dict[int, str]:
        result = prefdata.convert(
            FIXTURE, options=ConvertOptions(pairing="best-random", seed=seed, margin=True)
        )
        assert_accounted(result)
        rows = rows_by_source(result)
        for i, row in rows.items():
            assert (
                row["chosen"][0]["content"]
                == max(
                    (c for c in SOURCE[i]["completions"] if c["response"] and c["overall_score"] is not None),
                    key=lambda c: c["overall_score"],
                )["response"]
            )
            assert row["margin"] > 0
        return {i: row["rejected"][0]["content"] for i, row in rows.items()}

    assert rejected(0) == rejected(0)
    picks = {rejected(seed)[7] for seed in range(8)}
    assert len(picks) > 1  # the other completions are drawn, not always the worst
    assert picks <= {c["response"] for c in SOURCE[7]["completions"][1:]}


def test_ties_kept_and_error():
    rows = rows_by_source(prefdata.convert(FIXTURE, options=ConvertOptions(ties="keep", margin=True)))
    assert rows[4]["tie"] is True and rows[4]["margin"] == 0.0
    assert rows[0]["tie"] is False
    with pytest.raises(prefdata.RowError, match="tie"):
        prefdata.convert(FIXTURE, options=ConvertOptions(ties="error"))


def test_standard_format():
    rows = rows_by_source(prefdata.convert(FIXTURE, options=ConvertOptions(format="standard")))
    assert rows[0]["prompt"] == SOURCE[0]["instruction"]
    assert rows[0]["chosen"].strip() == SOURCE[0]["completions"][2]["response"]

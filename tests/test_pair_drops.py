"""Pairs dropped from a row that still gives other pairs are counted apart from row drops."""

from __future__ import annotations

import datasets

import prefdata
from prefdata._cli.summary import convert_summary


def _rows():
    def completion(text, score):
        return {"response": text, "overall_score": score, "annotations": {}}

    return [
        {
            "instruction": "Name a colour.",
            "completions": [completion("Blue.", 9.0), completion("Red.", 9.0), completion("Seven.", 2.0)],
        },
        {"instruction": "Say hi.", "completions": [completion("Hi!", 5.0), completion("Hello!", 5.0)]},
    ]


def test_tied_pairs_inside_used_rows_are_counted():
    result = prefdata.convert(
        datasets.Dataset.from_list(_rows()), options=prefdata.ConvertOptions(pairing="all-pairs")
    )
    report = result.manifest.splits["train"]
    # row 0: Blue>Seven, Red>Seven kept, Blue=Red tie dropped as a pair; row 1: only a tie, so the row goes
    assert report.rows_out == 2 and report.dropped == {"tie": 1}
    assert report.pairs_dropped == {"tie": 1}
    assert [(r.source_row, r.reason) for r in result.rejects] == [(1, "tie")]
    assert "pairs dropped from rows that gave other pairs: tie 1" in convert_summary(result.manifest, None)

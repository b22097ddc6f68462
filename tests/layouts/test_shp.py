"""stanfordnlp SHP / SHP-2: `labels` 1 means comment A is preferred, 0 means B; margin log(score_ratio).

Fixture rows (tests/fixtures/layouts/shp.jsonl):

| row | labels | trap                                      | expected          |
| --- | ------ | ----------------------------------------- | ----------------- |
| 0   | 1      | A preferred                               | chosen = A        |
| 1   | 0      | B preferred (0 is not "index 0")          | chosen = B        |
| 2   | 1      |                                           | chosen = A        |
| 3   | 1      | B is empty (a deleted comment)            | empty_response    |
| 4   | null   | no preference                             | missing_preference|
| 5   | 0      | same post as row 4, another comment pair  | chosen = B        |
"""

from __future__ import annotations

import json
import math

import pytest
from layout_assertions import (
    assert_accounting,
    assert_pair,
    assistant,
    convert,
    dropped,
    fixture,
    one,
    user,
)

import prefdata

LAYOUT = "shp"
SOURDOUGH = (
    "My sourdough starter smells like nail polish remover after two days at room temperature. "
    "Is it dead, or should I keep feeding it? I'm using whole wheat flour and tap water."
)


def test_detected() -> None:
    assert prefdata.detect(fixture(LAYOUT)).layout == LAYOUT


def test_label_one_prefers_a_and_zero_prefers_b() -> None:
    result = convert(LAYOUT)
    assert result.manifest.layout == LAYOUT
    assert result.manifest.format == "conversational" and result.manifest.prompt == "explicit"
    assert_pair(
        one(result, 1),
        [user(SOURDOUGH)],
        [
            assistant(
                "That acetone smell means it's hungry, not dead. Feed it twice a day at a 1:1:1 ratio "
                "for a few days and the smell will go away once the yeast population catches up."
            )
        ],
        [assistant("Throw it out and start over with rye flour.")],
    )
    row0 = one(result, 0)
    assert row0["rejected"] == [assistant("Yes. Metrics rule everything now. Publish or perish is real.")]
    assert row0["prompt"][0]["content"].startswith("In an interview right before receiving the 2013 Nobel")
    assert one(result, 5)["chosen"][0]["content"].startswith("Glass-top stoves are rated for heavy pots.")


def test_drops_counted_with_reasons() -> None:
    result = convert(LAYOUT)
    assert dropped(result) == {3: "empty_response", 4: "missing_preference"}
    assert result.manifest.splits["train"].dropped == {"empty_response": 1, "missing_preference": 1}
    assert_accounting(result, {"train": 6})


def test_margin_is_log_score_ratio_only_with_option() -> None:
    assert "margin" not in convert(LAYOUT).dataset["train"].column_names
    result = convert(LAYOUT, margin=True)
    assert one(result, 0)["margin"] == pytest.approx(math.log(3.25))
    assert one(result, 1)["margin"] == pytest.approx(math.log(6.0))
    assert_accounting(result, {"train": 6})


def test_standard_format_keeps_post_and_comments_as_text() -> None:
    row = one(convert(LAYOUT, format="standard"), 1)
    assert row["prompt"] == SOURDOUGH
    assert row["rejected"] == "Throw it out and start over with rye flour."


def test_written_output_has_manifest_and_rejects(tmp_path) -> None:
    result = prefdata.convert(fixture(LAYOUT), tmp_path / "out")
    manifest = json.loads((tmp_path / "out" / "prefdata.json").read_text())
    assert manifest["layout"] == LAYOUT
    counts = {k: manifest["splits"]["train"][k] for k in ("rows_in", "rows_out", "dropped")}
    assert counts == {"rows_in": 6, "rows_out": 4, "dropped": {"empty_response": 1, "missing_preference": 1}}
    lines = [json.loads(x) for x in (tmp_path / "out" / "rejects.jsonl").read_text().splitlines()]
    reasons = [(x["source_row"], x["reason"]) for x in lines]
    assert reasons == [(3, "empty_response"), (4, "missing_preference")]
    assert_accounting(result, {"train": 6})

"""PKU-Alignment PKU-SafeRLHF: two responses judged on two axes, helpfulness and safety.

`better_response_id` (axis `helpful`, the default) and `safer_response_id` (axis `safe`)
are independent and may disagree; `--axis` picks one.

| row | better | safer | trap                                       |
| --- | ------ | ----- | ------------------------------------------ |
| 0   | 0      | 0     | axes agree                                 |
| 1   | 1      | 0     | the unsafe answer is the more helpful one  |
| 2   | 1      | 0     | the same, insult request                   |
| 3   | 0      | 1     | both unsafe                                |
| 4   | null   | 0     | helpful axis missing, safe axis present    |
"""

from __future__ import annotations

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
from prefdata._errors import SpecError

LAYOUT = "pku-saferlhf"
N = 5
CHEM_SAFE = "I'd rather not discuss chemicals."
CHEM_HELPFUL = (
    "Never mix bleach with ammonia or with vinegar: both produce toxic gases. "
    "Store them apart and ventilate when cleaning."
)


def test_detected() -> None:
    assert prefdata.detect(fixture(LAYOUT)).layout == LAYOUT


def test_default_axis_is_helpfulness() -> None:
    result = convert(LAYOUT)
    assert result.manifest.options.axis is None
    assert_pair(
        one(result, 1),
        [user("What household chemicals should never be mixed together?")],
        [assistant(CHEM_HELPFUL)],
        [assistant(CHEM_SAFE)],
    )
    assert dropped(result) == {4: "missing_preference"}
    assert_accounting(result, {"train": N})


def test_safe_axis_flips_rows_where_axes_disagree() -> None:
    helpful, safe = convert(LAYOUT), convert(LAYOUT, axis="safe")
    assert safe.manifest.options.axis == "safe"
    assert_pair(
        one(safe, 1),
        [user("What household chemicals should never be mixed together?")],
        [assistant(CHEM_SAFE)],
        [assistant(CHEM_HELPFUL)],
    )
    for i in (1, 2, 3):
        assert one(safe, i)["chosen"] == one(helpful, i)["rejected"]
    assert one(safe, 0) == one(helpful, 0)
    # row 4 has no helpfulness label but a safety label: usable on the safe axis only
    assert one(safe, 4)["chosen"][0]["content"].startswith("It depends on where you live")
    assert dropped(safe) == {}
    assert_accounting(safe, {"train": N})


def test_unknown_axis_is_an_error() -> None:
    with pytest.raises(SpecError, match="unknown axis 'harmless'") as err:
        convert(LAYOUT, axis="harmless")
    assert "helpful" in err.value.fix and "safe" in err.value.fix


def test_axis_on_single_axis_layout_is_an_error() -> None:
    with pytest.raises(SpecError, match="single preference axis"):
        convert("helpsteer2-preference", axis="safe")
    with pytest.raises(SpecError, match="use one of: preferred"):
        convert("shp", axis="safe")

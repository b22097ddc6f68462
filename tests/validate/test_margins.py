"""Margin checks (`prefdata/_validate/checks/margins.py`): not finite, null, negative."""

from __future__ import annotations

import math

from datasets import Dataset

from prefdata._validate import validate
from tests.validate.conftest import clean_standard


def _rows(report, code):
    finding = report.finding(code)
    return [] if finding is None else [e.row for e in finding.examples]


def test_null_margin_is_an_error_and_negative_a_warning():
    rows = [{**r, "margin": 1.0} for r in clean_standard()]
    rows[1]["margin"], rows[2]["margin"], rows[3]["margin"] = None, -0.5, -math.inf
    report = validate(Dataset.from_list(rows))
    assert _rows(report, "margin.null") == [1]
    assert report.finding("margin.null").severity == "error"
    assert _rows(report, "margin.negative") == [2]  # -inf is not finite, reported once
    assert report.finding("margin.negative").severity == "warning"
    assert _rows(report, "structure.margin") == [3]
    assert report.exit_status("error") == 1


def test_a_column_of_nulls_and_integer_margins():
    nulls = validate(Dataset.from_list([{**r, "margin": None} for r in clean_standard(3)]))
    assert _rows(nulls, "margin.null") == [0, 1, 2]
    ints = validate(
        Dataset.from_list([{**r, "margin": m} for r, m in zip(clean_standard(3), [2, 0, -1], strict=True)])
    )
    assert _rows(ints, "margin.negative") == [2] and ints.exit_status("error") == 0


def test_text_margins_are_not_numbers():
    rows = [{**r, "margin": "1.5"} for r in clean_standard(2)]
    rows[1]["margin"] = None
    report = validate(Dataset.from_list(rows))
    assert _rows(report, "structure.margin") == [0] and _rows(report, "margin.null") == [1]


def test_null_margins_do_not_stop_prefdata_train():
    """`fit` refuses `structure.*` errors; prefdata's trainer reads a null margin as none."""
    from prefdata_train._workflows.validation_gate import STOPPING_PREFIX

    assert not "margin.null".startswith(STOPPING_PREFIX)

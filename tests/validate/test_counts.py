"""What the report counts: empty splits, distinct rows per severity, leaks naming the train row."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
from datasets import Dataset

from prefdata._validate import validate
from prefdata._validate.affected import AffectedRows
from prefdata._validate.batch import BatchView
from prefdata._validate.checks.content import ContentCheck
from prefdata._validate.checks.duplicates import DuplicateCheck
from prefdata._validate.checks.length_stats import LengthStatsCheck
from prefdata._validate.checks.margins import MarginCheck
from prefdata._validate.checks.splits import SplitLeakCheck
from prefdata._validate.checks.structure import StructureCheck
from prefdata._validate.checks.tools import ToolsCheck
from prefdata._validate.dataset_shape import read_shape
from prefdata._validate.finding_sink import FindingSink
from prefdata._validate.reading import from_dataset
from prefdata._validate.runner import run_checks
from tests.validate.conftest import clean_conversational, clean_standard


def test_every_check_runs_on_an_empty_split():
    """A split with no rows (convert dropped them all) gives no finding and no crash."""
    margins = [{**r, "margin": 1.0} for r in clean_standard(2)]
    for rows in (clean_standard(2), clean_conversational(2), margins):
        empty = Dataset.from_list(rows).select([])
        result = run_checks(from_dataset({"train": empty, "test": empty}))
        assert result.sink.findings() == []
        assert {s: st.rows for s, st in result.stats.items()} == {"train": 0, "test": 0}
        # and a zero-row batch handed to every check directly
        batch = pa.RecordBatch.from_pylist([], schema=empty.data.schema)
        shape = read_shape(batch.schema)[0]
        view = BatchView(batch, shape, "train", np.zeros(0, np.int64))
        sink = FindingSink()
        checks = (
            ContentCheck(),
            StructureCheck(),
            MarginCheck(),
            ToolsCheck(),
            LengthStatsCheck(),
            DuplicateCheck(lambda s: None),
            SplitLeakCheck(lambda s: None),
        )
        for check in checks:
            check.update(view, sink)
            check.end_split("train", sink)
            check.finish(sink)
        assert sink.findings() == []


def test_a_row_with_two_errors_counts_once():
    rows = clean_standard(6)
    rows[2]["chosen"] = rows[2]["rejected"] = ""  # content.empty and content.identical
    rows[4]["rejected"] = rows[4]["chosen"]  # content.identical
    report = validate(Dataset.from_list(rows))
    assert report.count("error") == 2
    assert report.rows_affected["error"] == 2


def test_raw_rows_are_source_rows():
    """Several pairs from one source row (`all-pairs`) are one row; dropped rows count too."""
    sink = FindingSink()
    sink.mark_rows("content.length_ratio", "train", np.array([0, 1, 2]))
    sink.mark_dropped("convert.dropped", "train", [7])
    sink.mark_dropped("content.tie", "train", count=3)
    source = np.array([5, 5, 6])
    totals = sink.affected.totals(lambda split, rows: source[rows])
    assert totals == {"warning": 3, "info": 3}  # source rows 5, 6, 7
    assert sink.affected.totals() == {"warning": 4, "info": 3}  # canonical: data rows + drops


def test_affected_rows_stay_deduplicated():
    rows = AffectedRows()
    for _ in range(3):
        rows.data("error", "train", np.arange(10))
    assert rows.totals() == {"error": 10}


def test_prefix_is_not_reported_for_an_empty_reply():
    rows = clean_standard(3)
    rows[0]["chosen"] = ""
    rows[1]["rejected"] = rows[1]["chosen"] + " and more"
    report = validate(Dataset.from_list(rows))
    assert [e.row for e in report.finding("content.empty").examples] == [0]
    assert [e.row for e in report.finding("content.prefix").examples] == [1]


def test_leak_example_names_the_train_row(write):
    train = clean_standard(6)
    folder = write({"train": train, "test": [train[4], train[1], train[4]]})
    leak = validate(folder).finding("splits.prompt_leak")
    assert leak.count == 3
    assert [(e.split, e.row) for e in leak.examples] == [("test", 0), ("test", 1), ("test", 2)]
    assert [e.excerpt.split(" (")[0] for e in leak.examples] == [
        "also train row 4",
        "also train row 1",
        "also train row 4",
    ]


def test_report_json_keeps_rows_and_adds_rows_in(write):
    report = json.loads(validate(write(clean_standard(3))).model_dump_json())
    assert report["splits"]["train"]["rows"] == 3 and report["splits"]["train"]["rows_in"] is None

"""Reading only some columns (`iter_batches(columns=...)`) and the columns a spec reads."""

from __future__ import annotations

import json

import datasets
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest

import prefdata
from prefdata._layouts import builtin_spec, builtin_specs
from prefdata._sources import open_source
from prefdata._transforms.fields import columns_read

ROWS = [
    {"id": 1, "prompt": "2+2?", "chosen": "4", "rejected": "5", "note": "x"},
    {"id": 2, "prompt": "capital?", "chosen": "Paris", "rejected": "Rome", "note": "y"},
]


def _write(path, rows):
    table = pa.Table.from_pylist(rows)
    if path.suffix == ".parquet":
        pq.write_table(table, path)
    elif path.suffix == ".csv":
        pa_csv.write_csv(table, path)
    elif path.suffix == ".arrow":
        with pa.ipc.new_stream(str(path), table.schema) as writer:
            writer.write_table(table)
    else:
        path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def _rows(path, columns):
    split = open_source(path).splits["train"]
    return [row for batch in split.iter_batches(1, columns=columns) for row in batch]


@pytest.mark.parametrize("name", ["data.parquet", "data.csv", "data.arrow"])
def test_columnar_files_read_only_the_named_columns_they_have(tmp_path, name):
    path = _write(tmp_path / name, ROWS)
    rows = _rows(path, ["chosen", "prompt", "absent"])
    # file order, not the order asked; a column the file lacks is no error
    assert [list(row) for row in rows] == [["prompt", "chosen"]] * 2
    assert [row["chosen"] for row in rows] == ["4", "Paris"]


@pytest.mark.parametrize("name", ["data.parquet", "data.jsonl"])
def test_no_columns_reads_every_column(tmp_path, name):
    path = _write(tmp_path / name, ROWS)
    assert [list(row) for row in _rows(path, None)] == [list(ROWS[0])] * 2


def test_json_lines_keep_every_key(tmp_path):
    """Column picking is a speed hint: a reader that cannot skip columns returns them all."""
    path = _write(tmp_path / "data.jsonl", ROWS)
    assert _rows(path, ["prompt"]) == ROWS


def test_in_memory_datasets_ignore_the_hint():
    split = open_source(datasets.Dataset.from_list(ROWS)).splits["train"]
    assert [row for batch in split.iter_batches(columns=["prompt"]) for row in batch] == ROWS


def test_arena_reads_only_text_and_winner_columns():
    assert columns_read(builtin_spec("arena-human-preference")) == [
        "prompt",
        "response_a",
        "response_b",
        "winner_model_a",
        "winner_model_b",
        "winner_tie",
    ]


def test_message_trees_read_every_column():
    assert columns_read(builtin_spec("oasst-tree")) is None
    assert columns_read(builtin_spec("oasst-flat")) is None


@pytest.mark.parametrize(
    "spec", [s for s in builtin_specs() if columns_read(s) is not None], ids=lambda s: s.name
)
def test_every_column_a_spec_names_is_read(spec):
    """Prompt pieces (template fields too), responses, preference, margin, tools, template kwargs."""
    read = set(columns_read(spec))
    named = [p.column for p in spec.prompt] + spec.responses.columns + [spec.responses.list_column]
    named += [spec.margin.column if spec.margin else None, spec.tools, spec.chat_template_kwargs]
    assert {n.split(".")[0] for n in named if n} <= read


def test_convert_gives_the_same_rows_with_unread_columns_present(tmp_path):
    """Extra columns (even of types nothing reads) change nothing in the output."""
    plain = [{k: v for k, v in row.items() if k in ("prompt", "chosen", "rejected")} for row in ROWS]
    extra = [{**row, "blob": {"nested": [1.5, None]}} for row in ROWS]
    a = prefdata.convert(_write(tmp_path / "plain.parquet", plain), spec="trl-standard")
    b = prefdata.convert(_write(tmp_path / "extra.parquet", extra), spec="trl-standard")
    assert a.dataset["train"].to_list() == b.dataset["train"].to_list()


@pytest.mark.parametrize("name", ["data.parquet", "data.csv", "data.arrow"])
def test_rows_are_kept_when_no_named_column_is_there(tmp_path, name):
    """Every input row is still yielded (as an empty row), so convert can count it as dropped."""
    path = _write(tmp_path / name, ROWS)
    assert _rows(path, ["absent"]) == [{}, {}]

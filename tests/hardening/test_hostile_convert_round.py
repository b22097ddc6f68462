"""A hostile round against `prefdata convert` / `prefdata detect` / `prefdata.convert`.

Each test is one way in that used to end badly, and what it must do now:

| input                                                   | was                          | now                 |
| ------------------------------------------------------- | ---------------------------- | ------------------- |
| a CSV whose header is Latin-1                           | traceback (UnicodeDecodeError) | exit 2, "header row" |
| gzip/bzip2/Parquet/UTF-16 bytes named `.jsonl`/`.csv`   | a line-1 error, wrong fix    | exit 2, what it is  |
| `chosen` beside `chosen ` or `ch\\u200bosen`            | the twin ignored             | exit 2, both named  |
| `margin`/`tools`/`Chosen` first on row 250+ of a JSONL  | left out silently            | exit 2, row and fix |
| `test.jsonl.bz2` beside `train.jsonl` in a folder       | the split left out silently  | exit 2, file named  |
| Parquet decimal margins or scores                       | every row `bad_value`        | read as floats      |
| a `paired` spec listing `[rejected, chosen]`            | every pair flipped           | exit 2, "flipped"   |
| an ambiguous pair of column families                    | Python reprs in the message  | the column names    |
| `prefdata.convert(DatasetDict())`, a split of no rows   | StopIteration / "no columns" | SourceError         |
"""

from __future__ import annotations

import bz2
import decimal
import gzip
import json
from pathlib import Path
from typing import Any

import datasets
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from test_corpus import leftovers, read_rejects

import prefdata
from prefdata._cli import main
from prefdata._errors import SourceError

ROWS = [{"prompt": f"question {i}", "chosen": f"good {i}", "rejected": f"bad {i}"} for i in range(5)]


def jsonl(rows: list[dict[str, Any]]) -> bytes:
    return b"".join(json.dumps(row).encode() + b"\n" for row in rows)


def run(*args: object):
    return CliRunner().invoke(main, ["convert", *(str(a) for a in args)])


def refused(result: Any, out: Path, *says: str) -> None:
    """Exit 2, every text of `says` in the message, no traceback, nothing written."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for text in says:
        assert text in result.stderr, (text, result.stderr)
    assert not out.exists() and not leftovers(out)


def counted(out: Path) -> dict[str, Any]:
    """The train split's manifest entry, after checking it adds up with the data and the rejects."""
    split = json.loads((out / "prefdata.json").read_text())["splits"]["train"]
    data = datasets.load_from_disk(str(out))["train"]
    assert split["rows_out"] == data.num_rows
    assert split["rows_in"] == len(set(data["source_row"])) + sum(split["dropped"].values())
    assert len(read_rejects(out)) == sum(split["dropped"].values())
    return split


# --- reading: bytes that are not what the name says -------------------------------------------


def test_a_latin1_csv_header_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    src = tmp_path / "latin.csv"
    src.write_bytes("pr\xe9mpt,chosen,rejected\np,c,r\n".encode("latin-1"))
    refused(run(src, tmp_path / "out"), tmp_path / "out", "latin.csv", "header row", "UTF-8")


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("gz.jsonl", gzip.compress(jsonl(ROWS)), ("gzip-compressed", ".jsonl.gz")),
        ("bz.jsonl", bz2.compress(jsonl(ROWS)), ("bzip2-compressed", "bzip2 -d")),
        ("bz.csv", bz2.compress(b"prompt,chosen,rejected\np,c,r\n"), ("bzip2-compressed",)),
        ("utf16.csv", "prompt,chosen,rejected\np,c,r\n".encode("utf-16"), ("UTF-16 text", "UTF-8")),
        ("utf16le.jsonl", jsonl(ROWS).decode().encode("utf-16-le"), ("UTF-16LE text",)),
        ("zip.json", b"PK\x03\x04" + b"\0" * 30, ("zip-compressed",)),
    ],
)
def test_a_file_whose_name_lies_says_what_it_is(tmp_path: Path, name: str, data: bytes, says: tuple) -> None:
    src = tmp_path / name
    src.write_bytes(data)
    refused(run(src, tmp_path / "out"), tmp_path / "out", name, *says)


def test_parquet_named_jsonl_is_told_to_be_renamed(tmp_path: Path) -> None:
    src = tmp_path / "data.jsonl"
    pq.write_table(pa.Table.from_pylist(ROWS), src)
    refused(run(src, tmp_path / "out"), tmp_path / "out", "Parquet", ".parquet")
    with pytest.raises(SourceError, match="Parquet"):
        prefdata.detect(src)


def test_text_that_only_starts_like_a_magic_number_still_converts(tmp_path: Path) -> None:
    src = tmp_path / "plain.csv"
    src.write_text("PAR,chosen,rejected\np,c,r\n")  # `PAR` is not `PAR1`
    assert run(src, tmp_path / "out", "--spec", "trl-standard").exit_code == 0


# --- column names that only look different ----------------------------------------------------


@pytest.mark.parametrize(
    ("header", "twin"),
    [("prompt,chosen,chosen ,rejected", "'chosen '"), ("prompt,chosen,Rejected ,rejected", "'Rejected '")],
)
def test_a_column_differing_by_white_space_is_refused(tmp_path: Path, header: str, twin: str) -> None:
    src = tmp_path / "twins.csv"
    src.write_text(f"{header}\np,c,x,r\n")
    refused(run(src, tmp_path / "out"), tmp_path / "out", twin, "white space")


def test_a_column_differing_by_a_zero_width_space_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "zw.jsonl"
    src.write_bytes(jsonl([{**ROWS[0], "ch\u200bosen": "the preferred one"}]))
    refused(run(src, tmp_path / "out"), tmp_path / "out", "'ch\\u200bosen'", "`chosen`")


# --- keys a JSON file shows only after the sampled rows -----------------------------------------


def _late(tmp_path: Path, key: str, value: Any, at: int = 290) -> Path:
    rows = [{"prompt": f"q{i}", "chosen": f"c{i}", "rejected": f"r{i}"} for i in range(300)]
    rows[at][key] = value
    src = tmp_path / "late.jsonl"
    src.write_bytes(jsonl(rows))
    return src


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("tools", [{"type": "function", "function": {"name": "f", "parameters": {}}}], '"tools": null'),
        ("chat_template_kwargs", {"enable_thinking": False}, "first row"),
        ("margin", 2.5, "give every row a `margin`"),
        ("Chosen", "another answer", "`Chosen`"),
        ("rejected ", "another answer", "'rejected '"),
    ],
)
def test_a_key_first_seen_after_the_sample_stops_instead_of_being_lost(
    tmp_path: Path, key: str, value: Any, says: str
) -> None:
    out = tmp_path / "out"
    refused(run(_late(tmp_path, key, value), out), out, "late.jsonl", "row 290", says)


def test_a_late_key_the_layout_does_not_read_is_fine(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run(_late(tmp_path, "note", "kept aside"), out).exit_code == 0
    assert counted(out)["rows_out"] == 300


def test_a_late_null_is_no_value_lost(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run(_late(tmp_path, "tools", None), out).exit_code == 0
    assert counted(out)["rows_out"] == 300


# --- folders ----------------------------------------------------------------------------------


@pytest.mark.parametrize("unread", ["test.jsonl.bz2", "validation.tsv", "test.csv.gz", "data/test.jsonl.zst"])
def test_a_data_file_prefdata_cannot_read_is_not_skipped(tmp_path: Path, unread: str) -> None:
    folder = tmp_path / "src"
    (folder / Path(unread).parent).mkdir(parents=True)
    (folder / "train.jsonl").write_bytes(jsonl(ROWS))
    (folder / unread).write_bytes(bz2.compress(jsonl(ROWS)))
    refused(run(folder, tmp_path / "out"), tmp_path / "out", unread, "cannot read")


def test_side_files_of_a_folder_are_still_ignored(tmp_path: Path) -> None:
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "train.jsonl").write_bytes(jsonl(ROWS))
    (folder / "README.md").write_text("# card")
    (folder / "convert.py").write_text("print()")
    (folder / ".cache.jsonl.zst").write_bytes(b"\x28\xb5\x2f\xfd")
    assert run(folder, tmp_path / "out").exit_code == 0
    assert counted(tmp_path / "out")["rows_out"] == 5


# --- decimals ---------------------------------------------------------------------------------


def _decimals(values: list[str | None], scale: int = 2) -> pa.Array:
    return pa.array([None if v is None else decimal.Decimal(v) for v in values], pa.decimal128(6, scale))


def test_decimal_margins_are_numbers(tmp_path: Path) -> None:
    src = tmp_path / "dec.parquet"
    margins = ["1.50", "0.25", "3.00"]
    table = pa.Table.from_pylist(ROWS[:3]).append_column("margin", _decimals(margins))
    pq.write_table(table, src)
    out = tmp_path / "out"
    assert run(src, out).exit_code == 0
    assert counted(out)["dropped"] == {}
    assert datasets.load_from_disk(str(out))["train"]["margin"] == [1.5, 0.25, 3.0]


def test_decimal_scores_give_margins_ties_and_directions(tmp_path: Path) -> None:
    def turns(i: int, text: str) -> list[dict[str, str]]:
        return [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": text}]

    rows = [
        {"prompt": f"q{i}", "chosen": turns(i, f"good {i}"), "rejected": turns(i, f"bad {i}")}
        for i in range(4)
    ]
    table = pa.Table.from_pylist(rows)
    table = table.append_column("score_chosen", _decimals(["5.00", "4.50", "2.00", "3.00"]))
    table = table.append_column("score_rejected", _decimals(["1.25", "4.50", "3.00", None]))
    pq.write_table(table, tmp_path / "ufb.parquet")
    out = tmp_path / "out"
    args = ("--spec", "ultrafeedback-binarized", "--margin")
    assert run(tmp_path / "ufb.parquet", out, *args).exit_code == 0
    split = counted(out)
    assert split["dropped"] == {"tie": 1, "label_out_of_domain": 1, "no_margin": 1}
    data = datasets.load_from_disk(str(out))["train"]
    assert data["margin"] == [3.75] and data["chosen"][0][-1]["content"] == "good 0"


def test_decimal_columns_of_an_in_memory_dataset(tmp_path: Path) -> None:
    table = pa.Table.from_pylist(ROWS[:2]).append_column("margin", _decimals(["0.50", "2.00"]))
    result = prefdata.convert(datasets.Dataset(table))
    assert result.dataset["train"]["margin"] == [0.5, 2.0]


# --- specs that flip every pair ---------------------------------------------------------------

PAIRED = """name: mine
match: {{columns: [q, good, bad]}}
prompt: [{{column: q, role: user}}]
responses: {{columns: {columns}}}
preference: {{encoding: paired{scores}}}
"""


@pytest.mark.parametrize(
    ("columns", "scores", "says"),
    [
        ("[bad, good]", "", "responses.columns lists `bad` before `good`"),
        (
            "[good, bad]",
            ", scores: [score_rejected, score_chosen]",
            "preference.scores lists `score_rejected`",
        ),
    ],
)
def test_a_paired_spec_listing_the_worse_side_first_is_refused(
    tmp_path: Path, columns: str, scores: str, says: str
) -> None:
    rows = [
        {"q": f"q{i}", "good": f"g{i}", "bad": f"b{i}", "score_chosen": 5, "score_rejected": 1}
        for i in range(3)
    ]
    (tmp_path / "src.jsonl").write_bytes(jsonl(rows))
    spec = tmp_path / "spec.yaml"
    spec.write_text(PAIRED.format(columns=columns, scores=scores))
    refused(run(tmp_path / "src.jsonl", tmp_path / "out", "--spec", spec), tmp_path / "out", says, "flipped")
    spec.write_text(PAIRED.format(columns="[good, bad]", scores=", scores: [score_chosen, score_rejected]"))
    assert run(tmp_path / "src.jsonl", tmp_path / "ok", "--spec", spec).exit_code == 0
    assert datasets.load_from_disk(str(tmp_path / "ok"))["train"]["chosen"][0][-1]["content"] == "g0"


# --- messages and the Python API -------------------------------------------------------------


def test_ambiguous_columns_are_named_not_printed_as_python(tmp_path: Path) -> None:
    # scores held as varied text read as text columns as much as the responses do
    scores = [
        ("3", "1"),
        ("1", "3"),
        ("2", "2"),
        ("5", "4"),
        ("-1", "2"),
        ("NaN", "1"),
        ("10", "9"),
        ("9", "10"),
    ]
    rows = [
        {"prompt": f"p{i}", "response_a": f"a{i}", "response_b": f"b{i}", "score_a": a, "score_b": b}
        for i, (a, b) in enumerate(scores)
    ]
    (tmp_path / "src.jsonl").write_bytes(jsonl(rows))
    result = CliRunner().invoke(main, ["detect", str(tmp_path / "src.jsonl")])
    assert result.exit_code == 2
    assert "`response_a`/`response_b`" in result.stderr and "Marked(" not in result.stderr


def test_an_empty_dataset_dict_is_a_source_error() -> None:
    with pytest.raises(SourceError, match="no splits"):
        prefdata.convert(datasets.DatasetDict())


def test_an_in_memory_split_of_no_rows_says_no_rows() -> None:
    empty = datasets.Dataset.from_dict({"prompt": [], "chosen": [], "rejected": []})
    with pytest.raises(SourceError, match="has no rows"):
        prefdata.convert(empty)


def test_an_empty_later_split_is_converted_empty() -> None:
    data = datasets.Dataset.from_list(ROWS)
    result = prefdata.convert(datasets.DatasetDict({"train": data, "test": data.select([])}))
    assert (result.manifest.splits["test"].rows_in, result.dataset["test"].num_rows) == (0, 0)
    assert result.dataset["train"].num_rows == 5

"""Malformed inputs through `prefdata convert`: each fails clearly, loses nothing, leaves nothing half-done.

Every case is one line of `CASES`: a name, a builder (see `hardening_builders.py`; committed files are
under `corpus/`) and the outcome it must get:

| outcome    | means                                                                          |
| ---------- | ------------------------------------------------------------------------------ |
| `Rejects`  | exit 0; exactly these source rows are in rejects.jsonl with this reason (and detail) |
| `Converts` | exit 0; nothing rejected, and the data kept as it was (a check on the dataset) |
| `Stops`    | exit 2; stderr names file, line/row and field (the substrings given); no output, no staging |

Never a traceback. To add a case: add a file to `corpus/` (or a builder) and one line here.

| case                          | outcome                                                        |
| ----------------------------- | -------------------------------------------------------------- |
| truncated_gzip                | stops: file, "truncated or corrupt"                            |
| invalid_line_in_large_file    | stops: file, "line 15001", "invalid JSON" (after batches flushed) |
| invalid_json_small            | stops: file, "line 2"                                          |
| not_object_line               | stops: "line 2", "expected a JSON object"                      |
| array_item_not_object         | stops: file, "item 1"                                          |
| empty_jsonl / blank_lines / empty_array / empty_csv | stops: file, "empty"                     |
| header_only_csv / parquet_no_rows | stops: file, "no rows"                                     |
| embedded_newlines_quotes_csv  | converts: newlines and quotes kept exactly                     |
| ragged_csv_row / unterminated_quote_csv | stops: file, "row"                                   |
| csv_huge_row                  | converts: a 5 MB CSV value kept whole                          |
| non_utf8_jsonl / non_utf8_csv | stops: file, line/row, "UTF-8"                                 |
| raw_nul_jsonl / too_deep_jsonl / lone_surrogate | stops: file, "line 2"                        |
| nul_escaped / nul_csv         | converts: the NUL character kept                               |
| huge_row                      | converts: a 50 MB row kept whole                               |
| duplicate_columns[_casefold] / keys_differ_in_case | stops: the two column names                |
| mixed_types_across_rows / chosen_number / prompt_mapping | rejects bad_value                   |
| shards_*                      | rejects the other shard's rows (global source_row) or stops    |
| truncated_parquet             | stops: file                                                    |
| null_* (message, role, content, tool call, function, arguments, prompt, column) | rejects with the reason |
| empty_message_list            | rejects empty_response                                         |
| unknown_role                  | rejects unknown_role                                           |
| content_text_parts            | converts: text parts joined by a newline                       |
| content_image_part / deep_nesting_content | rejects bad_value                                  |
| arguments_invalid_json / arguments_json_array | rejects bad_value                              |
| tools_not_json / tools_object / tools_list_of_numbers | rejects bad_value                      |
| template_kwargs_not_mapping / template_kwargs_mixed_types | rejects bad_value                  |
| message_not_object / message_without_role | rejects bad_value                                  |
| prompt_messages_in_standard   | rejects bad_value: a conversational row in a text dataset      |
| tool_call_type_number         | rejects bad_value                                              |
| json_turns_not_json / json_messages_not_json | rejects bad_value                               |
| margin_na                     | rejects bad_value: text in a margin column                     |
| margin_nan_literal / parquet_*_not_finite | rejects no_margin: never a null or NaN margin |
| ratings_na / strength_na / winner_unknown | rejects: fewer_than_two_responses / missing_preference |
| completions_not_list / hh_without_markers | rejects bad_value / no_shared_prompt               |
| saved_split_escapes / saved_file_escapes | stops: "outside"                                    |
| spec_* (unknown key YAML/JSON, wrong type, tag, not mapping, syntax, alias bomb, oversized, deep) | stops: file, key |
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import datasets
import hardening_builders as b
import pytest
from click.testing import CliRunner
from hardening_builders import Builder, corpus, with_spec

from prefdata._cli import main


@dataclass(frozen=True)
class Rejects:
    """Converts; exactly `rows` are rejected, all with `reason` (and `detail` in the detail)."""

    reason: str
    rows: tuple[int, ...]
    kept: int
    detail: str = ""


@dataclass(frozen=True)
class Converts:
    """Converts with nothing rejected; `check` looks at the train split."""

    kept: int
    check: Callable[[datasets.Dataset], bool] = lambda ds: True


@dataclass(frozen=True)
class Stops:
    """Exit 2 with every substring of `says` in the message (`{src}` is the source's file name)."""

    says: tuple[str, ...]


@dataclass(frozen=True)
class Case:
    name: str
    build: Builder
    expect: Rejects | Converts | Stops


def _messages(ds: datasets.Dataset, column: str, row: int) -> list[dict[str, Any]]:
    return ds[column][row]


CSV_VALUE = 'he said, "hello"\n\nbye'
MODEL_SPEC = ("--spec", "trl-conversational")
STANDARD_SPEC = ("--spec", "trl-standard")

CASES = [
    # --- reading: files that cannot be read stop, naming file and line ---
    Case("truncated_gzip", b.truncated_gzip, Stops(("cut.jsonl.gz", "truncated or corrupt"))),
    Case(
        "invalid_line_in_large_file",
        b.invalid_line_in_large_file,
        Stops(("large.jsonl", "line 15001", "invalid JSON")),
    ),
    Case(
        "invalid_json_small",
        corpus("invalid_json_small.jsonl"),
        Stops(("invalid_json_small.jsonl", "line 2")),
    ),
    Case("not_object_line", corpus("not_object_line.jsonl"), Stops(("line 2", "expected a JSON object"))),
    Case(
        "array_item_not_object",
        corpus("array_item_not_object.json"),
        Stops(("array_item_not_object.json", "item 1")),
    ),
    Case("empty_jsonl", corpus("empty.jsonl"), Stops(("empty.jsonl", "empty"))),
    Case("blank_lines", corpus("blank_lines_only.jsonl"), Stops(("blank_lines_only.jsonl", "empty"))),
    Case("empty_array", corpus("empty_array.json"), Stops(("empty_array.json", "no rows"))),
    Case("empty_csv", corpus("empty.csv"), Stops(("empty.csv", "empty"))),
    Case("header_only_csv", corpus("header_only.csv"), Stops(("header_only.csv", "no rows"))),
    Case("parquet_no_rows", b.parquet_no_rows, Stops(("empty.parquet", "no rows"))),
    Case(
        "embedded_newlines_quotes_csv",
        corpus("embedded_newlines_quotes.csv"),
        Converts(2, lambda ds: ds["chosen"][0] == CSV_VALUE and ds["prompt"][0] == 'Say "hi"\non two lines'),
    ),
    Case(
        "ragged_csv_row",
        corpus("ragged_row.csv"),
        Stops(("ragged_row.csv", "got 4: hi,a,b,extra", "data row 1")),
    ),
    Case(
        "unterminated_quote_csv",
        corpus("unterminated_quote.csv"),
        Stops(("unterminated_quote.csv", 'hi,"never closed', "data row 1")),
    ),
    Case("csv_huge_row", b.csv_huge_row, Converts(2, lambda ds: len(ds["chosen"][1]) == 5 << 20)),
    Case("non_utf8_jsonl", b.non_utf8_jsonl, Stops(("latin1.jsonl", "line 2", "UTF-8"))),
    Case("non_utf8_csv", b.non_utf8_csv, Stops(("latin1.csv", "column `prompt`", "UTF8", "data row 1"))),
    Case("raw_nul_jsonl", b.raw_nul_jsonl, Stops(("nul.jsonl", "line 2"))),
    Case("too_deep_jsonl", b.too_deep_jsonl, Stops(("deep.jsonl", "line 2"))),
    Case("lone_surrogate", corpus("lone_surrogate.jsonl"), Stops(("lone_surrogate.jsonl", "line 2"))),
    Case(
        "nul_escaped",
        corpus("nul_escaped.jsonl"),
        Converts(2, lambda ds: ds["chosen"][1][0]["content"] == "nul\x00inside"),
    ),
    Case("nul_csv", b.nul_csv, Converts(1, lambda ds: ds["chosen"][0] == "a\x00b")),
    Case("huge_row", b.huge_row, Converts(2, lambda ds: len(ds["chosen"][1]) == 50 << 20)),
    # --- columns ---
    Case("duplicate_columns", corpus("duplicate_columns.csv"), Stops(("duplicate_columns.csv", "`chosen`"))),
    Case(
        "duplicate_columns_casefold",
        corpus("duplicate_columns_casefold.csv"),
        Stops(("duplicate_columns_casefold.csv", "`chosen`", "`Chosen`")),
    ),
    Case("keys_differ_in_case", corpus("keys_differ_in_case.jsonl"), Stops(("`chosen`", "`Chosen`"))),
    Case(
        "mixed_types_across_rows",
        corpus("mixed_types_across_rows.jsonl", *STANDARD_SPEC),
        Rejects("bad_value", (1,), 1, "expected text, got list"),
    ),
    Case(
        "chosen_number",
        corpus("chosen_number.jsonl", *STANDARD_SPEC),
        Rejects("bad_value", (1,), 1, "got int"),
    ),
    Case("prompt_mapping", corpus("prompt_mapping.jsonl"), Rejects("bad_value", (1,), 1, "dict")),
    Case("shards_prompt_types_differ", b.shards_prompt_types_differ, Rejects("bad_value", (2, 3), 2, "int")),
    Case("shards_chosen_types_differ", b.shards_chosen_types_differ, Rejects("bad_value", (1,), 1, "list")),
    Case(
        "shards_prompt_column_missing",
        b.shards_prompt_column_missing,
        Rejects("empty_prompt", (2,), 2, "no prompt"),
    ),
    Case("truncated_parquet", b.truncated_parquet, Stops(("cut.parquet", "parquet"))),
    # --- nulls in every position ---
    Case(
        "null_message_in_list",
        corpus("null_message_in_list.jsonl", *MODEL_SPEC),
        Rejects("bad_value", (1,), 1, "NoneType"),
    ),
    Case("null_role", corpus("null_role.jsonl"), Rejects("unknown_role", (1,), 1, "None")),
    Case("null_content", corpus("null_content.jsonl"), Rejects("empty_response", (1,), 1, "chosen")),
    Case("null_tool_call", corpus("null_tool_call.jsonl"), Rejects("bad_value", (1,), 1, "tool call")),
    Case(
        "null_tool_function",
        corpus("null_tool_function.jsonl"),
        Rejects("bad_value", (1,), 1, "function name"),
    ),
    Case(
        "null_tool_arguments", corpus("null_tool_arguments.jsonl"), Rejects("bad_value", (1,), 1, "arguments")
    ),
    Case("null_prompt", corpus("null_prompt.jsonl"), Rejects("empty_prompt", (1,), 1, "prompt")),
    Case(
        "null_whole_column",
        corpus("null_whole_column.jsonl", *MODEL_SPEC),
        Rejects("empty_response", (0, 1, 2), 0, "chosen is null"),
    ),
    Case(
        "empty_message_list",
        corpus("empty_message_list.jsonl", *MODEL_SPEC),
        Rejects("empty_response", (1,), 1, "chosen"),
    ),
    # --- messages, tool calls and tools ---
    Case(
        "prompt_messages_in_standard",
        corpus("prompt_messages_in_standard.jsonl", *STANDARD_SPEC),
        Rejects("bad_value", (1,), 1, "earlier rows are text"),
    ),
    Case(
        "tool_call_type_number", corpus("tool_call_type_number.jsonl"), Rejects("bad_value", (1,), 1, "type")
    ),
    Case("unknown_role", corpus("unknown_role.jsonl"), Rejects("unknown_role", (1,), 1, "narrator")),
    Case(
        "content_text_parts",
        corpus("content_text_parts.jsonl"),
        Converts(2, lambda ds: ds["chosen"][1][0]["content"] == "hel\nlo"),  # joined as vLLM joins them
    ),
    Case("content_image_part", corpus("content_image_part.jsonl"), Rejects("bad_value", (1,), 1, "content")),
    Case(
        "deep_nesting_content", corpus("deep_nesting_content.jsonl"), Rejects("bad_value", (1,), 1, "content")
    ),
    Case(
        "message_not_object",
        corpus("message_not_object.jsonl", *MODEL_SPEC),
        Rejects("bad_value", (1,), 1, "str"),
    ),
    Case(
        "message_without_role",
        corpus("message_without_role.jsonl", *MODEL_SPEC),
        Rejects("bad_value", (1,), 1, "role"),
    ),
    Case(
        "arguments_invalid_json",
        corpus("arguments_invalid_json.jsonl"),
        Rejects("bad_value", (1,), 1, "not valid JSON"),
    ),
    Case(
        "arguments_json_array",
        corpus("arguments_json_array.jsonl"),
        Rejects("bad_value", (1,), 1, "JSON object"),
    ),
    Case("tools_not_json", corpus("tools_not_json.jsonl"), Rejects("bad_value", (1,), 1, "tools")),
    Case("tools_object", corpus("tools_object.jsonl"), Rejects("bad_value", (1,), 1, "tools")),
    Case(
        "tools_list_of_numbers", corpus("tools_list_of_numbers.jsonl"), Rejects("bad_value", (1,), 1, "tools")
    ),
    Case(
        "template_kwargs_not_mapping",
        corpus("template_kwargs_not_mapping.jsonl"),
        Rejects("bad_value", (1,), 1, "chat_template_kwargs"),
    ),
    Case(
        "template_kwargs_mixed_types",
        corpus("template_kwargs_mixed_types.jsonl"),
        Rejects("bad_value", (1,), 1, "chat_template_kwargs"),
    ),
    Case(
        "json_turns_not_json",
        corpus("json_turns_not_json.jsonl", "--spec", "arena-human-preference"),
        Rejects("bad_value", (1,), 1, "not valid JSON"),
    ),
    Case(
        "json_messages_not_json",
        with_spec("json_messages_not_json.jsonl", "json_messages.yaml"),
        Rejects("bad_value", (1,), 1, "not valid JSON"),
    ),
    Case(
        "hh_without_markers",
        corpus("hh_without_markers.jsonl", "--spec", "hh-rlhf"),
        Rejects("no_shared_prompt", (1,), 1),
    ),
    # --- numbers: strings, N/A, NaN, infinities ---
    # a margin column holds a number on every row (TRL reads one from each): text is a bad value,
    # a missing one (null, NaN, infinite) drops the row as `no_margin` (tests/hardening/test_label_domains.py)
    Case("margin_na", corpus("margin_na.jsonl"), Rejects("bad_value", (1, 2), 1, "margin")),
    Case("margin_nan_literal", corpus("margin_nan_literal.jsonl"), Rejects("no_margin", (1, 2), 1, "margin")),
    Case(
        "parquet_margins_not_finite",
        b.parquet_margins_not_finite,
        Rejects("no_margin", (1, 2, 3), 1, "margin"),
    ),
    Case(
        "parquet_scores_not_finite", b.parquet_scores_not_finite, Rejects("no_margin", (1, 2, 3), 1, "scores")
    ),
    Case("ratings_na", corpus("ratings_na.jsonl"), Rejects("fewer_than_two_responses", (1, 2), 1)),
    Case(
        "strength_na",
        corpus("strength_na.jsonl", "--spec", "helpsteer2-preference"),
        Rejects("missing_preference", (1, 2), 1, "preference_strength"),
    ),
    Case(
        "winner_unknown",
        corpus("winner_unknown.jsonl", "--spec", "chatbot-arena-conversations"),
        Rejects("missing_preference", (1, 2), 1, "winner"),
    ),
    Case(
        "completions_not_list",
        corpus("completions_not_list.jsonl", "--spec", "ultrafeedback"),
        Rejects("bad_value", (1,), 1, "completions"),
    ),
    # --- folders that point outside themselves ---
    Case("saved_split_escapes", b.saved_split_escapes, Stops(("dataset_dict.json", "outside"))),
    Case("saved_file_escapes", b.saved_file_escapes, Stops(("state.json", "outside"))),
    # --- spec files: plain data only ---
    Case(
        "spec_unknown_key_yaml",
        with_spec("margin_na.jsonl", "unknown_key.yaml"),
        Stops(("unknown_key.yaml", "postprocess")),
    ),
    Case(
        "spec_unknown_key_json",
        with_spec("margin_na.jsonl", "unknown_key.json"),
        Stops(("unknown_key.json", "strength")),
    ),
    Case(
        "spec_wrong_type",
        with_spec("margin_na.jsonl", "wrong_type.yaml"),
        Stops(("wrong_type.yaml", "match.columns", "responses.format")),
    ),
    Case("spec_python_tag", b.python_tag_spec, Stops(("evil.yaml", "python/object"))),
    Case(
        "spec_not_mapping",
        with_spec("margin_na.jsonl", "not_mapping.yaml"),
        Stops(("not_mapping.yaml", "mapping")),
    ),
    Case(
        "spec_bad_syntax",
        with_spec("margin_na.jsonl", "bad_syntax.yaml"),
        Stops(("bad_syntax.yaml", "line 4")),
    ),
    Case(
        "spec_alias_bomb",
        with_spec("margin_na.jsonl", "billion_laughs.yaml"),
        Stops(("billion_laughs.yaml", "aliases")),
    ),
    Case("spec_oversized", b.oversized_spec, Stops(("big.yaml", "too large"))),
    Case("spec_deep_nesting", b.deep_spec, Stops(("deep.yaml", "nested too deeply"))),
]


def convert(tmp_path: Path, case: Case) -> tuple[Any, Path]:
    args = case.build(tmp_path)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["convert", args[0], str(out), *args[1:]])
    return result, out


def leftovers(out: Path) -> list[str]:
    """Hidden staging or moved-aside folders of `out` (there must be none after a run)."""
    return [p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.prefdata-")]


def read_rejects(out: Path) -> list[dict[str, Any]]:
    path = out / "rejects.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_malformed_input(case: Case, tmp_path: Path) -> None:
    result, out = convert(tmp_path, case)
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert not leftovers(out)
    expect = case.expect
    if isinstance(expect, Stops):
        assert result.exit_code == 2, result.output
        for text in expect.says:
            assert text in result.stderr, (text, result.stderr)
        assert not out.exists()
        return
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "prefdata.json").read_text())["splits"]["train"]
    rejects = read_rejects(out)
    if isinstance(expect, Converts):
        assert rejects == [] and manifest["rows_out"] == expect.kept
        assert expect.check(datasets.load_from_disk(str(out))["train"])
        return
    assert [r["source_row"] for r in rejects] == list(expect.rows)
    assert {r["reason"] for r in rejects} == {expect.reason}
    assert all(expect.detail in r["detail"] for r in rejects), rejects
    assert manifest["rows_out"] == expect.kept
    assert manifest["rows_in"] == expect.kept + len(expect.rows)
    assert manifest["dropped"] == {expect.reason: len(expect.rows)}


def test_the_corpus_has_at_least_forty_cases() -> None:
    assert len(CASES) >= 40 and len({c.name for c in CASES}) == len(CASES)


def test_python_tag_is_not_run(tmp_path: Path) -> None:
    case = next(c for c in CASES if c.name == "spec_python_tag")
    convert(tmp_path, case)
    assert not (tmp_path / "MARKER").exists()


def test_margins_are_never_nan(tmp_path: Path) -> None:
    """NaN compares unequal to itself: check explicitly that no margin is NaN or infinite."""
    case = next(c for c in CASES if c.name == "parquet_scores_not_finite")
    result, out = convert(tmp_path, case)
    margins = datasets.load_from_disk(str(out))["train"]["margin"]
    assert all(m is None or math.isfinite(m) for m in margins), margins

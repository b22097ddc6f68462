"""Specs and config files are checked before any row is read.

| problem                                   | outcome                                             |
| ----------------------------------------- | --------------------------------------------------- |
| a label index past the two responses      | SpecError naming the key and the value (exit 2)     |
| a value both winner and tie, 3 responses  | SpecError                                           |
| a column the source lacks                 | SpecError naming it and the closest existing name   |
| a key given twice (YAML or JSON, any depth) | SpecError / ConfigFileError with file, line, key  |
| `/dev/zero` as a spec or config           | refused after 1 MB read; a pipe of normal size works |
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

import prefdata
from prefdata._cli import main
from prefdata._errors import SpecError
from prefdata._layouts import load_spec
from prefdata.records.spec import LayoutSpec

ROOT = Path(__file__).resolve().parents[2]

ROWS = [
    {"question": "Capital of France?", "good": "Paris.", "bad": "Lyon.", "w": "A"},
    {"question": "2 + 2?", "good": "4", "bad": "5", "w": "B"},
]
LABEL_SPEC = """\
name: labelled
match: {columns: [question, good, bad, w]}
prompt: [{column: question}]
responses: {columns: [good, bad]}
preference: {encoding: label, column: w, winners: WINNERS}
"""


def _jsonl(tmp_path: Path, rows: list[dict[str, Any]]) -> Path:
    path = tmp_path / "data.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _spec(tmp_path: Path, text: str, name: str = "spec.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _convert(tmp_path: Path, spec: Path, *args: str) -> Any:
    out = tmp_path / "out"
    run = CliRunner().invoke(
        main, ["convert", str(_jsonl(tmp_path, ROWS)), str(out), "--spec", str(spec), *args]
    )
    assert not out.exists() or run.exit_code == 0
    return run


@pytest.mark.parametrize(
    ("winners", "key", "value"),
    [
        ("{A: 0, B: 1, C: 2}", "winners.C", "2"),
        ("{A: 0, C: -1}", "winners.C", "-1"),
        ("{A: 0, B: 5}", "winners.B", "5"),
    ],
)
def test_label_index_out_of_range_is_a_spec_error(tmp_path, winners, key, value) -> None:
    spec = _spec(tmp_path, LABEL_SPEC.replace("WINNERS", winners))
    run = _convert(tmp_path, spec)
    assert run.exit_code == 2, run.output
    assert f"{key} is {value}" in run.output and "spec.yaml" in run.output
    assert "Traceback" not in run.output


def test_index_checks_hold_for_python_callers() -> None:
    data = {
        "name": "x",
        "match": {"columns": ["a", "b", "w"]},
        "responses": {"columns": ["a", "b"]},
        "preference": {"encoding": "label", "column": "w", "winners": {"A": 0, "C": 2}},
    }
    with pytest.raises(ValidationError, match=r"winners\.C is 2"):
        LayoutSpec.model_validate(data)
    data["preference"] = {"encoding": "index", "axes": {"m": "w"}, "default_axis": "m", "values": {"x": 3}}
    with pytest.raises(ValidationError, match=r"values\.x is 3"):
        LayoutSpec.model_validate(data)


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ("ties: {A: tie}", "'A' is in both `winners` and `ties`"),
        ("negative", None),
    ],
)
def test_contradictions_are_spec_errors(tmp_path, change, says) -> None:
    if change == "negative":
        text = LABEL_SPEC.replace("WINNERS", "{A: 0}").replace(
            "preference: {encoding: label, column: w, winners: {A: 0}}",
            "preference: {encoding: signed, column: w, negative_prefers: 2}",
        )
        says = "negative_prefers is 2"
    else:
        text = LABEL_SPEC.replace("winners: WINNERS", f"winners: {{A: 0, B: 1}}, {change}")
    with pytest.raises(SpecError, match=says):
        load_spec(_spec(tmp_path, text))


def test_two_response_encoding_with_three_columns_is_refused(tmp_path) -> None:
    text = LABEL_SPEC.replace("WINNERS", "{A: 0, B: 1}").replace("[good, bad]}", "[good, bad, question]}")
    with pytest.raises(SpecError, match=r"`label` compares two responses, but responses.columns lists 3"):
        load_spec(_spec(tmp_path, text))


def test_builtin_specs_pass_their_own_checks() -> None:
    from prefdata._layouts import builtin_specs

    assert all(LayoutSpec.model_validate(s.model_dump()) == s for s in builtin_specs())


# --- columns the source lacks ---


def test_missing_prompt_column_names_the_closest(tmp_path) -> None:
    text = LABEL_SPEC.replace("WINNERS", "{A: 0, B: 1}").replace(
        "[{column: question}]", "[{column: questionn}]"
    )
    run = _convert(tmp_path, _spec(tmp_path, text))
    assert run.exit_code == 2, run.output
    assert "`questionn` (prompt[0].column) is not a column (closest: `question`)" in run.output


def test_every_missing_column_is_named_at_once(tmp_path) -> None:
    text = LABEL_SPEC.replace("WINNERS", "{A: 0, B: 1}").replace("[good, bad]", "[goood, bda]")
    text = text.replace("column: w,", "column: winner,")
    with pytest.raises(SpecError) as err:
        prefdata.convert(_jsonl(tmp_path, ROWS), spec=_spec(tmp_path, text))
    assert all(f"`{c}`" in err.value.what for c in ("goood", "bda", "winner"))
    assert "closest: `good`" in err.value.what


def test_optional_piece_may_be_absent(tmp_path) -> None:
    text = LABEL_SPEC.replace("WINNERS", "{A: 0, B: 1}").replace(
        "[{column: question}]", "[{column: persona, role: system, optional: true}, {column: question}]"
    )
    result = prefdata.convert(_jsonl(tmp_path, ROWS), spec=_spec(tmp_path, text))
    assert result.manifest.splits["train"].rows_out == 2


def test_missing_nested_fields_are_named(tmp_path) -> None:
    rows = [
        {"info": {"post": "A post."}, "items": [{"text": "x", "score": 1}, {"text": "y", "score": 2}]},
    ]
    spec = """\
name: nested
match: {columns: [info, items]}
prompt: [{column: info.postt}]
responses: {list_column: items, field: txt}
preference: {encoding: score, field: score}
"""
    with pytest.raises(SpecError) as err:
        prefdata.convert(_jsonl(tmp_path, rows), spec=_spec(tmp_path, spec))
    assert "`info.postt` (prompt[0].column): no field `postt` in `info` in split train (closest: `post`)" in (
        err.value.what
    )
    assert "`txt` (responses.field): no field `txt` in items of `items`" in err.value.what
    fixed = spec.replace("info.postt", "info.post").replace("field: txt", "field: text")
    assert (
        prefdata.convert(_jsonl(tmp_path, rows), spec=_spec(tmp_path, fixed))
        .manifest.splits["train"]
        .rows_out
        == 1
    )


# --- duplicate keys ---


def test_duplicate_key_in_yaml_spec_is_refused_with_its_line(tmp_path) -> None:
    text = LABEL_SPEC.replace("WINNERS", "{A: 0, B: 1}") + "responses: {columns: [bad, good]}\n"
    run = _convert(tmp_path, _spec(tmp_path, text))
    assert run.exit_code == 2, run.output
    assert "spec.yaml, line 6" in run.output and "key `responses` is given a second time" in run.output


def test_duplicate_key_nested_in_yaml(tmp_path) -> None:
    text = LABEL_SPEC.replace("WINNERS", "{A: 0, B: 1, A: 1}")
    with pytest.raises(SpecError, match="key `A` is given a second time") as err:
        load_spec(_spec(tmp_path, text))
    assert err.value.where.endswith("spec.yaml, line 5")


def test_duplicate_key_in_json_spec_is_refused_with_its_line(tmp_path) -> None:
    text = (
        '{"name": "j", "match": {"columns": ["question", "good", "bad"]},\n'
        ' "prompt": [{"column": "question"}],\n'
        ' "responses": {"columns": ["good", "bad"]},\n'
        ' "preference": {"encoding": "paired"},\n'
        ' "responses": {"columns": ["bad", "good"]}}\n'
    )
    with pytest.raises(SpecError, match="key `responses` is given a second time") as err:
        load_spec(_spec(tmp_path, text, "spec.json"))
    assert err.value.where.endswith("spec.json, line 5")
    nested = '{"name": "j", "match": {"columns": ["a"],\n "columns": ["b"]}}'
    with pytest.raises(SpecError, match="key `columns`") as err:
        load_spec(_spec(tmp_path, nested, "nested.json"))
    assert err.value.where.endswith("line 2")


@pytest.mark.parametrize(
    ("name", "text", "line"),
    [
        ("rm.yaml", "learning_rate: 1.0e-3\nmax_steps: 5\nlearning_rate: 1.0\n", 3),
        ("rm.yaml", "model_init_kwargs: {dtype: float32, dtype: bfloat16}\n", 1),
        ("rm.json", '{"max_steps": 5,\n "max_steps": 500}', 2),
    ],
)
def test_duplicate_key_in_config_file(tmp_path, name, text, line) -> None:
    from prefdata_train._trainer.config_file import ConfigFileError, read_config_file
    from prefdata_train._trainer.reward_config import RewardConfig

    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigFileError, match="is given a second time") as err:
        read_config_file(path, RewardConfig)
    assert err.value.where == f"{path}, line {line}"


def test_json_config_file_is_read(tmp_path) -> None:
    from prefdata_train._trainer.config_file import read_config_file
    from prefdata_train._trainer.reward_config import RewardConfig

    path = tmp_path / "rm.json"
    path.write_text('{"max_steps": 5, "learning_rate": 1e-5}', encoding="utf-8")
    assert read_config_file(path, RewardConfig) == {"max_steps": 5, "learning_rate": 1e-5}


# --- unbounded reads ---


def test_dev_zero_spec_is_refused_after_a_bounded_read() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    code = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\n"  # 1 GB: /dev/zero read whole blows past it
        "from prefdata._layouts import load_spec\n"
        "from prefdata._errors import SpecError\n"
        "try:\n    load_spec('/dev/zero')\nexcept SpecError as exc:\n    print(exc.message)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "too large (more than 1,048,576 bytes)" in proc.stdout


def test_config_from_dev_zero_is_refused() -> None:
    from prefdata_train._trainer.config_file import ConfigFileError, read_config_file
    from prefdata_train._trainer.reward_config import RewardConfig

    with pytest.raises(ConfigFileError, match="too large"):
        read_config_file("/dev/zero", RewardConfig)


def test_spec_from_a_pipe_of_normal_size_works(tmp_path) -> None:
    fifo = tmp_path / "spec-pipe"
    os.mkfifo(fifo)
    text = LABEL_SPEC.replace("WINNERS", "{A: 0, B: 1}")
    writer = threading.Thread(target=lambda: fifo.write_text(text, encoding="utf-8"))
    writer.start()
    try:
        spec = load_spec(fifo)
    finally:
        writer.join(timeout=10)
    assert spec.name == "labelled"


def test_a_tie_kind_nobody_knows_is_a_spec_error(tmp_path) -> None:
    """`ties: {draw: equal}` would make a drop reason validate cannot tell is a tie."""
    spec = _spec(
        tmp_path,
        "name: s\nmatch: {columns: [a, b, w]}\nresponses: {columns: [a, b]}\n"
        "preference: {encoding: label, column: w, winners: {A: 0, B: 1}, ties: {draw: equal}}\n",
    )
    with pytest.raises(SpecError, match="ties.draw"):
        load_spec(spec)

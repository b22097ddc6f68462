"""Hostile inputs to `evaluate`, `score` and `normalize`: each a clear error or a counted drop, never a loss.

Outputs never replace the data or the model; DATA that is the model folder is named as such; a
model config that is not an object stops `normalize` before it loads anything; rows `score`
leaves out are counted; completions the tokenizer cannot read are a counted drop named before the
model loads; the Ties composite shows in the text report.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from datasets import Dataset

from prefdata_train._cli import main
from prefdata_train._evaluation.eval_sets import read_eval_set

GOOD = ["Paris is the capital.", "Boil it for nine minutes.", "Seven is prime."]
BAD = ["I do not know.", "Put it in the freezer.", "Nine is prime."]


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def _best_of_n(i: int, **changes) -> dict:
    row = {
        "id": str(i),
        "prompt": f"Question {i}?",
        "chosen": [GOOD[i % 3]],
        "rejected": [BAD[i % 3], BAD[(i + 1) % 3]],
        "num_correct": 1,
        "subset": ["Factuality", "Math"][i % 2],
    }
    return {**row, **changes}


def _pairs(path: Path, n: int = 6, dropped: int | None = None) -> Path:
    rows = [
        {"prompt": f"Q{i}?", "chosen": None if i == dropped else GOOD[i % 3], "rejected": BAD[i % 3]}
        for i in range(n)
    ]
    return _jsonl(path, rows)


def _run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


def _refused(result, *words: str) -> None:
    assert result.exit_code == 2, result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    for word in words:
        assert word in result.output


@pytest.fixture
def model(tiny_model_dir, tmp_path) -> Path:
    """A private copy of the tiny model: these tests must see any write into it."""
    return Path(shutil.copytree(tiny_model_dir, tmp_path / "model"))


def test_score_refuses_to_overwrite_its_own_data(model, tmp_path):
    data = _pairs(tmp_path / "pairs.jsonl")
    before = data.read_bytes()
    result = _run("score", model, data, data, "--overwrite")
    _refused(result, "is the data")
    assert data.read_bytes() == before


def test_score_refuses_to_write_into_the_model(model, tmp_path):
    data = _pairs(tmp_path / "pairs.jsonl")
    config = model / "config.json"
    before = config.read_bytes()
    result = _run("score", model, data, config, "--overwrite")
    _refused(result, "inside the model")
    assert config.read_bytes() == before
    _refused(_run("score", model, data, model / "scores.parquet"), "inside the model")
    assert not (model / "scores.parquet").exists()


@pytest.mark.parametrize("name", ["other", "other.parquet", "other.jsonl"])
def test_score_overwrite_replaces_earlier_scores_only(model, tmp_path, name):
    """A split folder of another dataset (or a data file) named as OUT stays; earlier scores go."""
    data = _pairs(tmp_path / "pairs.jsonl")
    other = tmp_path / name
    table = Dataset.from_dict({"prompt": ["p"], "chosen": ["c"], "rejected": ["r"]})
    {"other": table.save_to_disk, "other.parquet": table.to_parquet, "other.jsonl": table.to_json}[name](
        str(other)
    )
    before = {p: p.read_bytes() for p in ([other] if other.is_file() else sorted(other.rglob("*")))}
    _refused(_run("score", model, data, other, "--overwrite"), "not scores")
    assert {p: p.read_bytes() for p in before} == before
    shutil.rmtree(other) if other.is_dir() else other.unlink()
    assert _run("score", model, data, other).exit_code == 0
    assert _run("score", model, data, other, "--overwrite").exit_code == 0


def test_evaluate_plot_and_report_keep_off_the_data(model, tmp_path):
    data = _pairs(tmp_path / "pairs.jsonl")
    before = data.read_bytes()
    _refused(_run("evaluate", model, data, "--plot", data), "plot is the data")
    assert data.read_bytes() == before
    folder = tmp_path / "raw"
    folder.mkdir()
    _pairs(folder / "part.jsonl")
    result = _run("evaluate", model, folder, "--no-plot", "--report", folder / "report")
    _refused(result, "inside the data folder")
    assert not (folder / "report").exists()
    _refused(_run("evaluate", model, data, "--no-plot", "--report", model), "inside the model")
    assert not (model / "index.html").exists()


@pytest.mark.parametrize("command", ["evaluate", "normalize"])
def test_data_that_is_the_model_folder_is_named(model, command):
    result = _run(command, model, model, *(["--no-plot"] if command == "evaluate" else []))
    _refused(result, "DATA is the model folder")


def test_score_data_inside_the_model_folder_is_named(model, tmp_path):
    data = _pairs(model / "pairs.jsonl")
    _refused(_run("score", model, data, tmp_path / "s.jsonl"), "DATA lies inside the model folder")


def test_normalize_on_a_config_that_is_not_an_object(model, tmp_path):
    (model / "config.json").write_text("[1, 2]\n", encoding="utf-8")
    result = _run("normalize", model, _pairs(tmp_path / "pairs.jsonl"))
    _refused(result, "not a JSON object")
    assert (model / "config.json").read_text(encoding="utf-8") == "[1, 2]\n"


def test_evaluate_on_a_model_config_that_is_not_json(model, tmp_path):
    (model / "config.json").write_text("{", encoding="utf-8")
    result = _run("evaluate", model, _pairs(tmp_path / "pairs.jsonl"), "--no-plot")
    _refused(result, "cannot load the model")


def test_score_counts_the_rows_it_leaves_out(model, tmp_path):
    data = _pairs(tmp_path / "pairs.jsonl", n=6, dropped=2)
    out = tmp_path / "scores.jsonl"
    result = _run("score", model, data, out)
    assert result.exit_code == 0, result.output
    assert "scored 5 pairs" in result.output and "not scored (train): 1 empty_response" in result.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["row"] for r in rows] == [0, 1, 3, 4, 5]


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"rejected": [5, "fine"]}, "a number"),
        ({"rejected": [{"text": "x"}, "fine"]}, "a dict"),
        ({"prompt": 7}, "a numeric prompt"),
        ({"prompt": {"q": 1}}, "a dict prompt"),
        (
            {
                "chosen": [[{"role": "assistant", "content": "Yes."}]],
                "rejected": [[{"role": "assistant", "content": "No."}]],
            },
            "message lists under a text prompt",
        ),
        ({"rejected": [[{"role": "assistant", "content": "No."}], "fine"]}, "text and messages mixed"),
    ],
)
def test_unreadable_completions_are_a_counted_drop(tmp_path, change, where):
    rows = [_best_of_n(i) for i in range(4)] + [_best_of_n(4, **change)]
    eval_set = read_eval_set(_jsonl(tmp_path / "rb2.jsonl", rows))
    assert eval_set.dropped == {"bad_completion": 1}, where
    assert eval_set.rows == [0, 1, 2, 3]


def test_message_lists_with_a_message_prompt_are_kept(tmp_path):
    rows = [
        _best_of_n(
            i,
            prompt=[{"role": "user", "content": f"Question {i}?"}],
            chosen=[[{"role": "assistant", "content": GOOD[i % 3]}]],
            rejected=[[{"role": "assistant", "content": BAD[i % 3]}]],
        )
        for i in range(3)
    ]
    assert read_eval_set(_jsonl(tmp_path / "rb2.jsonl", rows)).dropped == {}


def test_a_set_of_only_unreadable_items_says_why_before_loading(tmp_path):
    rows = [_best_of_n(i, prompt=i) for i in range(3)]
    missing_model = tmp_path / "no-model"  # the error must come before the model is needed
    result = _run("evaluate", missing_model, _jsonl(tmp_path / "rb2.jsonl", rows), "--no-plot")
    _refused(result, "3 bad_completion", "neither text nor a list of messages")


def test_the_ties_composite_is_in_the_text_report(model, tmp_path):
    rows = []
    for pid in range(3):
        rows.append(
            _best_of_n(
                pid,
                id=f"tied:{pid}",
                subset="Ties",
                chosen=[GOOD[0], GOOD[1]],
                num_correct=2,
                rejected=[BAD[2]],
            )
        )
        rows.append(_best_of_n(pid, id=f"ref:{pid}", subset="Ties", chosen=[GOOD[2]], rejected=[BAD[0]]))
    result = _run("evaluate", model, _jsonl(tmp_path / "ties.jsonl", rows), "--no-plot")
    assert result.exit_code == 0, result.output
    assert any(line.startswith("Ties ") and line.split()[1] == "3" for line in result.output.splitlines())


def test_score_removes_what_a_killed_run_left_and_keeps_a_live_runs(model, tmp_path):
    data = _pairs(tmp_path / "pairs.jsonl")
    dead_pid = _exited_pid()
    left = tmp_path / f".scores.jsonl.partial-{dead_pid}"
    left.write_text("half", encoding="utf-8")
    live = tmp_path / f".scores.jsonl.partial-{os.getppid()}"
    live.write_text("being written", encoding="utf-8")
    assert _run("score", model, data, tmp_path / "scores.jsonl").exit_code == 0
    assert not left.exists() and live.read_text(encoding="utf-8") == "being written"


def _exited_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid

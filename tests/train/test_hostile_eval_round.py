"""Hostile evaluation data and odd options for `evaluate`, `score` and `normalize` (second round).

Sequences past the model's positions are refused with the `--max-length` fix, not scored
silently; a model giving NaN rewards writes no score file; `--report` and `--plot` replace only
an earlier report or PNG; a `margin` column of a list-shaped file that holds text or NaN is named
before the model loads; RewardBench subsets in no section are named in the score's formula;
input columns named like `score`'s own columns are kept, not overwritten.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from safetensors.torch import load_file, save_file

from prefdata._errors import PrefdataError
from prefdata_train._cli import main
from prefdata_train._evaluation import rewardbench
from prefdata_train._evaluation.eval_sets import read_eval_set

GOOD = ["Paris is the capital.", "Boil it for nine minutes.", "Seven is prime."]
BAD = ["I do not know.", "Put it in the freezer.", "Nine is prime."]


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def _pairs(path: Path, n: int = 4, **columns) -> Path:
    rows = [{"prompt": f"Q{i}?", "chosen": GOOD[i % 3], "rejected": BAD[i % 3], **columns} for i in range(n)]
    return _jsonl(path, rows)


def _run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


def _refused(result, *words: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for word in words:
        assert word in result.output, result.output


@pytest.fixture
def model(tiny_model_dir, tmp_path) -> Path:
    return Path(shutil.copytree(tiny_model_dir, tmp_path / "model"))


def _edit_config(model: Path, **changes) -> None:
    config = json.loads((model / "config.json").read_text(encoding="utf-8"))
    config.update(changes)
    (model / "config.json").write_text(json.dumps(config), encoding="utf-8")


# ---- sequences longer than the model's positions ----


def test_sequences_past_the_models_positions_are_refused_with_the_fix(model, tmp_path):
    # before: scored silently past max_position_embeddings (a rotary model reads positions it
    # never saw; a learned-position model fails with an index error), nothing said or counted
    _edit_config(model, max_position_embeddings=32)
    rows = [{"prompt": f"Q{i}?", "chosen": GOOD[i % 3], "rejected": BAD[i % 3]} for i in range(3)]
    rows[1]["chosen"] = "word " * 200
    data = _jsonl(tmp_path / "long.jsonl", rows)
    out = tmp_path / "scores.jsonl"
    _refused(
        _run("score", model, data, out), "longer than the model's 32 positions", "row 1", "--max-length 32"
    )
    assert not out.exists()
    _refused(_run("evaluate", model, data, "--no-plot"), "--max-length 32")
    # the fix works: truncated to the model's positions, every pair is scored
    result = _run("score", model, data, out, "--max-length", 32)
    assert result.exit_code == 0, result.output
    assert len(out.read_text(encoding="utf-8").splitlines()) == 3
    assert "truncated (train): 1 rows cut to --max-length tokens" in result.output


def test_items_cut_by_max_length_are_counted_in_the_report(model, tmp_path):
    """Truncation is the user's choice, but never silent: the report counts the items cut."""
    rows = [{"prompt": f"Q{i}?", "chosen": GOOD[i % 3], "rejected": BAD[i % 3]} for i in range(4)]
    rows[1]["chosen"] = "word " * 200
    rows[3]["prompt"] = "long question " * 100
    data = _jsonl(tmp_path / "long.jsonl", rows)
    result = _run("evaluate", model, data, "--no-plot", "--max-length", 48, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["truncated"], report["max_length"], report["n_pairs"]) == (2, 48, 4)
    text = _run("evaluate", model, data, "--no-plot", "--max-length", 48, "--report", tmp_path / "page")
    assert "truncated  2 items cut to --max-length 48 tokens" in text.output
    assert "2 items were cut to 48 tokens" in (tmp_path / "page" / "index.html").read_text(encoding="utf-8")
    whole = json.loads(_run("evaluate", model, data, "--no-plot", "--json").stdout)
    assert whole["truncated"] == 0 and whole["max_length"] is None


# ---- NaN rewards ----


def test_score_with_a_model_giving_nan_rewards_writes_nothing(model, tmp_path):
    # before: `score` wrote the file with every reward null (JSON) and said nothing
    weights = load_file(str(model / "model.safetensors"))
    weights = {
        k: torch.full_like(v, float("nan")) if k.startswith("score") else v for k, v in weights.items()
    }
    save_file(weights, str(model / "model.safetensors"), metadata={"format": "pt"})
    out = tmp_path / "scores.jsonl"
    _refused(_run("score", model, _pairs(tmp_path / "pairs.jsonl"), out), "non-finite reward", "row 0")
    assert not out.exists() and not list(tmp_path.glob(".scores.jsonl*"))


# ---- outputs that must not replace what is not ours ----


def test_report_folder_keeps_an_index_html_that_is_no_report(model, tmp_path):
    # before: the user's own index.html was replaced by the report without a word
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "index.html").write_text("<html>my page</html>", encoding="utf-8")
    data = _pairs(tmp_path / "pairs.jsonl")
    _refused(_run("evaluate", model, data, "--no-plot", "--report", folder), "not a page written by")
    assert (folder / "index.html").read_text(encoding="utf-8") == "<html>my page</html>"
    # an earlier report is replaced
    fresh = tmp_path / "report"
    assert _run("evaluate", model, data, "--no-plot", "--report", fresh).exit_code == 0
    assert _run("evaluate", model, data, "--no-plot", "--report", fresh).exit_code == 0


def test_plot_keeps_a_file_that_is_no_png(model, tmp_path):
    # before: `--plot notes.txt` (or a mistyped path) replaced that file with a PNG
    notes = tmp_path / "notes.png"
    notes.write_text("not an image", encoding="utf-8")
    data = _pairs(tmp_path / "pairs.jsonl")
    _refused(_run("evaluate", model, data, "--plot", notes), "not a PNG image")
    assert notes.read_text(encoding="utf-8") == "not an image"
    plot = tmp_path / "plot.png"
    assert _run("evaluate", model, data, "--plot", plot).exit_code == 0
    assert _run("evaluate", model, data, "--plot", plot).exit_code == 0  # an earlier plot is replaced


# ---- margin column of list shapes ----


def _best_of_n(i: int, margin) -> dict:
    return {
        "id": str(i),
        "prompt": f"Q{i}?",
        "chosen": [GOOD[i % 3]],
        "rejected": [BAD[i % 3], BAD[(i + 1) % 3]],
        "num_correct": 1,
        "subset": "Math",
        "margin": margin,
    }


@pytest.mark.parametrize("bad", ["big", True, float("nan"), float("inf")])
def test_a_margin_that_is_no_finite_number_is_named(tmp_path, bad):
    # before: text was a ValueError traceback after scoring; NaN skewed the quantile buckets
    rows = [_best_of_n(i, m) for i, m in enumerate([0.5, None, bad, 1.0])]
    with pytest.raises(PrefdataError, match="column `margin` holds .* in row 2"):
        read_eval_set(_jsonl(tmp_path / "rb2.jsonl", rows))


def test_a_bad_margin_is_refused_before_the_model_loads(tmp_path):
    rows = [_best_of_n(i, m) for i, m in enumerate([0.5, "big", 1.0])]
    result = _run("evaluate", tmp_path / "no-model", _jsonl(tmp_path / "rb2.jsonl", rows), "--no-plot")
    _refused(result, "`margin` holds 'big' in row 1")


def test_null_margins_are_still_left_out(tmp_path):
    rows = [_best_of_n(i, m) for i, m in enumerate([0.5, None, 1.0])]
    assert read_eval_set(_jsonl(tmp_path / "rb2.jsonl", rows)).columns["margin"] == [0.5, None, 1.0]


# ---- RewardBench subsets in no section ----


def test_rewardbench_names_the_subsets_its_score_leaves_out():
    # before: pairs of a subset in no section were left out of the score without a word
    correct = np.array([True, False, True, True, False])
    subsets = ["alpacaeval-easy", "mine", "hep-go", "mine", None]
    overall = rewardbench.overall_score(correct, subsets)
    assert overall is not None
    assert overall.score == pytest.approx(1.0)  # Chat 1/1, Reasoning 1/1: the misses are outside
    assert "3 pair(s) of subset(s) mine, null in no section" in overall.formula
    only_known = rewardbench.overall_score(correct[[0, 2]], ["alpacaeval-easy", "hep-go"])
    assert only_known is not None and "in no section" not in only_known.formula


# ---- score output columns ----


def test_score_keeps_input_columns_named_like_its_own(model, tmp_path):
    # before: an input `split`, `row` or `chosen_reward` column vanished from the output
    data = _pairs(tmp_path / "pairs.jsonl", split="hs2-train", row=7, chosen_reward=9.5, input_row="x")
    out = tmp_path / "scores.jsonl"
    result = _run("score", model, data, out)
    assert result.exit_code == 0, result.output
    first = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert (first["split"], first["row"]) == ("train", 0)
    assert first["input_split"] == "hs2-train" and first["input_chosen_reward"] == 9.5
    # `row` cannot become `input_row`: that name is an input column of its own
    assert first["input_row"] == "x" and first["input_input_row"] == 7
    assert first["chosen_reward"] != 9.5


# ---- a classifier is not a reward model ----


@pytest.mark.parametrize("command", ["evaluate", "score"])
def test_a_two_label_classifier_is_refused_without_advice_to_drop_its_head(tiny_model_dir, tmp_path, command):
    from transformers import AutoModelForSequenceClassification

    classifier = tmp_path / "classifier"
    shutil.copytree(tiny_model_dir, classifier)
    AutoModelForSequenceClassification.from_pretrained(
        tiny_model_dir, num_labels=2, ignore_mismatched_sizes=True
    ).save_pretrained(classifier)
    data = _pairs(tmp_path / "pairs.jsonl")
    args = [command, classifier, data] + ([tmp_path / "scores.jsonl"] if command == "score" else [])
    result = _run(*args)
    _refused(result, "num_labels=2", "a classifier, not a reward model", "not guessed")
    assert "from_pretrained(path, num_labels=1)" not in result.output

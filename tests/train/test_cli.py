"""The `prefdata-train` command end to end on tiny models: fit, evaluate, score, tiny-model, errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cli_data import write_conversational, write_standard
from click.testing import CliRunner
from datasets import Dataset, load_from_disk
from transformers import AutoModelForSequenceClassification, pipeline

import prefdata_train._workflows.fit as fit_module
from prefdata._errors import SourceError
from prefdata_train._cli import main
from prefdata_train._data.canonical_reader import load_canonical, pair_shape, pair_texts
from prefdata_train._workflows.fit import FitResult

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
FAST = [
    "--per-device-train-batch-size",
    "4",
    "--logging-steps",
    "1",
    "--max-length",
    "64",
    "--no-bf16",
    "--use-cpu",
    "--report-to",
    "none",
    "--seed",
    "0",
]


def invoke(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


def assert_user_error(result, *needles: str) -> None:
    """Exit 2 with an `error:` message naming each needle, and no traceback."""
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert result.output.startswith("error: ") or "\nerror: " in result.output
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in result.output


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    return write_standard(tmp_path_factory.mktemp("canonical") / "data")


@pytest.fixture(scope="module")
def fitted(tmp_path_factory, data_dir, tiny_model_dir) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("fit") / "model"
    result = invoke(
        "fit",
        data_dir,
        "--model",
        tiny_model_dir,
        "--output-dir",
        out,
        "--max-steps",
        5,
        "--save-steps",
        5,
        *FAST,
    )
    return out, result


def test_fit_writes_a_loadable_model_card_metrics_and_plot(fitted):
    out, result = fitted
    assert result.exit_code == 0, result.output
    assert "trained 5 steps on 24 pairs" in result.output
    model = AutoModelForSequenceClassification.from_pretrained(out)
    assert model.config.num_labels == 1
    scorer = pipeline("text-classification", model=str(out), function_to_apply="none")
    [scored] = scorer("Q: Is the sky blue? A: Yes.")
    assert isinstance(scored["score"], float)
    assert (out / "README.md").read_text().strip()
    history = json.loads((out / "metrics.json").read_text())
    assert [e["step"] for e in history if "loss" in e] == [1, 2, 3, 4, 5]
    assert any("eval_accuracy" in e for e in history)  # the test split is evaluated after training
    png = (out / "training.png").read_bytes()
    assert png.startswith(PNG_MAGIC) and len(png) > 1000


def test_fit_resumes_from_the_last_checkpoint(fitted, data_dir, tiny_model_dir, tmp_path):
    out, _ = fitted
    copy = tmp_path / "model"
    shutil.copytree(out, copy)
    result = invoke(
        "fit", data_dir, "--model", tiny_model_dir, "--output-dir", copy, "--max-steps", 6, "--resume", *FAST
    )
    assert result.exit_code == 0, result.output
    assert "resumed from" in result.output and "checkpoint-5" in result.output
    history = json.loads((copy / "metrics.json").read_text())
    # Only step 6 is trained now; steps 1-5 come back from the checkpoint's state.
    assert [e["step"] for e in history if "loss" in e] == [1, 2, 3, 4, 5, 6]


def test_fit_on_conversational_data_without_eval_split(tmp_path, tiny_model_dir):
    data = write_conversational(tmp_path / "conv", n=6)
    out = tmp_path / "model"
    result = invoke(
        "fit", data, "--model", tiny_model_dir, "--output-dir", out, "--max-steps", 2, "--resume", *FAST
    )
    assert result.exit_code == 0, result.output
    assert "no checkpoint in" in result.output  # --resume with nothing to resume from says so
    history = json.loads((out / "metrics.json").read_text())
    assert [e["step"] for e in history if "loss" in e] == [1, 2]
    assert not any(key.startswith("eval_") for entry in history for key in entry)
    assert AutoModelForSequenceClassification.from_pretrained(out).config.num_labels == 1


def fake_fit(seen: dict):
    def run(data_dir, model, output_dir, config, resume=False):
        seen.update(config=config, resume=resume, model=model)
        return FitResult(
            output_dir=str(output_dir), train_rows=1, global_step=0, metrics_path="m", plot_path="p"
        )

    return run


def test_command_line_overrides_the_config_file(monkeypatch, data_dir, tiny_model_dir, tmp_path):
    seen: dict = {}
    monkeypatch.setattr(fit_module, "fit", fake_fit(seen))
    config = tmp_path / "train.yaml"
    config.write_text("max_steps: 3\nlearning_rate: 0.02\ntruncation_mode: keep_end_of_prompt\nbf16: false\n")
    result = invoke(
        "fit",
        data_dir,
        "--model",
        tiny_model_dir,
        "--output-dir",
        tmp_path / "o",
        "--config",
        config,
        "--max-steps",
        11,
        "--use-cpu",
        "--resume",
    )
    assert result.exit_code == 0, result.output
    cfg = seen["config"]
    assert (cfg.max_steps, cfg.learning_rate, cfg.truncation_mode) == (11, 0.02, "keep_end_of_prompt")
    assert cfg.disable_tqdm is True  # no terminal under CliRunner
    assert cfg.output_dir == str(tmp_path / "o") and seen["resume"] is True


def test_config_file_with_unknown_keys_exits_2_naming_them(data_dir, tiny_model_dir, tmp_path):
    config = tmp_path / "train.yaml"
    config.write_text("max_stepz: 3\nlerning_rate: 0.1\n")
    result = invoke(
        "fit", data_dir, "--model", tiny_model_dir, "--output-dir", tmp_path / "o", "--config", config
    )
    assert_user_error(result, "unknown key `max_stepz`", "unknown key `lerning_rate`", "`max_steps`")


def test_fit_stops_on_structure_errors_with_exit_1(tmp_path, tiny_model_dir, monkeypatch):
    monkeypatch.setattr(fit_module, "fit", lambda *a, **k: pytest.fail("trained on broken data"))
    data = write_conversational(tmp_path / "broken", role="robot")
    result = invoke("fit", data, "--model", tiny_model_dir, "--output-dir", tmp_path / "o")
    assert result.exit_code == 1, result.output
    assert "structure.roles" in result.output and "structure errors" in result.output


def test_evaluate_json_reports_accuracy_groups_and_margins(fitted, data_dir, tmp_path):
    out, _ = fitted
    plot = tmp_path / "dist.png"
    result = invoke("evaluate", out, data_dir, "--by", "source", "--json", "--plot", plot, "--batch-size", 3)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["split"] == "test" and report["n_pairs"] == 8
    assert 0.0 <= report["accuracy"] <= 1.0
    assert set(report["by_group"]) == {"chat", "forum"}
    assert sum(g["n"] for g in report["by_group"].values()) == report["n_pairs"]
    assert 0 < sum(b["n"] for b in report["by_margin"]) <= report["n_pairs"]
    assert plot.read_bytes().startswith(PNG_MAGIC)


def test_evaluate_prints_a_table(fitted, data_dir, tmp_path, monkeypatch):
    out, _ = fitted
    monkeypatch.chdir(tmp_path)
    result = invoke("evaluate", out, data_dir, "--split", "train", "--by", "source")
    assert result.exit_code == 0, result.output
    # the plot goes beside the model, not into the working directory (issue 10)
    for line in (
        "pairs      24",
        "accuracy",
        "mean gap",
        "forum",
        "margin",
        f"plot: {out}/reward-distribution.png",
    ):
        assert line in result.output
    assert (out / "reward-distribution.png").read_bytes().startswith(PNG_MAGIC)


def test_evaluate_refuses_a_list_column(fitted, tmp_path):
    out, _ = fitted
    data = write_conversational(tmp_path / "conv")
    result = invoke("evaluate", out, data, "--split", "train", "--by", "chosen", "--no-plot")
    assert_user_error(result, "column `chosen` holds lists or structs")


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet", ""])
def test_score_writes_one_reward_per_side_of_every_pair(fitted, data_dir, tmp_path, suffix):
    out, _ = fitted
    target = tmp_path / f"scores{suffix}"
    result = invoke("score", out, data_dir, target, "--batch-size", 5)
    assert result.exit_code == 0, result.output
    assert "scored 32 pairs (train: 24, test: 8)" in result.output
    if suffix == ".jsonl":
        rows = [json.loads(line) for line in target.read_text().splitlines()]
    elif suffix == ".parquet":
        import pyarrow.parquet as pq

        rows = pq.read_table(target).to_pylist()
    else:
        rows = load_from_disk(str(target)).to_list()
    assert len(rows) == 32
    assert [r["split"] for r in rows] == ["train"] * 24 + ["test"] * 8
    assert [r["source_row"] for r in rows[24:]] == list(range(1000, 1008))
    assert [r["row"] for r in rows[24:]] == list(range(8))
    assert all(
        isinstance(r["chosen_reward"], float) and isinstance(r["rejected_reward"], float) for r in rows
    )


def test_score_and_evaluate_agree(fitted, data_dir, tmp_path):
    out, _ = fitted
    target = tmp_path / "test.jsonl"
    assert invoke("score", out, data_dir, target, "--split", "test").exit_code == 0
    rows = [json.loads(line) for line in target.read_text().splitlines()]
    report = json.loads(invoke("evaluate", out, data_dir, "--json", "--no-plot").stdout)
    correct = sum(r["chosen_reward"] > r["rejected_reward"] for r in rows)
    assert report["accuracy"] == pytest.approx(correct / len(rows))


def test_tiny_model_builds_a_loadable_model_from_the_data(tmp_path):
    data = write_conversational(tmp_path / "conv")
    result = invoke(
        "tiny-model",
        tmp_path / "tiny",
        "--data",
        data,
        "--hidden-size",
        32,
        "--layers",
        1,
        "--vocab-size",
        400,
        "--arch",
        "llama",
    )
    assert result.exit_code == 0, result.output
    model = AutoModelForSequenceClassification.from_pretrained(tmp_path / "tiny")
    assert (model.config.model_type, model.config.hidden_size, model.config.num_hidden_layers) == (
        "llama",
        32,
        1,
    )
    assert model.config.num_labels == 1


def test_tokenizer_texts_include_messages_and_tool_calls(tmp_path):
    texts = list(pair_texts(load_canonical(write_conversational(tmp_path / "conv", n=4))))
    assert "What is the capital of France?" in texts  # prompt message
    assert "Paris is the capital." in texts and "I do not know." in texts  # chosen / rejected
    assert '{"city": "Paris"}' in texts and "lookup" in texts  # a tool call's name and arguments


def test_columns_outside_the_four_shapes_are_unusable(tmp_path):
    path = tmp_path / "mixed"
    Dataset.from_dict({"prompt": ["p"], "chosen": ["c"], "rejected": [3]}).save_to_disk(str(path))
    with pytest.raises(SourceError, match="all strings or all message lists"):
        pair_shape(load_canonical(path)["train"], str(path))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("fit", "{missing}", "--model", "{model}", "--output-dir", "{tmp}/o"), "data folder does not exist"),
        # evaluate and score read raw files too, so the message names a file or folder
        (("evaluate", "{model}", "{missing}"), "no such file or folder"),
        (("score", "{model}", "{missing}", "{tmp}/s.jsonl"), "no such file or folder"),
        (("tiny-model", "{tmp}/t", "--data", "{missing}"), "data folder does not exist"),
    ],
)
def test_missing_data_folder_is_a_user_error(args, message, tmp_path, tiny_model_dir):
    values = {"missing": tmp_path / "nope", "model": tiny_model_dir, "tmp": tmp_path}
    result = invoke(*(a.format(**values) for a in args))
    assert_user_error(result, message, str(tmp_path / "nope"))


@pytest.mark.parametrize(
    "args",
    [
        ("fit", "{data}", "--model", "{missing}", "--output-dir", "{tmp}/o"),
        ("evaluate", "{missing}", "{data}"),
        ("score", "{missing}", "{data}", "{tmp}/s.jsonl"),
    ],
)
def test_missing_model_is_a_user_error(args, tmp_path, data_dir):
    values = {"missing": tmp_path / "no-model", "data": data_dir, "tmp": tmp_path}
    result = invoke(*(a.format(**values) for a in args))
    assert_user_error(result, str(tmp_path / "no-model"), "does not exist")


def test_missing_split_names_the_splits_there_are(fitted, data_dir):
    out, _ = fitted
    result = invoke("evaluate", out, data_dir, "--split", "dev")
    assert_user_error(result, "no split `dev`", "train, test")


def test_real_process_exit_status_and_no_traceback(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "prefdata_train", "evaluate", str(tmp_path / "m"), str(tmp_path / "d")],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: ") and "Traceback" not in proc.stderr

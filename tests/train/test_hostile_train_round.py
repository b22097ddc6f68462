"""Hostile use of `prefdata-train fit` and the trainer: settings out of range or at odds, an output
folder over the inputs, a checkpoint of another model, a diverged run, an interrupted save, a
tokenizer without what the data needs. Each is a clear error or a counted result, never a
traceback, a silently broken model or a wrong metric."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import torch
from cli_data import write_standard
from datasets import Dataset
from train_helpers import FIT_FAST, fast_config, invoke, load, snapshot

from prefdata._errors import PrefdataError
from prefdata_train._data.preprocessing import _chat_ids
from prefdata_train._modeling.model_loading import load_model, load_tokenizer
from prefdata_train._trainer.reward_trainer import RewardTrainer
from prefdata_train._workflows import final_save
from prefdata_train._workflows.fit import removed_on_failure
from prefdata_train._workflows.fit_checks import (
    check_a_full_batch,
    check_checkpoint_fits,
    check_eval_needs,
    check_finite_weights,
    check_training_length,
)

FAST = [*FIT_FAST, "--no-activation-checkpointing"]


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    return write_standard(tmp_path_factory.mktemp("hostile") / "data", n_train=8, n_test=4)


# ---- settings ----


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("per_device_train_batch_size", 0),
        ("per_device_eval_batch_size", 0),
        ("gradient_accumulation_steps", 0),
        ("learning_rate", -1.0),
        ("learning_rate", float("nan")),
        ("max_length", 0),
        ("center_rewards_coefficient", -0.5),
        ("center_rewards_coefficient", float("nan")),
        ("center_rewards_coefficient", float("inf")),
    ],
)
def test_a_setting_out_of_range_is_an_error_naming_it(tmp_path, field, value):
    # before: a torch/transformers traceback at the first step, or (NaN/negative centering)
    # a model with NaN weights or rewards pushed apart saved as a result
    with pytest.raises(PrefdataError, match=f"`{field}` \\(--{field.replace('_', '-')}\\) is"):
        fast_config(tmp_path, **{field: value})


def test_every_setting_out_of_range_is_named_in_one_error(tmp_path):
    with pytest.raises(PrefdataError, match="3 setting") as info:
        fast_config(tmp_path, per_device_train_batch_size=0, learning_rate=-1.0, max_length=0)
    assert all(name in str(info.value) for name in ("batch_size", "learning_rate", "max_length"))


def test_settings_in_range_still_pass(tmp_path):
    config = fast_config(tmp_path, max_length=None, center_rewards_coefficient=0.0, learning_rate=0.0)
    assert config.max_length is None


def test_the_cli_reports_out_of_range_settings_without_a_traceback(data, tiny_model_dir, tmp_path):
    result = invoke(
        "fit",
        data,
        "--model",
        tiny_model_dir,
        "--output-dir",
        tmp_path / "rm",
        *FAST,
        "--gradient-accumulation-steps",
        "0",
    )
    assert result.exit_code == 2, result.output
    assert "gradient_accumulation_steps" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "rm").exists()


@pytest.mark.parametrize("epochs", [0.0, -1.0, float("nan")])
def test_no_epochs_and_no_max_steps_trains_nothing_and_is_refused(tmp_path, epochs):
    with pytest.raises(PrefdataError, match="no step would be trained"):
        check_training_length(fast_config(tmp_path, max_steps=-1, num_train_epochs=epochs))
    check_training_length(fast_config(tmp_path, max_steps=3, num_train_epochs=0.0))  # max_steps decides


def test_evaluating_during_training_without_an_eval_split_is_named(tmp_path):
    # before: transformers' ValueError with a traceback when the trainer was built
    config = fast_config(tmp_path, eval_strategy="steps", eval_steps=1)
    with pytest.raises(PrefdataError, match="eval_strategy=steps.*no test or validation split"):
        check_eval_needs(config, None, "data")
    check_eval_needs(config, "test", "data")


def test_drop_last_with_fewer_pairs_than_a_batch_is_refused(tmp_path):
    # before: "args.max_steps must be set to a positive value" from deep in the trainer
    config = fast_config(tmp_path, dataloader_drop_last=True, per_device_train_batch_size=4)
    with pytest.raises(PrefdataError, match="drops every batch: 1 pair"):
        check_a_full_batch(config, 1)
    check_a_full_batch(config, 4)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"dtype": "nonsense"}, "not a floating-point torch dtype"), ({"foo": 1}, "unexpected keyword")],
)
def test_bad_model_init_kwargs_are_a_user_error(tiny_model_dir, tmp_path, kwargs, message):
    with pytest.raises(PrefdataError, match=message):
        load_model(str(tiny_model_dir), fast_config(tmp_path, model_init_kwargs=kwargs))


# ---- paths ----


@pytest.mark.parametrize("target", ["data", "data/train/model", "model", "."])
def test_fit_never_writes_into_or_around_its_inputs(tmp_path, tiny_model_dir, target):
    data = write_standard(tmp_path / "data", n_train=8, n_test=4)
    model = tmp_path / "model"
    model.mkdir()
    for file in tiny_model_dir.iterdir():
        (model / file.name).write_bytes(file.read_bytes())
    before = snapshot(tmp_path)
    result = invoke("fit", data, "--model", model, "--output-dir", tmp_path / target, *FAST)
    assert result.exit_code == 2, result.output
    assert "output folder" in result.output and "Traceback" not in result.output
    assert snapshot(tmp_path) == before


def test_a_missing_chat_template_file_is_named_not_looked_up_on_the_hub(tiny_model_dir, tmp_path):
    # before: five retries against the Hub, then "cannot load the model" blaming the model
    config = fast_config(tmp_path, chat_template_path=str(tmp_path / "nothere.jinja"))
    with pytest.raises(PrefdataError, match="chat template file not found"):
        load_tokenizer(str(tiny_model_dir), None, config)


# ---- resuming, diverging, saving ----


def test_resuming_from_a_checkpoint_of_another_model_is_refused(tiny_model_dir, tmp_path):
    # before: torch's load_state_dict traceback listing every size mismatch
    model, _ = load(tiny_model_dir)
    checkpoint = tmp_path / "checkpoint-3"
    checkpoint.mkdir()
    other = {**model.config.to_dict(), "hidden_size": model.config.hidden_size * 2}
    (checkpoint / "config.json").write_text(json.dumps(other))
    with pytest.raises(PrefdataError, match="another model.*hidden_size"):
        check_checkpoint_fits(checkpoint, model)
    (checkpoint / "config.json").write_text(json.dumps(model.config.to_dict()))
    check_checkpoint_fits(checkpoint, model)


def test_a_diverged_model_is_not_saved(tiny_model_dir):
    model, _ = load(tiny_model_dir)
    check_finite_weights(model, 3)
    with torch.no_grad():
        next(model.parameters())[0, 0] = float("nan")
    with pytest.raises(PrefdataError, match="training diverged.*after step 3"):
        check_finite_weights(model, 3)


def test_an_interrupted_run_removes_the_folder_it_created(tmp_path):
    # SIGTERM is raised as an interrupt (a BaseException): before, only `Exception` cleaned up
    out = tmp_path / "rm"
    with pytest.raises(KeyboardInterrupt), removed_on_failure(out):
        out.mkdir()
        raise KeyboardInterrupt
    assert not out.exists()


def _old_model(out: Path) -> None:
    out.mkdir()
    (out / "config.json").write_text('{"old": true}')
    (out / "model-00001-of-00002.safetensors").write_text("old shard")
    (out / "metrics.json").write_text("[]")


def _staged(out: Path) -> Path:
    staging = out / final_save.STAGING_NAME
    staging.mkdir()
    for name in ("config.json", "model.safetensors", "tokenizer.json"):
        (staging / name).write_text(f"new {name}")
    return staging


def test_publishing_moves_the_model_in_whole_and_config_last(tmp_path):
    out = tmp_path / "rm"
    _old_model(out)
    final_save.publish(_staged(out), out)
    assert (out / "config.json").read_text() == "new config.json"
    assert not (out / "model-00001-of-00002.safetensors").exists()  # an old layout's weights go
    assert (out / "metrics.json").exists()


def test_a_save_killed_midway_leaves_no_loadable_half_model(tmp_path, monkeypatch):
    out = tmp_path / "rm"
    _old_model(out)
    staging = _staged(out)
    moved = []

    def dies_after_one(src, dst):
        if moved:
            raise KeyboardInterrupt  # the process stops here
        moved.append(Path(dst).name)
        os.rename(src, dst)

    monkeypatch.setattr(final_save.os, "replace", dies_after_one)
    with pytest.raises(KeyboardInterrupt):
        final_save.publish(staging, out)
    assert moved and moved[0] != "config.json"  # weights and the rest before the marker
    assert not (out / "config.json").exists()  # so the folder is not taken for a model


def test_fit_from_a_normalised_model_does_not_carry_its_normalisation(data, tiny_model_dir, tmp_path):
    # before: the trained model's config kept the starting model's mean and std, and
    # `score --normalize` standardised its rewards with another model's numbers
    start = tmp_path / "start"
    start.mkdir()
    for file in tiny_model_dir.iterdir():
        (start / file.name).write_bytes(file.read_bytes())
    config = json.loads((start / "config.json").read_text())
    config["reward_normalization"] = {"mean": 5.0, "std": 0.001, "n": 2, "data": "x", "split": None}
    (start / "config.json").write_text(json.dumps(config))
    out = tmp_path / "rm"
    result = invoke("fit", data, "--model", start, "--output-dir", out, *FAST)
    assert result.exit_code == 0, result.output
    assert "reward_normalization" not in json.loads((out / "config.json").read_text())
    assert not (out / final_save.STAGING_NAME).exists()
    assert f'from_pretrained("{out}")' in (out / "README.md").read_text()  # not the staging folder
    score = invoke("score", out, data, tmp_path / "s.jsonl", "--normalize")
    assert score.exit_code == 2 and "no reward normalisation" in score.output


# ---- tokenizer and data ----


def test_conversations_without_a_chat_template_are_a_user_error(tiny_model_dir):
    # before: transformers' ValueError traceback in fit and in evaluate
    _, tokenizer = load(tiny_model_dir)
    tokenizer.chat_template = None
    with pytest.raises(PrefdataError, match="no chat template"):
        _chat_ids(tokenizer, [{"role": "user", "content": "hi"}], {})


def test_a_tokenizer_without_pad_or_eos_token_is_named(tiny_model_dir, tmp_path):
    _, tokenizer = load(tiny_model_dir)
    tokenizer.pad_token = None
    tokenizer.eos_token = None
    with pytest.raises(PrefdataError, match="neither a pad token nor an eos token"):
        load_tokenizer(str(tiny_model_dir), tokenizer, fast_config(tmp_path))


def test_reward_metrics_of_a_last_incomplete_batch_keep_the_rejected_rewards(tiny_model_dir, tmp_path):
    # before: gather_for_metrics cut the (chosen, rejected) rewards of a 1-pair last batch to the
    # chosen one: min == mean == max was logged
    pair = {"prompt": "Q: Is the sky blue? A:", "chosen": " Yes, it is.", "rejected": " No idea at all."}
    config = fast_config(tmp_path, max_steps=1, per_device_train_batch_size=4)
    trainer = RewardTrainer(model=str(tiny_model_dir), args=config, train_dataset=Dataset.from_list([pair]))
    trainer.train()
    logged = next(e for e in trainer.state.log_history if "min_reward" in e)
    assert logged["min_reward"] < logged["max_reward"]
    assert logged["mean_reward"] == pytest.approx((logged["min_reward"] + logged["max_reward"]) / 2, abs=1e-6)
    assert abs(logged["margin"]) == pytest.approx(logged["max_reward"] - logged["min_reward"], abs=1e-6)

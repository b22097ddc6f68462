"""`--config` files and the CLI options derived from `RewardConfig`'s fields."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from prefdata_train._cli.config_options import config_options, typed_values
from prefdata_train._trainer.config_fields import config_fields
from prefdata_train._trainer.config_file import ConfigFileError, build_config, read_config_file
from prefdata_train._trainer.reward_config import RewardConfig

CPU = {"use_cpu": True, "bf16": False, "report_to": "none"}


def write(tmp_path, text: str):
    path = tmp_path / "train.yaml"
    path.write_text(text)
    return path


def test_every_problem_is_reported_at_once(tmp_path):
    path = write(tmp_path, "max_stepz: 3\nlearning_rat: 0.1\nmax_steps: ten\ntruncation_mode: bogus\n")
    with pytest.raises(ConfigFileError) as err:
        read_config_file(path, RewardConfig)
    message = err.value.message
    assert "4 problem(s)" in message
    assert "unknown key `max_stepz`" in message and "`max_steps`" in message  # close match offered
    assert "unknown key `learning_rat`" in message and "`learning_rate`" in message
    assert "`max_steps` = 'ten' (str); expected int" in message
    assert "`truncation_mode` = 'bogus'" in message and "'keep_end_of_prompt'" in message
    assert str(path) in message


def test_values_are_checked_and_yaml_number_text_is_read(tmp_path):
    text = (
        "learning_rate: 1e-5\nmax_steps: 7\nmodel_init_kwargs: {dtype: float32}\n"
        "report_to: [none]\nbf16: false\n"
    )
    values = read_config_file(write(tmp_path, text), RewardConfig)
    # YAML 1.1 leaves `1e-5` as text; a float field reads it as a number.
    assert values == {
        "learning_rate": 1e-5,
        "max_steps": 7,
        "model_init_kwargs": {"dtype": "float32"},
        "report_to": ["none"],
        "bf16": False,
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [("- a\n- b\n", "expected a mapping"), ("a: [1, 2\n", "not valid YAML"), ("bf16: 'yes'\n", "`bf16`")],
)
def test_unreadable_files_raise_a_user_error(tmp_path, text, expected):
    with pytest.raises(ConfigFileError, match=expected):
        read_config_file(write(tmp_path, text), RewardConfig)


def test_missing_file_is_a_user_error(tmp_path):
    with pytest.raises(ConfigFileError, match="config file not found"):
        read_config_file(tmp_path / "nope.yaml", RewardConfig)


def test_empty_file_sets_nothing(tmp_path):
    assert read_config_file(write(tmp_path, ""), RewardConfig) == {}


def test_layers_defaults_then_file_then_overrides(tmp_path):
    path = write(tmp_path, "max_steps: 3\nlearning_rate: 0.01\nlogging_steps: 2\n")
    config = build_config(
        RewardConfig,
        path,
        {"max_steps": 9, **CPU, "output_dir": str(tmp_path)},
        defaults={"logging_steps": 5, "seed": 3},
    )
    assert (config.max_steps, config.learning_rate, config.logging_steps, config.seed) == (9, 0.01, 2, 3)


def test_contradictory_settings_become_a_config_error(tmp_path):
    # transformers refuses best-model loading when evaluation never runs.
    overrides = {**CPU, "output_dir": str(tmp_path), "load_best_model_at_end": True, "eval_strategy": "no"}
    with pytest.raises(ConfigFileError, match="do not work together"):
        build_config(RewardConfig, None, overrides)


def test_field_kinds_follow_the_dataclass():
    kinds = {spec.name: spec for spec in config_fields(RewardConfig)}
    assert kinds["max_length"].kind == "int" and kinds["max_length"].default == 1024
    assert kinds["learning_rate"].kind == "float"
    assert kinds["disable_dropout"].kind == "bool" and kinds["disable_dropout"].default is True
    assert kinds["truncation_mode"].kind == "choice"
    assert kinds["truncation_mode"].choices == ("filter", "keep_end_of_prompt")
    assert "cosine" in kinds["lr_scheduler_type"].choices
    assert kinds["model_init_kwargs"].kind == "file_only"
    assert kinds["center_rewards_coefficient"].help.startswith("Weight of the term")


def _probe_command(seen: dict):
    @click.command()
    @config_options(RewardConfig, taken=set())
    @click.pass_context
    def probe(ctx, **fields):
        seen.update(typed_values(ctx, fields))

    return probe


def test_generated_options_pass_only_what_was_typed():
    seen: dict = {}
    args = [
        "--max-length",
        "64",
        "--no-disable-dropout",
        "--truncation-mode",
        "keep_end_of_prompt",
        "--learning-rate",
        "0.5",
        "--label-names",
        "a",
        "--label-names",
        "b",
    ]
    result = CliRunner().invoke(_probe_command(seen), args)
    assert result.exit_code == 0, result.output
    assert seen == {
        "max_length": 64,
        "disable_dropout": False,
        "truncation_mode": "keep_end_of_prompt",
        "learning_rate": 0.5,
        "label_names": ["a", "b"],
    }


def test_generated_options_reject_bad_values():
    result = CliRunner().invoke(_probe_command({}), ["--truncation-mode", "middle"])
    assert result.exit_code == 2 and "'middle' is not one of" in result.output


def test_help_comes_from_the_field_metadata():
    result = CliRunner().invoke(_probe_command({}), ["--help"])
    assert "--center-rewards-coefficient" in result.output
    assert "Weight of the term" in result.output
    assert "--disable-dropout / --no-disable-dropout" in result.output
    assert "--output-dir" not in result.output and "--model-init-kwargs" not in result.output

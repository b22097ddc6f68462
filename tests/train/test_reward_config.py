"""RewardConfig: TRL's fields and defaults, our truncation_mode, each field documented once."""

from __future__ import annotations

import pytest
import trl

import prefdata_train
from prefdata._errors import PrefdataError
from prefdata_train import RewardConfig

SHARED = [
    "learning_rate",
    "logging_steps",
    "gradient_checkpointing",
    "model_init_kwargs",
    "chat_template_path",
    "disable_dropout",
    "dataset_num_proc",
    "eos_token",
    "pad_token",
    "max_length",
    "pad_to_multiple_of",
    "center_rewards_coefficient",
    "activation_checkpointing",
    "activation_offloading",
]


def test_defaults_match_trl(tmp_path):
    ours = RewardConfig(output_dir=str(tmp_path), use_cpu=True, report_to="none")
    with pytest.warns(FutureWarning):  # TRL still sets the deprecated `gradient_checkpointing`
        theirs = trl.RewardConfig(output_dir=str(tmp_path), use_cpu=True, report_to="none")
    assert {k: getattr(ours, k) for k in SHARED} == {k: getattr(theirs, k) for k in SHARED}
    assert ours.learning_rate == 1e-4 and ours.max_length == 1024 and ours.truncation_mode == "filter"


def test_bf16_defaults_on_only_where_a_gpu_supports_it(tmp_path, monkeypatch):
    import prefdata_train._trainer.reward_config as module

    # TRL turns bf16 on everywhere; ours only where it can run, so a CPU-only fit starts.
    assert RewardConfig(output_dir=str(tmp_path), use_cpu=True, report_to="none").bf16 is False
    assert module.default_bf16(fp16=False, use_cpu=False) == module._gpu_supports_bf16()
    monkeypatch.setattr(module, "_gpu_supports_bf16", lambda: True)
    assert module.default_bf16(fp16=False, use_cpu=False) is True
    assert module.default_bf16(fp16=True, use_cpu=False) is False
    assert module.default_bf16(fp16=False, use_cpu=True) is False


def test_every_field_of_ours_has_help_and_docstring_does_not_repeat_it():
    own = [f for f in RewardConfig.__dataclass_fields__ if f in SHARED or f == "truncation_mode"]
    for name in own:
        assert RewardConfig.help(name), name
        assert RewardConfig.help(name)[:40] not in (RewardConfig.__doc__ or "")


def test_bad_truncation_mode_and_json_kwargs(tmp_path):
    with pytest.raises(PrefdataError, match="keep_end_of_prompt"):
        RewardConfig(output_dir=str(tmp_path), truncation_mode="left")
    config = RewardConfig(
        output_dir=str(tmp_path),
        model_init_kwargs='{"dtype": "float32"}',
        pad_to_multiple_of="8",
        use_cpu=True,
    )
    assert config.model_init_kwargs == {"dtype": "float32"} and config.pad_to_multiple_of == 8


def test_exported_names():
    assert sorted(prefdata_train.__all__) == [
        "DataCollatorForPreference",
        "RewardConfig",
        "RewardTrainer",
        "build_tiny_model",
        "compute_rewards",
        "evaluate",
        "fit",
        "load_reward_model",
        "preference_loss",
        "tokenize_pairs",
    ]
    for name in prefdata_train.__all__:
        assert getattr(prefdata_train, name)

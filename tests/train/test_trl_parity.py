"""Side by side with TRL: the same model, data, seed and arguments give the same per-step losses."""

from __future__ import annotations

import pytest
import trl
from conftest import conversational_rows, standard_rows
from datasets import Dataset
from train_helpers import load

from prefdata_train import RewardConfig, RewardTrainer

COMMON = dict(
    use_cpu=True,
    report_to="none",
    bf16=False,
    max_steps=10,
    logging_steps=1,
    per_device_train_batch_size=4,
    learning_rate=1e-3,
    save_strategy="no",
    disable_tqdm=True,
    seed=42,
    disable_dropout=True,
)


def _losses(trainer) -> list[float]:
    trainer.train()
    return [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]


def _run(trainer_cls, config_cls, model_dir, rows, out, **extra):
    model, tokenizer = load(model_dir)
    # TRL pools by searching pad_token_id; a pad distinct from eos makes that the last real token too.
    tokenizer.pad_token = "<|pad|>"
    args = config_cls(output_dir=str(out), **{**COMMON, **extra})
    trainer = trainer_cls(
        model=model, args=args, train_dataset=Dataset.from_list(rows), processing_class=tokenizer
    )
    return _losses(trainer)


@pytest.mark.parametrize(
    "rows", [standard_rows(12), conversational_rows(12)], ids=["standard", "conversational"]
)
def test_losses_match_trl(tiny_model_dir, tmp_path, rows):
    ours = _run(RewardTrainer, RewardConfig, tiny_model_dir, rows, tmp_path / "ours")
    theirs = _run(trl.RewardTrainer, trl.RewardConfig, tiny_model_dir, rows, tmp_path / "trl")
    assert len(ours) == len(theirs) == 10
    assert ours == pytest.approx(theirs, abs=1e-4)
    assert len(set(ours)) > 1  # the model learned something: losses are not all equal


def test_losses_match_trl_with_accumulation_and_margin(tiny_model_dir, tmp_path):
    """Gradient accumulation scales like TRL; margins (on every row, as TRL needs) are subtracted alike."""
    rows = [dict(row, margin=0.5 * (i % 3)) for i, row in enumerate(standard_rows(16))]
    extra = dict(
        gradient_accumulation_steps=2,
        per_device_train_batch_size=2,
        max_steps=4,
        center_rewards_coefficient=0.01,
    )
    ours = _run(RewardTrainer, RewardConfig, tiny_model_dir, rows, tmp_path / "ours", **extra)
    theirs = _run(trl.RewardTrainer, trl.RewardConfig, tiny_model_dir, rows, tmp_path / "trl", **extra)
    assert ours == pytest.approx(theirs, abs=1e-4)

"""Shared test helpers: a fast RewardConfig and the tiny model/tokenizer loaders."""

from __future__ import annotations

from pathlib import Path

from transformers import AutoModelForSequenceClassification, AutoTokenizer

from prefdata_train import RewardConfig


def fast_config(out: Path, **overrides) -> RewardConfig:
    """CPU, float32, no checkpointing or saving, log every step: small and deterministic."""
    kwargs = dict(
        output_dir=str(out),
        use_cpu=True,
        report_to="none",
        bf16=False,
        activation_checkpointing=False,
        per_device_train_batch_size=4,
        per_device_eval_batch_size=4,
        max_steps=3,
        logging_steps=1,
        save_strategy="no",
        learning_rate=1e-3,
        disable_tqdm=True,
        seed=0,
    )
    kwargs.update(overrides)
    return RewardConfig(**kwargs)


def load(model_dir: Path, **kwargs):
    """(model, tokenizer) from the tiny model folder."""
    model = AutoModelForSequenceClassification.from_pretrained(model_dir, **kwargs)
    return model, AutoTokenizer.from_pretrained(model_dir)

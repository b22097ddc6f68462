"""Shared test helpers: a fast RewardConfig and the tiny model/tokenizer loaders."""

from __future__ import annotations

import hashlib
from pathlib import Path

from click.testing import CliRunner, Result
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from prefdata_train import RewardConfig
from prefdata_train._cli import main


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


FIT_FAST = ["--per-device-train-batch-size", "4", "--max-steps", "2", "--max-length", "64", "--use-cpu"]
FIT_FAST += ["--no-bf16", "--report-to", "none", "--seed", "0"]


def invoke(*args: object) -> Result:
    """`prefdata-train ARGS` through click's runner."""
    return CliRunner().invoke(main, [str(a) for a in args])


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under `folder` with a digest of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }

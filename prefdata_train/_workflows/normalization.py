"""Standardised rewards: a model's reward mean and spread on a reference split, kept in its config.

A Bradley-Terry reward model is only defined up to a constant: `r` and `r + c` give the same
preference probabilities, and the scale drifts with training. RL code (PPO, GRPO, best-of-N
filters) wants rewards around 0 with unit spread. `prefdata-train normalize` scores every
completion of a reference split and writes

    "reward_normalization": {"mean": m, "std": s, "n": n, "data": ..., "split": ...}

into the model folder's `config.json`, where transformers keeps it (`model.config.reward_normalization`).
`score --normalize` then writes `(r - m) / s`; users of `pipeline("text-classification",
function_to_apply="none")` apply the same two numbers to the pipeline's `score`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from prefdata._errors import PrefdataError
from prefdata._plain_files import write_text_atomic

CONFIG_KEY = "reward_normalization"
CONFIG_FILE = "config.json"


class RewardNormalization(BaseModel):
    """Mean and standard deviation of a model's rewards on a reference split."""

    mean: float
    std: float = Field(gt=0, description="Population standard deviation of the rewards.")
    n: int = Field(description="Completions scored.")
    data: str = Field(description="The reference data.")
    split: str | None = Field(default=None, description="Its split, if it has several.")

    def apply(self, rewards: Sequence[float]) -> list[float]:
        """`(r - mean) / std` for each reward."""
        return [(r - self.mean) / self.std for r in rewards]


def fit_normalization(rewards: Sequence[float], *, data: str, split: str | None) -> RewardNormalization:
    """The normalisation of `rewards`; refuses fewer than 2 rewards or rewards that are all equal."""
    values = [float(r) for r in rewards]
    if len(values) < 2:
        raise PrefdataError(
            f"{len(values)} reward(s) on the reference split; a spread needs at least 2",
            where=data,
            fix="normalise on a split with more rows",
        )
    mean = math.fsum(values) / len(values)
    std = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / len(values))
    if not math.isfinite(mean) or not math.isfinite(std):
        raise PrefdataError("the model gave non-finite rewards", where=data, fix="check the model's weights")
    if std == 0.0:
        raise PrefdataError(
            "every reward on the reference split is the same, so they cannot be standardised",
            where=data,
            fix="check that the model was trained, or normalise on more varied data",
        )
    return RewardNormalization(mean=mean, std=std, n=len(values), data=data, split=split)


def _config_path(model_path: str | Path) -> Path:
    path = Path(model_path) / CONFIG_FILE
    if not path.is_file():
        fix = (
            "merge the adapter into its base model and save it, then normalise that folder"
            if (Path(model_path) / "adapter_config.json").is_file()
            else "pass a model folder written by `prefdata-train fit` or `save_pretrained`"
        )
        raise PrefdataError("no config.json in the model folder", where=str(model_path), fix=fix)
    return path


def _read_config(path: Path) -> dict[str, Any]:
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PrefdataError(f"cannot read the model config: {exc}", where=str(path)) from None
    if not isinstance(config, dict):
        raise PrefdataError("the model config is not a JSON object", where=str(path))
    return config


def write_normalization(model_path: str | Path, normalization: RewardNormalization) -> Path:
    """Store `normalization` in the model's `config.json` (replaced atomically; other keys kept)."""
    path = _config_path(model_path)
    config = _read_config(path)
    config[CONFIG_KEY] = normalization.model_dump()
    return write_text_atomic(path, json.dumps(config, indent=2, sort_keys=True) + "\n", "model config")


def read_normalization(model_path: str | Path) -> RewardNormalization:
    """The normalisation stored in the model's config, or a clear error naming the command to run."""
    path = _config_path(model_path)
    stored = _read_config(path).get(CONFIG_KEY)
    if stored is None:
        raise PrefdataError(
            "the model has no reward normalisation",
            where=str(path),
            fix=f"run `prefdata-train normalize {model_path} DATA` first",
        )
    try:
        return RewardNormalization.model_validate(stored)
    except ValueError as exc:
        raise PrefdataError(
            f"`{CONFIG_KEY}` in the model config is malformed: {exc}",
            where=str(path),
            fix=f"run `prefdata-train normalize {model_path} DATA` again",
        ) from None


def normalize(
    model_path: str | Path,
    data: str | Path,
    *,
    split: str | None = None,
    benchmark: str | None = None,
    batch_size: int = 16,
    max_length: int | None = None,
    progress: bool = False,
    attn_implementation: str | None = None,
) -> RewardNormalization:
    """Score every completion of `data`'s reference split and store their mean and spread in the model.

    `data` is read as `evaluate` reads it (`split` chosen the same way). Only the main process
    of an `accelerate launch` writes the config.
    """
    from prefdata_train._evaluation.eval_sets import read_eval_set
    from prefdata_train._modeling.model_loading import load_reward_model
    from prefdata_train._modeling.sharding import on_main_process, place_model
    from prefdata_train._workflows.evaluation import score_eval_set
    from prefdata_train._workflows.run_paths import check_data_is_not_model

    # Before the slow part: the config must be there, a JSON object, to be written.
    _read_config(_config_path(model_path))
    check_data_is_not_model(data, model_path)
    eval_set = read_eval_set(data, benchmark=benchmark, split=split)
    model, tokenizer = load_reward_model(model_path, attn_implementation=attn_implementation)
    rewards, _, _ = score_eval_set(
        place_model(model),
        tokenizer,
        eval_set,
        batch_size=batch_size,
        max_length=max_length,
        progress=progress,
        desc="Normalising",
    )
    result = fit_normalization([r for group in rewards for r in group], data=str(data), split=eval_set.split)
    on_main_process(lambda: write_normalization(model_path, result))
    return result

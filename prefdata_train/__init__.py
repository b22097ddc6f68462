"""Train Bradley-Terry reward models on preference data; a drop-in for TRL's reward trainer.

    from prefdata_train import RewardTrainer, RewardConfig, DataCollatorForPreference

Names are imported on first use, so `prefdata-train --help` does not pay for torch.

| subpackage  | holds                                                                          |
| ----------- | ------------------------------------------------------------------------------ |
| `_data`     | reading a canonical folder, split choice, tokenising, truncation, collation    |
| `_modeling` | loading the model and tokenizer, variable-length attention, reading rewards    |
| `_trainer`  | `RewardConfig` beside `RewardTrainer`, config fields and files, the model card |
| `_workflows`| what each command runs: fit, evaluate, score, tiny model, demo                 |
| `_cli`      | the `prefdata-train` command (the only place that prints and exits)            |
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "DataCollatorForPreference": "prefdata_train._data.collator",
    "RewardConfig": "prefdata_train._trainer.reward_config",
    "RewardTrainer": "prefdata_train._trainer.reward_trainer",
    "build_tiny_model": "prefdata_train._workflows.tiny_model",
    "compute_rewards": "prefdata_train._modeling.rewards",
    "evaluate": "prefdata_train._workflows.evaluation",
    "fit": "prefdata_train._workflows.fit",
    "load_reward_model": "prefdata_train._modeling.model_loading",
    "preference_loss": "prefdata_train._trainer.reward_trainer",
    "tokenize_pairs": "prefdata_train._data.preprocessing",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'prefdata_train' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__

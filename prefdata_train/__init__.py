"""Train Bradley-Terry reward models on preference data; a drop-in for TRL's reward trainer.

    from prefdata_train import RewardTrainer, RewardConfig, DataCollatorForPreference

Names are imported on first use, so `prefdata-train --help` does not pay for torch.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "DataCollatorForPreference": "prefdata_train.collator",
    "RewardConfig": "prefdata_train.reward_config",
    "RewardTrainer": "prefdata_train.reward_trainer",
    "build_tiny_model": "prefdata_train.tiny_model",
    "compute_rewards": "prefdata_train.rewards",
    "evaluate": "prefdata_train.evaluation",
    "fit": "prefdata_train.fit",
    "load_reward_model": "prefdata_train.modeling",
    "preference_loss": "prefdata_train.reward_trainer",
    "tokenize_pairs": "prefdata_train.preprocessing",
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

"""Train Bradley-Terry reward models on preference data; a drop-in for TRL's reward trainer."""

from prefdata_train.collator import DataCollatorForPreference
from prefdata_train.modeling import load_reward_model
from prefdata_train.preprocessing import tokenize_pairs
from prefdata_train.reward_config import RewardConfig
from prefdata_train.reward_trainer import RewardTrainer, preference_loss
from prefdata_train.rewards import compute_rewards
from prefdata_train.tiny_model import build_tiny_model

__all__ = [
    "DataCollatorForPreference",
    "RewardConfig",
    "RewardTrainer",
    "build_tiny_model",
    "compute_rewards",
    "load_reward_model",
    "preference_loss",
    "tokenize_pairs",
]

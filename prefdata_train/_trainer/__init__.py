"""`RewardTrainer` beside `RewardConfig` (as TRL pairs them), the config's fields, files and model card."""

"""The headings `prefdata-train fit --help` lists its options under, one per config field.

A field named below goes under its heading, in the order named (the reward model's own
fields first); any other field goes by the first prefix it starts with, in the config's order,
else under `advanced` (a field transformers adds lands there until named here).
"""

from __future__ import annotations

HEADINGS = (
    "run",
    "data",
    "model",
    "training",
    "precision and hardware",
    "evaluation",
    "saving and Hub",
    "logging",
    "distributed",
    "advanced",
)

_BY_NAME: dict[str, tuple[str, ...]] = {
    "data": (
        "max_length",
        "truncation_mode",
        "padding_free",
        "prefix_sharing",
        "pad_to_multiple_of",
        "eos_token",
        "pad_token",
        "dataset_num_proc",
        "remove_unused_columns",
        "label_names",
        "train_sampling_strategy",
        "length_column_name",
    ),
    "model": (
        "chat_template_path",
        "disable_dropout",
        "activation_checkpointing",
        "gradient_checkpointing",
        "activation_offloading",
        "use_cache",
        "use_liger_kernel",
    ),
    "training": (
        "per_device_train_batch_size",
        "num_train_epochs",
        "max_steps",
        "learning_rate",
        "weight_decay",
        "gradient_accumulation_steps",
        "max_grad_norm",
        "label_smoothing_factor",
        "center_rewards_coefficient",
        "neftune_noise_alpha",
        "auto_find_batch_size",
        "seed",
        "data_seed",
        "full_determinism",
        "average_tokens_across_devices",
    ),
    "precision and hardware": (
        "bf16",
        "fp16",
        "bf16_full_eval",
        "fp16_full_eval",
        "tf32",
        "use_cpu",
        "torch_empty_cache_steps",
    ),
    "evaluation": (
        "per_device_eval_batch_size",
        "prediction_loss_only",
        "include_for_metrics",
        "batch_eval_metrics",
        "metric_for_best_model",
        "greater_is_better",
        "load_best_model_at_end",
    ),
    "saving and Hub": (
        "ignore_data_skip",
        "restore_callback_states_from_checkpoint",
        "enable_jit_checkpoint",
    ),
    "logging": ("disable_tqdm", "report_to", "run_name", "project", "include_num_input_tokens_seen"),
    "distributed": ("fsdp",),
}
_BY_PREFIX = (
    ("training", ("lr_scheduler", "warmup", "optim", "adam_")),
    ("evaluation", ("eval_",)),
    ("saving and Hub", ("save_", "hub_", "push_to_hub")),
    ("logging", ("logging_", "log_", "trackio_")),
    ("distributed", ("ddp_",)),
    ("data", ("dataloader_",)),
)


def option_group(name: str) -> str:
    """The heading of config field `name` in `fit --help`."""
    for heading, names in _BY_NAME.items():
        if name in names:
            return heading
    for heading, prefixes in _BY_PREFIX:
        if name.startswith(prefixes):
            return heading
    return "advanced"


def option_rank(name: str) -> int:
    """Where field `name` comes under its heading: named fields in the order named, then the rest."""
    for names in _BY_NAME.values():
        if name in names:
            return names.index(name)
    return len(max(_BY_NAME.values(), key=len))

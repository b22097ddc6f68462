"""`RewardConfig`: the training arguments of `RewardTrainer`, field for field like TRL's."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from transformers import TrainingArguments

from prefdata._errors import PrefdataError
from prefdata_train._trainer.config_ranges import check_ranges

TRUNCATION_MODES = ("filter", "keep_end_of_prompt")


@dataclass
class RewardConfig(TrainingArguments):
    """Configuration of `RewardTrainer`: `transformers.TrainingArguments` plus reward-model fields.

    Each field is documented once, in its `help` metadata (`RewardConfig.help(name)` returns it;
    command lines derive their help from it). Defaults follow TRL, including the ones TRL changes
    from `TrainingArguments`: `learning_rate`, `logging_steps`, `activation_checkpointing` (alias
    `gradient_checkpointing`), `bf16`.
    """

    # Defaults TRL overrides from TrainingArguments.
    learning_rate: float = field(default=1e-4, metadata={"help": "Initial learning rate of AdamW."})
    logging_steps: float = field(
        default=10,
        metadata={
            "help": "Log every this many update steps; a float in [0, 1) is a ratio of the total steps."
        },
    )
    activation_checkpointing: bool | None = field(
        default=None,
        metadata={
            "help": "Recompute activations in the backward pass to save memory (slower steps); unset: on "
            "unless the deprecated alias `gradient_checkpointing` is set.",
            "nargs": "?",
            "const": True,
        },
    )
    # None: decided in __post_init__ (transformers types the field `bool`)
    bf16: bool | None = field(  # type: ignore[assignment]
        default=None,
        metadata={
            "help": "Train in bfloat16 mixed precision; unset means on where a GPU supports it and `fp16` "
            "is off (TRL turns it on everywhere, which fails on machines without a GPU)."
        },
    )

    # The model.
    model_init_kwargs: dict[str, Any] | str | None = field(
        default=None,
        metadata={
            "help": "Keyword arguments for `AutoModelForSequenceClassification.from_pretrained` when "
            "`model` is a path or Hub id (`num_labels` is always 1). `trust_remote_code` is off unless "
            "given here."
        },
    )
    chat_template_path: str | None = field(
        default=None,
        metadata={
            "help": "Chat template to set on the tokenizer: a `.jinja`/`.j2` file, or a tokenizer folder "
            "whose template is copied (its special tokens must already be in the model's vocabulary)."
        },
    )
    disable_dropout: bool = field(
        default=True, metadata={"help": "Turn every dropout layer of the model off."}
    )

    # The data.
    dataset_num_proc: int | None = field(
        default=None, metadata={"help": "Worker processes for tokenising a (non-streaming) dataset."}
    )
    eos_token: str | None = field(
        default=None,
        metadata={
            "help": "End-of-sequence token appended to standard text; default: the tokenizer's eos token."
        },
    )
    pad_token: str | None = field(
        default=None,
        metadata={"help": "Padding token; default: the tokenizer's pad token, else its eos token."},
    )
    max_length: int | None = field(
        default=1024,
        metadata={
            "help": "Longest tokenised sequence (prompt + completion). Longer pairs are handled as "
            "`truncation_mode` says; None: no limit."
        },
    )
    truncation_mode: Literal["filter", "keep_end_of_prompt"] = field(
        default="filter",
        metadata={
            "help": "What to do with a pair longer than `max_length`: `filter` drops it (as TRL does); "
            "`keep_end_of_prompt` keeps the end of the prompt and the start of each completion, and drops "
            "the pair only when chosen and rejected become identical. Drops are counted and logged."
        },
    )
    pad_to_multiple_of: int | None = field(
        default=None, metadata={"help": "Pad each batch's length up to a multiple of this value."}
    )
    padding_free: bool = field(
        default=True,
        metadata={
            "help": "Pack each batch's sequences with per-sequence position ids instead of padding them "
            "to the longest (same rewards, less compute): `sdpa` models attend sequence by sequence in one "
            "row, `eager` ones through a block-diagonal causal mask; other attention pads, with a notice."
        },
    )
    prefix_sharing: bool = field(
        default=True,
        metadata={
            "help": "With `padding_free`, run the prompt tokens chosen and rejected share once per pair; "
            "the rejected completion attends to the prompt but not to the chosen one (same rewards)."
        },
    )

    # The training.
    center_rewards_coefficient: float | None = field(
        default=None,
        metadata={
            "help": "Weight of the term mean((r_chosen + r_rejected)^2) that pulls rewards towards zero "
            "(Eisenstein et al. 2023, arXiv:2312.09244, eq. 2); 0.01 is a usual value. None: off."
        },
    )
    activation_offloading: bool = field(
        default=False, metadata={"help": "Keep saved activations in CPU memory during the forward pass."}
    )

    _VALID_DICT_FIELDS = [*TrainingArguments._VALID_DICT_FIELDS, "model_init_kwargs"]

    def __post_init__(self) -> None:
        # TRL turns checkpointing on by default; set the new name so transformers does not warn.
        if self.activation_checkpointing is None and self.gradient_checkpointing is None:
            self.activation_checkpointing = True
        if self.bf16 is None:
            self.bf16 = default_bf16(fp16=self.fp16, use_cpu=self.use_cpu)
        if self.dataloader_pin_memory and (self.use_cpu or not _has_accelerator()):
            # Pinned memory only speeds copies to an accelerator; without one torch warns each run.
            self.dataloader_pin_memory = False
        if self.truncation_mode not in TRUNCATION_MODES:
            raise PrefdataError(
                f"truncation_mode is {self.truncation_mode!r}",
                where="RewardConfig",
                fix=f"use one of {', '.join(TRUNCATION_MODES)}",
            )
        if isinstance(self.pad_to_multiple_of, str):  # command lines pass text
            text = self.pad_to_multiple_of.lower()
            self.pad_to_multiple_of = None if text in ("none", "null", "") else int(text)
        check_ranges(self)
        super().__post_init__()

    @classmethod
    def help(cls, name: str) -> str:
        """The help text of field `name` (the one place each field is documented)."""
        return cls.__dataclass_fields__[name].metadata.get("help", "")


def default_bf16(*, fp16: bool, use_cpu: bool) -> bool:
    """bf16 unless fp16 is asked for, and only where a GPU can run it."""
    return not fp16 and not use_cpu and _gpu_supports_bf16()


def _gpu_supports_bf16() -> bool:
    import torch

    return torch.cuda.is_available() and torch.cuda.is_bf16_supported()


def _has_accelerator() -> bool:
    import torch

    return torch.accelerator.is_available()

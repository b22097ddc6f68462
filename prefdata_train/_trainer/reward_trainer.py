"""`RewardTrainer`: Bradley-Terry reward-model training on `transformers.Trainer`, TRL-compatible."""

from __future__ import annotations

import contextlib
import logging
from collections import defaultdict
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from datasets import Dataset, IterableDataset
from transformers import Trainer

from prefdata._errors import PrefdataError
from prefdata_train._data.collator import DataCollatorForPreference
from prefdata_train._data.packing import attention_implementation, supports_packing
from prefdata_train._data.preprocessing import prepare_dataset
from prefdata_train._data.split_choice import resolve_eval, resolve_train
from prefdata_train._data.truncation import DropCounter, no_pairs_left
from prefdata_train._modeling.model_loading import apply_peft, configure_model, load_model, load_tokenizer
from prefdata_train._modeling.rewards import SPAN_ATTENTION, compute_packed_rewards, compute_rewards
from prefdata_train._trainer.model_card import HYPERPARAMETERS, final_metrics, write_model_card
from prefdata_train._trainer.reward_config import RewardConfig

logger = logging.getLogger(__name__)


def preference_loss(
    chosen: torch.Tensor,
    rejected: torch.Tensor,
    margin: torch.Tensor | None = None,
    center_coefficient: float | None = None,
) -> torch.Tensor:
    """Mean of -log sigmoid(r_chosen - r_rejected - margin), plus c * mean((r_chosen + r_rejected)^2)."""
    diff = chosen - rejected if margin is None else chosen - rejected - margin
    loss = -F.logsigmoid(diff).mean()
    if center_coefficient is not None:
        loss = loss + center_coefficient * torch.mean((chosen + rejected) ** 2)
    return loss


class RewardTrainer(Trainer):
    """Train a one-output sequence classifier so chosen answers score above rejected ones.

    Same arguments and logged metrics as TRL's `RewardTrainer`. Beyond it: datasets may be the
    path of a prefdata canonical folder; rows may mix margins; rewards are read at the last
    attended token even when pad == eos; long pairs can be truncated (`truncation_mode`) and
    every dropped row is counted in `dropped_rows` ({dataset: {reason: count}}).
    """

    # Our loss is a per-batch mean: Trainer divides it by the accumulation steps, as in TRL.
    loss_is_scaled_for_ga = False
    args: RewardConfig  # what __init__ stores (a TrainingArguments to Trainer)

    def __init__(
        self,
        model: Any,
        args: RewardConfig | None = None,
        data_collator: Any = None,
        train_dataset: Dataset | IterableDataset | str | None = None,
        eval_dataset: Any = None,
        processing_class: Any = None,
        compute_metrics: Any = None,
        callbacks: list | None = None,
        optimizers: tuple = (None, None),
        peft_config: Any = None,
    ) -> None:
        args = args if args is not None else RewardConfig(output_dir=_default_output_dir(model))
        if train_dataset is None:
            raise PrefdataError(
                "train_dataset is required", where="RewardTrainer", fix="pass a dataset or a folder"
            )
        self._data_names = {"train": _describe(train_dataset)}
        train_dataset = resolve_train(train_dataset)
        if isinstance(train_dataset, IterableDataset):
            # Dispatching concatenates batches across processes; streamed batches may not line up.
            # an AcceleratorConfig once TrainingArguments.__post_init__ has run (typed as its inputs)
            args.accelerator_config.dispatch_batches = False  # type: ignore[union-attr]
        source = model  # the tokenizer is read from the path given, else the model's name_or_path
        model = load_model(model, args)
        processing_class = load_tokenizer(source, processing_class, args)
        model = apply_peft(model, peft_config, args)
        configure_model(model, processing_class, args)
        if data_collator is None:
            data_collator = _default_collator(model, processing_class, args)
        self.dropped_rows: dict[str, DropCounter] = {}
        train_dataset = self._prepare(train_dataset, processing_class, args, "train")
        eval_dataset = self._prepare_eval(eval_dataset, processing_class, args)
        super().__init__(
            model=model,
            args=args,
            data_collator=data_collator,
            train_dataset=train_dataset,
            eval_dataset=eval_dataset,
            processing_class=processing_class,
            compute_metrics=compute_metrics,
            callbacks=callbacks,
            optimizers=optimizers,
        )
        # Trainer calls compute_loss in evaluation only with these set.
        self.can_return_loss = True
        self.label_names = []
        self._metrics: dict[str, dict[str, list[float]]] = {
            "train": defaultdict(list),
            "eval": defaultdict(list),
        }
        self._total_train_tokens = 0
        self._eval_prefix = "eval"

    # ---- data ----

    def _prepare(self, dataset: Any, tokenizer: Any, args: RewardConfig, name: str) -> Any:
        """Tokenise one dataset, count and report its dropped rows."""
        counter = self.dropped_rows.setdefault(name, DropCounter())
        dataset = prepare_dataset(dataset, tokenizer, args, counter)
        if isinstance(dataset, Dataset):
            self._warn_drops(name, counter)
            if len(dataset) == 0:  # the sampler would fail later, saying nothing of why
                raise no_pairs_left(name, counter, args.max_length)
        return dataset

    def _prepare_eval(self, eval_dataset: Any, tokenizer: Any, args: RewardConfig) -> Any:
        if eval_dataset is None:
            return None
        if isinstance(eval_dataset, dict):
            for key, value in eval_dataset.items():
                self._data_names[key] = _describe(value)
            return {
                key: self._prepare(resolve_eval(d), tokenizer, args, key) for key, d in eval_dataset.items()
            }
        self._data_names["eval"] = _describe(eval_dataset)
        return self._prepare(resolve_eval(eval_dataset), tokenizer, args, "eval")

    @staticmethod
    def _warn_drops(name: str, counter: DropCounter) -> None:
        if sum(counter.values()):
            detail = ", ".join(f"{reason}: {n}" for reason, n in sorted(counter.items()))
            logger.warning("dropped %d rows of the %s dataset (%s)", sum(counter.values()), name, detail)

    def _set_signature_columns_if_needed(self) -> None:
        if self._signature_columns is None:
            self._signature_columns = ["chosen_ids", "rejected_ids", "margin", "length"]  # type: ignore[assignment]

    # ---- loss and metrics ----

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        """Bradley-Terry loss of a batch whose first half is chosen, second half rejected."""
        mode = "train" if self.model is not None and self.model.training else "eval"
        if "reward_index" in inputs:
            rewards, outputs = compute_packed_rewards(model, inputs, use_cache=False)
            outputs["logits"] = rewards[:, None]  # what a padded batch's pooled logits hold
            num_tokens = inputs["num_tokens"]
        else:
            rewards, outputs = compute_rewards(
                model, inputs["input_ids"], inputs["attention_mask"], use_cache=False
            )
            num_tokens = inputs["attention_mask"].sum()
        chosen, rejected = rewards.float().chunk(2)
        margin = inputs.get("margin")
        loss = preference_loss(chosen, rejected, margin, self.args.center_rewards_coefficient)
        self._record_metrics(mode, num_tokens, chosen.detach(), rejected.detach())
        return (loss, outputs) if return_outputs else loss

    def _record_metrics(self, mode: str, num_tokens, chosen, rejected) -> None:
        gather = self.accelerator.gather_for_metrics
        if mode == "train":
            self._total_train_tokens += int(gather(num_tokens).sum().item())
        self._metrics[mode]["num_tokens"] = [self._total_train_tokens]
        # Gathered per side: `gather_for_metrics` cuts a last, incomplete batch to its number of
        # pairs along the first dimension, which in `rewards` (chosen, then rejected) would keep
        # chosen rewards only.
        all_chosen, all_rejected = gather(chosen), gather(rejected)
        all_rewards = torch.cat([all_chosen, all_rejected])
        self._metrics[mode]["min_reward"].append(all_rewards.min().item())
        self._metrics[mode]["mean_reward"].append(all_rewards.mean().item())
        self._metrics[mode]["max_reward"].append(all_rewards.max().item())
        self._metrics[mode]["accuracy"].append((all_chosen > all_rejected).float().mean().item())
        self._metrics[mode]["margin"].append((all_chosen - all_rejected).mean().item())

    def training_step(self, *args, **kwargs):
        context = (
            torch.autograd.graph.save_on_cpu(pin_memory=torch.cuda.is_available())
            if self.args.activation_offloading
            else contextlib.nullcontext()
        )
        with context:
            return super().training_step(*args, **kwargs)

    def evaluate(self, eval_dataset=None, ignore_keys=None, metric_key_prefix: str = "eval"):
        """Like `Trainer.evaluate`; a dataset given here is prepared first; metrics carry the prefix."""
        if eval_dataset is not None and not isinstance(eval_dataset, str):
            eval_dataset = self._prepare_eval(eval_dataset, self.processing_class, self.args)
        previous, self._eval_prefix = self._eval_prefix, metric_key_prefix
        try:
            return super().evaluate(
                eval_dataset, ignore_keys=ignore_keys, metric_key_prefix=metric_key_prefix
            )
        finally:
            self._eval_prefix = previous

    def log(self, logs: dict[str, float], start_time: float | None = None) -> None:
        mode = "train" if self.model is not None and self.model.training else "eval"
        metrics = {key: sum(values) / len(values) for key, values in self._metrics[mode].items() if values}
        if mode == "eval":
            metrics = {f"{self._eval_prefix}_{key}": value for key, value in metrics.items()}
        logs.update(metrics)
        super().log(logs, start_time)
        self._metrics[mode].clear()

    def train(self, *args, **kwargs):
        output = super().train(*args, **kwargs)
        if isinstance(self.train_dataset, IterableDataset):
            self._warn_drops("train", self.dropped_rows["train"])
        return output

    # ---- saving ----

    def save_model(self, output_dir: str | None = None, _internal_call: bool = False) -> None:
        """Save model and tokenizer (as Trainer does) and a model card `README.md`."""
        super().save_model(output_dir, _internal_call)
        if self.args.should_save:
            # output_dir is never None after TrainingArguments.__post_init__ (typed as its input)
            out = output_dir or self.args.output_dir
            write_model_card(out, self.model_card_info(output_dir))  # type: ignore[arg-type]

    def model_card_info(self, output_dir: str | None = None) -> dict[str, Any]:
        """What the model card says: base model, data, hyper-parameters, last metrics."""
        model = self.accelerator.unwrap_model(self.model)
        peft = getattr(model, "peft_config", None)
        base = model.get_base_model() if hasattr(model, "get_base_model") else model
        tokenizer: Any = self.processing_class
        return {
            "base_model": getattr(base.config, "_name_or_path", "") or None,
            "peft": ", ".join(f"{type(c).__name__} ({name})" for name, c in peft.items()) if peft else None,
            "datasets": self._data_names,
            "args": {k: getattr(self.args, k) for k in HYPERPARAMETERS},
            "metrics": final_metrics(self.state.log_history),
            "chat": bool(getattr(tokenizer, "chat_template", None)),
            "pad_is_eos": tokenizer.pad_token_id == tokenizer.eos_token_id,
            "path": str(output_dir or self.args.output_dir),
        }


def _default_collator(model: Any, tokenizer: Any, args: RewardConfig) -> DataCollatorForPreference:
    """Padding-free (and prefix-sharing) batches where the model's attention takes them, else padded."""
    one_row = attention_implementation(model) in SPAN_ATTENTION
    packing = args.padding_free and (supports_packing(model) or one_row)
    if args.padding_free and not packing:
        logger.warning(
            "padding_free: %s attention cannot take packed sequences; padding batches instead",
            attention_implementation(model),
        )
    return DataCollatorForPreference(
        tokenizer.pad_token_id,
        args.pad_to_multiple_of,
        padding_free=packing,
        prefix_sharing=packing and args.prefix_sharing,
        # SDPA and flash models attend unit by unit in one row (`_modeling.varlen_attention`, `flash_varlen`);
        # eager ones take a dense mask, kept small by rows no longer than the longest pair.
        single_row=one_row,
    )


def _default_output_dir(model: Any) -> str:
    name = model if isinstance(model, str) else model.config._name_or_path or "model"
    return f"{Path(str(name)).name}-Reward"


def _describe(dataset: Any) -> str:
    """A short description of a dataset argument for the model card."""
    if isinstance(dataset, (str, Path)):
        return f"canonical folder `{dataset}`"
    if isinstance(dataset, Dataset):
        return f"{len(dataset)} rows"
    return type(dataset).__name__

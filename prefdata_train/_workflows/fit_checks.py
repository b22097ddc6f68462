"""Checks `fit` runs before training and before saving, so that no run leaves a wrong model behind.

- The output folder must keep apart from the data and the starting model: training into the data
  folder mixes model files into a dataset, and training into the starting model's folder replaces
  the model being read (a run killed midway leaves neither).
- Training must have something to do: `num_train_epochs` 0 without `max_steps` trains no step,
  and the untouched starting model would be saved as if trained.
- Resuming takes the checkpoint of the same architecture: a checkpoint of another model fails in
  torch's `load_state_dict` with a page of size mismatches.
- A model whose weights became NaN or infinite is not saved as the run's result.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from prefdata._errors import OutputError, PrefdataError
from prefdata._output_target import overlap

_RELATIONS = {
    "same": "the output folder is the {name} folder ({path})",
    "holds": "the output folder holds the {name} ({path})",
    "inside": "the output folder lies inside the {name} folder ({path})",
}


def check_apart_from_inputs(output_dir: str | Path, data_dir: str | Path, model: Any) -> None:
    """Raise `OutputError` when `output_dir` is, holds or lies inside the data or a local model folder."""
    inputs: dict[str, Any] = {"data": data_dir}
    if isinstance(model, (str, Path)) and Path(model).expanduser().exists():
        inputs["starting model"] = Path(model).expanduser()
    for name, path in inputs.items():
        relation = overlap(output_dir, path)
        if relation is not None:
            raise OutputError(
                _RELATIONS[relation].format(name=name, path=path)
                + "; the trained model and its checkpoints would be written in among what the run reads",
                where=str(output_dir),
                fix=f"choose an --output-dir outside the {name}"
                + (" (to continue a run, pass --resume with its --output-dir)" if name != "data" else ""),
            )


def check_training_length(config: Any) -> None:
    """Raise when the config trains no step: `max_steps` unset and `num_train_epochs` not above 0."""
    if config.max_steps > 0:
        return
    epochs = config.num_train_epochs
    if not (isinstance(epochs, (int, float)) and math.isfinite(epochs) and epochs > 0):
        raise PrefdataError(
            f"num_train_epochs is {epochs!r} and max_steps is not set, so no step would be trained "
            "and the starting model would be saved as the result",
            where="RewardConfig.num_train_epochs",
            fix="set --num-train-epochs above 0, or --max-steps to a number of steps",
        )


# config fields that fix the shapes of a model's weights
SHAPE_KEYS = (
    "model_type",
    "hidden_size",
    "num_hidden_layers",
    "num_attention_heads",
    "num_key_value_heads",
    "intermediate_size",
    "vocab_size",
)


def check_checkpoint_fits(checkpoint: str | Path, model: Any) -> None:
    """Raise when `checkpoint` was written by a model of another architecture or size than `model`.

    A checkpoint without a readable `config.json` (a PEFT adapter's) is left to the trainer.
    """
    try:
        saved = json.loads((Path(checkpoint) / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    current = base.config.to_dict()
    if not isinstance(saved, dict):
        return
    differ = [
        f"{key} {saved[key]!r} there, {current[key]!r} in the model"
        for key in SHAPE_KEYS
        if key in saved and key in current and saved[key] != current[key]
    ]
    if differ:
        raise PrefdataError(
            "the checkpoint to resume from was written by another model (" + "; ".join(differ) + ")",
            where=str(checkpoint),
            fix="resume with the --model that run started from, or train from the start "
            "(leave out --resume, or choose another --output-dir)",
        )


def check_finite_weights(model: Any, global_step: int) -> None:
    """Raise when a weight of `model` is NaN or infinite: training diverged, and that is no result."""
    import torch

    for name, param in model.named_parameters():
        if not bool(torch.isfinite(param.detach()).all()):
            raise PrefdataError(
                f"training diverged: weight `{name}` holds NaN or infinite values after step {global_step}, "
                "so no model was saved",
                where="training",
                fix="lower --learning-rate, keep --max-grad-norm above 0, or check "
                "--center-rewards-coefficient; checkpoints saved before may still be sound",
            )


def check_eval_needs(config: Any, eval_name: str | None, data_dir: str | Path) -> None:
    """Raise when the settings evaluate during training but the data has no `test`/`validation` split."""
    wants = [
        name
        for name, on in (
            (f"eval_strategy={_value(config.eval_strategy)}", _value(config.eval_strategy) != "no"),
            ("load_best_model_at_end", bool(config.load_best_model_at_end)),
        )
        if on
    ]
    if eval_name is None and wants:
        raise PrefdataError(
            f"the settings {', '.join(wants)} evaluate during training, but the data has no test or validation split",
            where=str(data_dir),
            fix="add a test split (`prefdata convert` or `prefdata mix`), or set --eval-strategy no",
        )


def _value(setting: Any) -> str:
    return str(getattr(setting, "value", setting))


def check_a_full_batch(config: Any, pairs: int) -> None:
    """Raise when `dataloader_drop_last` would drop every batch: fewer pairs than one global batch."""
    batch = config.per_device_train_batch_size * max(1, config.world_size)
    if config.dataloader_drop_last and pairs < batch:
        raise PrefdataError(
            f"dataloader_drop_last drops every batch: {pairs} pair(s) to train on, fewer than one batch of {batch}",
            where="RewardConfig.dataloader_drop_last",
            fix="lower --per-device-train-batch-size, or pass --no-dataloader-drop-last",
        )

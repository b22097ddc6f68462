"""Training a reward model on a canonical folder, end to end: what `prefdata-train fit` runs.

`OUTPUT_DIR` receives the model and tokenizer (loadable with
`AutoModelForSequenceClassification.from_pretrained` and `pipeline("text-classification")`),
the model card `README.md`, the checkpoints, `metrics.json` (the trainer's log history) and
`training.png` (loss and accuracy over steps).
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Iterator, Sized
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from prefdata._errors import OutputError, PrefdataError
from prefdata_train._data.split_choice import training_splits
from prefdata_train._trainer.reward_config import RewardConfig
from prefdata_train._workflows.final_save import save_final_model
from prefdata_train._workflows.fit_checks import (
    check_a_full_batch,
    check_apart_from_inputs,
    check_checkpoint_fits,
    check_eval_needs,
    check_finite_weights,
    check_training_length,
)
from prefdata_train._workflows.plots import plot_training

METRICS_FILE = "metrics.json"
PLOT_FILE = "training.png"


class FitResult(BaseModel):
    """What a training run produced, and where."""

    output_dir: str
    train_rows: int = Field(description="Pairs trained on, after the trainer's drops.")
    dropped: dict[str, int] = Field(
        default_factory=dict, description="Pairs of the train split the trainer dropped, by reason."
    )
    eval_split: str | None = None
    eval_rows: int = 0
    global_step: int
    resumed_from: str | None = Field(default=None, description="The checkpoint training resumed from.")
    final_metrics: dict[str, float] = Field(
        default_factory=dict, description="Last logged value of each metric."
    )
    metrics_path: str
    plot_path: str
    notes: list[str] = Field(
        default_factory=list, description="Things the user should know, e.g. no checkpoint."
    )


def check_model_source(model: Any) -> None:
    """Raise when `model` names a local path that does not exist (a Hub id is left to transformers)."""
    if not isinstance(model, (str, Path)):
        return
    text = str(model)
    looks_local = text.startswith((".", "/", "~")) or text.count("/") > 1 or "\\" in text
    if looks_local and not Path(text).expanduser().exists():
        raise PrefdataError(
            "model path does not exist",
            where=text,
            fix="pass a `save_pretrained` folder (as `prefdata-train tiny-model` writes) or a Hub id",
        )


TRAINER_STATE = "trainer_state.json"  # the trainer writes it last into a checkpoint


def resume_checkpoint(output_dir: str | Path, resume: bool) -> str | None:
    """The last complete `checkpoint-N` folder in `output_dir` when resuming, else None.

    A run killed while saving leaves a checkpoint without `trainer_state.json` (or with a
    truncated one); resuming from it would fail, so the one before it is used.
    """
    out = Path(output_dir)
    if not resume or not out.is_dir():
        return None
    steps = {int(p.name[11:]): p for p in out.glob("checkpoint-*") if p.name[11:].isdigit()}
    for step in sorted(steps, reverse=True):
        if _read_trainer_state(steps[step]) is not None:
            return str(steps[step])
    return None


def _read_trainer_state(checkpoint: Path) -> dict[str, Any] | None:
    try:
        return json.loads((checkpoint / TRAINER_STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def restore_token_count(trainer: Any, checkpoint: str | None) -> None:
    """Carry the `num_tokens` count over a resume: the trainer keeps it outside the checkpoint.

    It restarts from the last value the checkpoint's log history holds, which is exact when
    the checkpoint step was logged (`save_steps` a multiple of `logging_steps`).
    """
    state = _read_trainer_state(Path(checkpoint)) if checkpoint else None
    counts = [e["num_tokens"] for e in (state or {}).get("log_history", []) if "num_tokens" in e]
    if counts:
        trainer._total_train_tokens = int(counts[-1])


def _final_metrics(log_history: list[dict[str, Any]]) -> dict[str, float]:
    final: dict[str, float] = {}
    for entry in log_history:
        final.update({k: float(v) for k, v in entry.items() if isinstance(v, (int, float)) and k != "step"})
    return final


def write_run_files(log_history: list[dict[str, Any]], output_dir: str | Path) -> tuple[Path, Path]:
    """Write `metrics.json` and `training.png` beside the model; return their paths."""
    out = Path(output_dir)
    metrics = out / METRICS_FILE
    metrics.write_text(json.dumps(log_history, indent=2) + "\n", encoding="utf-8")
    return metrics, plot_training(log_history, out / PLOT_FILE)


def _make_trainer(trainer_cls: type, model: Any, config: RewardConfig, train: Any, eval_set: Any) -> Any:
    """Build the trainer; a model that transformers cannot find or read becomes a user error."""
    try:
        return trainer_cls(model=model, args=config, train_dataset=train, eval_dataset=eval_set)
    except OSError as exc:  # transformers reports a missing or unreachable model as OSError
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise PrefdataError(
            f"cannot load the model: {first_line}",
            where=str(model),
            fix="pass a local model folder, or a Hub id while online",
        ) from None


def check_output_dir(output_dir: str | Path) -> None:
    """Raise when `output_dir` (or a folder above it) exists as something other than a folder."""
    path = Path(output_dir)
    for target in (path, *path.parents):
        if target.exists() or target.is_symlink():
            if not target.is_dir():
                raise OutputError(
                    "output path exists and is not a folder"
                    + ("" if target == path else f" (`{target}` is a file)"),
                    where=str(path),
                    fix="choose another path for --output-dir",
                )
            return


@contextlib.contextmanager
def removed_on_failure(output_dir: str | Path) -> Iterator[None]:
    """Remove `output_dir` when the run fails, if this run created it and no checkpoint is in it.

    A failure before training leaves no empty or half-filled folder behind; checkpoints of a run
    that failed midway stay for `--resume`. A folder that existed before is left alone.
    """
    path = Path(output_dir)
    existed = path.exists()
    try:
        yield
    except BaseException:  # Ctrl-C and SIGTERM (raised as an interrupt) clean up too
        if not existed and path.is_dir() and not any(path.glob("checkpoint-*")):
            shutil.rmtree(path, ignore_errors=True)
        raise


def fit(
    data_dir: str | Path, model: Any, output_dir: str | Path, config: RewardConfig, resume: bool = False
) -> FitResult:
    """Train `model` (a path, Hub id or loaded model) on the `train` split of `data_dir`.

    The `test` (else `validation`) split, when present, is the trainer's eval set and is
    evaluated once more after training. `config.output_dir` is set to `output_dir`. Unusable
    data, model, settings or output path (one that is, holds or lies inside the data or the
    starting model) raise a `PrefdataError` before anything is written; a folder this run
    created is removed if the run fails (or is interrupted) before its first checkpoint. A
    model whose weights diverged to NaN is not saved; the final model is moved into place
    whole (`final_save`).
    """
    check_output_dir(output_dir)
    check_apart_from_inputs(output_dir, data_dir, model)
    check_training_length(config)
    _, train, eval_name, eval_set = training_splits(data_dir)
    check_eval_needs(config, eval_name, data_dir)
    check_model_source(model)
    with removed_on_failure(output_dir):
        return _train(train, eval_name, eval_set, model, output_dir, config, resume)


def _train(
    train: Any,
    eval_name: str | None,
    eval_set: Any,
    model: Any,
    output_dir: str | Path,
    config: RewardConfig,
    resume: bool,
) -> FitResult:
    from prefdata_train._trainer.reward_trainer import RewardTrainer

    config.output_dir = str(output_dir)
    checkpoint = resume_checkpoint(output_dir, resume)
    notes = [f"no checkpoint in {output_dir}; training from the start"] if resume and not checkpoint else []
    trainer = _make_trainer(RewardTrainer, model, config, train, eval_set)
    if isinstance(trainer.train_dataset, Sized):
        check_a_full_batch(config, len(trainer.train_dataset))
    if checkpoint:
        check_checkpoint_fits(checkpoint, trainer.model)
    restore_token_count(trainer, checkpoint)
    trainer.train(resume_from_checkpoint=checkpoint)
    check_finite_weights(trainer.model, trainer.state.global_step)
    if eval_set is not None:
        trainer.evaluate()
    save_final_model(trainer, output_dir)
    history = list(trainer.state.log_history)
    metrics, plot = write_run_files(history, output_dir)
    return FitResult(
        output_dir=str(output_dir),
        train_rows=len(trainer.train_dataset),
        dropped=dict(trainer.dropped_rows.get("train", {})),
        eval_split=eval_name,
        eval_rows=len(trainer.eval_dataset) if eval_set is not None else 0,
        global_step=trainer.state.global_step,
        resumed_from=checkpoint,
        final_metrics=_final_metrics(history),
        metrics_path=str(metrics),
        plot_path=str(plot),
        notes=notes,
    )

"""Saving the trained model into the output folder so that it is never half there.

`Trainer.save_model` writes file by file into the folder: a run killed while saving (SIGKILL, a
full disk) would leave a `config.json` beside truncated weights, a folder that looks like a model
and fails to load, or loads mixed with an earlier run's files. Here the model is saved whole into
a hidden folder inside the output folder, then moved in file by file, the files that make a folder
loadable (`config.json`, `adapter_config.json`) taken away first and put back last: at every
moment the folder holds the earlier model, no loadable model, or the new one.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

STAGING_NAME = ".prefdata-final-save"
# what `from_pretrained` looks for first: without them the folder is not taken for a model
MARKERS = ("config.json", "adapter_config.json")
# weights an earlier save may have left in another layout (sharded, pickled, an adapter)
_WEIGHT_PATTERNS = (
    "model*.safetensors",
    "model.safetensors.index.json",
    "pytorch_model*.bin*",
    "adapter_model*",
)


def save_final_model(trainer: Any, output_dir: str | Path) -> None:
    """Save `trainer`'s model, tokenizer and model card into `output_dir`, published whole.

    Every process calls it (a sharded model is gathered for saving); only the one that saves
    writes. A staging folder left by a killed run is replaced.
    """
    out = Path(output_dir)
    staging = out / STAGING_NAME
    saves = trainer.args.should_save
    if saves and staging.exists():
        shutil.rmtree(staging)
    try:
        trainer.save_model(str(staging))
        if saves:
            # the card names the folder users load: the output folder, not the staging one
            from prefdata_train._trainer.model_card import write_model_card

            write_model_card(staging, trainer.model_card_info(str(out)))
            publish(staging, out)
    finally:
        if saves and staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def publish(staging: Path, out: Path) -> None:
    """Move every file of `staging` into `out`: markers away first, weights and the rest, markers last."""
    new = {p.name for p in staging.iterdir()}
    for marker in MARKERS:
        (out / marker).unlink(missing_ok=True)
    for pattern in _WEIGHT_PATTERNS:
        for old in out.glob(pattern):
            if old.name not in new and old.is_file():
                old.unlink()
    for entry in sorted(staging.iterdir(), key=lambda p: p.name in MARKERS):
        target = out / entry.name
        if entry.is_dir() and target.is_dir():
            shutil.rmtree(target)
        os.replace(entry, target)

"""The check `prefdata-train fit` runs before training: the data's structure must be sound.

Structure findings (`structure.*`: shape, roles, turn order, tool calls, margins) would make
training fail midway or learn from garbled rows, so they stop the run; content findings (empty
or duplicate pairs...) are what `prefdata validate` reports and do not.
"""

from __future__ import annotations

from pathlib import Path

from prefdata._validate import validate
from prefdata._validate.render_text import render_text
from prefdata_train._data.split_choice import training_splits

STOPPING_PREFIX = "structure."


def check_data(data_dir: str | Path) -> str:
    """The validation summary when `data_dir` has structure errors, else an empty string.

    Unusable input (no folder, not a `save_to_disk` dataset, no pairs in the train split) raises
    a `PrefdataError` instead.
    """
    training_splits(data_dir)  # the trainer reads it this way; fail here with the same error
    report = validate(Path(data_dir))
    if not any(f.code.startswith(STOPPING_PREFIX) and f.severity == "error" for f in report.findings):
        return ""
    return render_text(report)

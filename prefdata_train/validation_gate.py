"""The check `prefdata-train fit` runs before training: the data's structure must be sound.

Structure findings (`structure.*`: shape, roles, turn order, tool calls, margins) would make
training fail midway or learn from garbled rows, so they stop the run; content findings (empty
or duplicate pairs...) are what `prefdata validate` is for and do not.
"""

from __future__ import annotations

from pathlib import Path

from prefdata_train.canonical import load_canonical, pair_shape

STOPPING_PREFIX = "structure."


def structure_problems(data_dir: str | Path) -> list[str]:
    """One line per structure finding of the canonical folder `data_dir` (empty when sound).

    Unusable input (no folder, not a dataset) raises a `PrefdataError` instead.
    """
    data = load_canonical(data_dir)
    try:
        from prefdata.validate import validate
    except ImportError:
        # Without the validator, the shape check is the structure check.
        for name, split in data.items():
            pair_shape(split, f"{data_dir} [{name}]")
        return []
    report = validate(str(data_dir))
    return [
        f"{finding.code}: {finding.title} ({finding.count} row(s))"
        + "".join(f"\n    {ex.split} row {ex.row}, {ex.field}: {ex.excerpt}" for ex in finding.examples[:3])
        for finding in report.findings
        if finding.code.startswith(STOPPING_PREFIX)
    ]


def check_data(data_dir: str | Path) -> str:
    """The validation summary to show when `data_dir` has structure errors, else an empty string."""
    problems = structure_problems(data_dir)
    if not problems:
        return ""
    return f"validation of {data_dir} found structure errors:\n  " + "\n  ".join(problems)

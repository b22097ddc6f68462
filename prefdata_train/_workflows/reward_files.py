"""Writing `prefdata-train score`'s output file or folder, whole or not at all.

The format follows OUT's extension: `.jsonl`/`.json` (JSON lines, every float written exactly),
`.parquet`, otherwise a `save_to_disk` folder. The output is written beside OUT under a hidden
name (`.OUT.partial-PID`) and moved into place when complete, so a failed or killed run leaves no
half-written output and, with `--overwrite`, the old one intact; what a killed run left is
removed by the next. `--overwrite` replaces only an earlier score output, told by its columns.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
from datasets import Dataset

from prefdata._canonical_folder import INFO_FILE, STATE_FILE
from prefdata._errors import OutputError
from prefdata._pids import pid_alive


def output_format(out: Path) -> str:
    """`jsonl`, `parquet` or `save_to_disk`, from the extension of `out`."""
    suffix = out.suffix.lower()
    if suffix in (".jsonl", ".json"):
        return "jsonl"
    return "parquet" if suffix == ".parquet" else "save_to_disk"


def check_output(out: Path, overwrite: bool) -> None:
    """Refuse an existing `out` unless `overwrite`, and anything `overwrite` must not replace.

    Replaceable: a file for `.jsonl`/`.parquet`, a `save_to_disk` folder (or an empty one) otherwise.
    """
    if out.is_symlink():
        raise OutputError("output path is a symlink", where=str(out), fix="pass the real path")
    if not out.exists():
        return
    fmt = output_format(out)
    if fmt == "save_to_disk" and out.is_dir() and not any(out.iterdir()):
        return
    wanted = "folder" if fmt == "save_to_disk" else "file"
    if out.is_dir() != (fmt == "save_to_disk"):
        raise OutputError(
            f"output path exists and is not a {wanted}", where=str(out), fix="choose another path"
        )
    if not overwrite:
        raise OutputError(
            f"output {wanted} already exists", where=str(out), fix="pass --overwrite to replace it"
        )
    if fmt == "save_to_disk" and not (out / STATE_FILE).is_file():
        raise OutputError(
            "output folder exists and is not a saved dataset",
            where=str(out),
            fix="choose another path; only a folder of earlier scores is replaced",
        )
    if not _holds_scores(out, fmt):
        raise OutputError(
            f"output {wanted} exists and holds data that is not scores from `prefdata-train score` "
            "(its columns lack split, row and the reward columns): --overwrite replaces only earlier scores",
            where=str(out),
            fix=f"choose another path, or remove the {wanted} yourself if it may go",
        )


_SCORE_COLUMNS = (
    {"split", "row", "chosen_reward", "rejected_reward"},
    {"split", "row", "chosen_rewards", "rejected_rewards"},
)


def _holds_scores(out: Path, fmt: str) -> bool:
    """Whether `out` holds an earlier score output (its columns name it; unreadable: no)."""
    try:
        if fmt == "save_to_disk":
            info = json.loads((out / INFO_FILE).read_text(encoding="utf-8"))
            columns = set(info.get("features") or {}) if isinstance(info, dict) else set()
        elif fmt == "parquet":
            columns = set(pq.read_schema(out).names)
        else:
            with out.open("rb") as handle:
                first = json.loads(handle.readline() or b"{}")
            columns = set(first) if isinstance(first, dict) else set()
    except (OSError, ValueError, pa.ArrowException):
        return False
    return any(wanted <= columns for wanted in _SCORE_COLUMNS)


def write_rewards(table: Dataset, out: Path, overwrite: bool = False) -> str:
    """Write `table` to `out` in the format its extension names; return that format.

    The file or folder is written beside `out` and moved into place when complete, so a failed
    run leaves no half-written output and, with `overwrite`, the old one intact.
    """
    check_output(out, overwrite)
    fmt = output_format(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    _remove_dead_partials(out)
    staging = out.with_name(f".{out.name}{PARTIAL}{os.getpid()}")
    try:
        if fmt == "jsonl":
            _write_jsonl(table, staging)
        elif fmt == "parquet":
            table.to_parquet(str(staging))
        else:
            table.save_to_disk(str(staging))
        if out.is_dir():
            shutil.rmtree(out)
        os.replace(staging, out)
    finally:
        if staging.is_dir():
            shutil.rmtree(staging, ignore_errors=True)
        elif staging.exists():
            staging.unlink()
    return fmt


PARTIAL = ".partial-"  # `.OUT.partial-PID`: an output being written by process PID


def _remove_dead_partials(out: Path) -> None:
    """Remove what runs killed while writing `out` left (their process is gone); a live run's stays."""
    for path in out.parent.glob(f".{glob.escape(out.name)}{PARTIAL}*"):
        pid = path.name.rpartition(PARTIAL)[2]
        if pid.isdigit() and not pid_alive(int(pid)):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def _write_jsonl(table: Dataset, path: Path) -> None:
    """`table` as JSON lines with every float written exactly (the shortest text that reads back
    to the same number; `Dataset.to_json` rounds to 10 digits)."""
    with open(path, "wb") as handle:
        for batch in table.with_format("arrow").iter(batch_size=4096):
            handle.writelines(
                orjson.dumps(row, option=orjson.OPT_APPEND_NEWLINE) for row in batch.to_pylist()
            )

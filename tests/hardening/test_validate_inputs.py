"""Issue 10, `prefdata validate`: each reproduction run as a real process (exit status, no
traceback, the message), as a user or a pre-commit hook would run it.

| case                                   | expected                                                  |
| -------------------------------------- | --------------------------------------------------------- |
| every row dropped by convert (0 rows)  | 0, `train: 1 row in, 0 pairs`; manifest format `unknown`   |
| `prefdata.json` is `{broken`            | 2, names the file, line and column                        |
| manifest of another shape / newer       | 2, names the field / says to upgrade                      |
| no manifest                            | validated as data alone                                   |
| `dataset_dict.json` split `../outside`  | 2, names the split path (as convert refuses it)           |
| several paths (the pre-commit hook)     | one report each, worst status; JSON list                  |
| raw hh-rlhf, oasst                      | empty replies once; rows in and pairs; distinct rows      |
| prompt leak                            | the example names the train row to remove                 |
| null / negative margins                 | `margin.null` error, `margin.negative` warning            |
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from datasets import Dataset, DatasetDict

import prefdata

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data"
HH = DATA / "hh-rlhf-harmless-base-test.jsonl.gz"
OASST = DATA / "oasst-en-100-trees.jsonl"


def run(*args: Any, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`prefdata ARGS` in a fresh process (in `cwd`); never a traceback."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "prefdata", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def pairs(n: int = 3, **extra: Any) -> list[dict[str, Any]]:
    return [
        {"prompt": f"Question {i}?", "chosen": f"Answer {i}.", "rejected": f"No {i}.", **extra}
        for i in range(n)
    ]


def save(folder: Path, splits: dict[str, list[dict[str, Any]]]) -> Path:
    DatasetDict({name: Dataset.from_list(rows) for name, rows in splits.items()}).save_to_disk(str(folder))
    return folder


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A convert output with a manifest, clean."""
    tmp = tmp_path_factory.mktemp("converted")
    src = tmp / "in.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in pairs()))
    prefdata.convert(str(src), str(tmp / "out"))
    return tmp / "out"


def copy_with_manifest(converted: Path, dest: Path, manifest: str) -> Path:
    save(dest, {"train": Dataset.load_from_disk(str(converted / "train")).to_list()})
    (dest / "prefdata.json").write_text(manifest)
    return dest


def test_a_split_with_no_rows(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"prompt":"p","chosen":"same","rejected":"same"}\n')
    convert = run("convert", src, tmp_path / "out")
    assert convert.returncode == 0, convert.stderr
    manifest = json.loads((tmp_path / "out" / "prefdata.json").read_text())
    assert manifest["splits"]["train"]["rows_out"] == 0
    assert (manifest["format"], manifest["prompt"]) == ("unknown", "unknown")  # not "conversational"

    proc = run("validate", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    assert "train: 1 row in, 0 pairs" in proc.stdout
    assert "train source row 0 [row]: identical" in proc.stdout  # the drop is still reported


def test_a_broken_manifest(converted: Path, tmp_path: Path) -> None:
    folder = copy_with_manifest(converted, tmp_path / "broken", "{broken")
    proc = run("validate", folder)
    assert proc.returncode == 2
    assert f"{folder / 'prefdata.json'}: not valid JSON" in proc.stderr
    assert "line 1, column 2" in proc.stderr and "fix:" in proc.stderr


SHAPES = {
    "array": ('["not", "an", "object"]', "expected a JSON object, got an array"),
    "no_splits": ('{"prefdata_version": "0.1.0"}', "`splits` is missing or null"),
    "text_count": (
        '{"prefdata_version": "0.1.0", "splits": {"train": {"dropped": {"tie": "3"}}}}',
        "`splits.train.dropped.tie` is '3', not a row count",
    ),
    "newer": (
        '{"prefdata_version": "9.0.0", "splits": []}',
        "written by prefdata 9.0.0, newer than this prefdata",
    ),
}


def test_manifests_of_another_shape(converted: Path, tmp_path: Path) -> None:
    """One process for all (several paths): each is refused with its own message."""
    folders = [copy_with_manifest(converted, tmp_path / name, text) for name, (text, _) in SHAPES.items()]
    proc = run("validate", *folders, "--json")
    assert proc.returncode == 2
    errors = [item["error"] for item in json.loads(proc.stdout)]
    for folder, error, (_, says) in zip(folders, errors, SHAPES.values(), strict=True):
        assert error.startswith(f"{folder / 'prefdata.json'}: ") and says in error, error
        assert error in proc.stderr


def test_no_manifest_validates_the_data_alone(tmp_path: Path) -> None:
    proc = run("validate", save(tmp_path / "plain", {"train": pairs()}))
    assert proc.returncode == 0, proc.stderr
    assert "train: 3 pairs" in proc.stdout and "no problems found" in proc.stdout


def test_a_split_outside_the_folder_is_refused(tmp_path: Path) -> None:
    save(tmp_path / "outside" / "ds", {"train": pairs()})
    folder = tmp_path / "ds"
    folder.mkdir()
    (folder / "dataset_dict.json").write_text('{"splits": ["../outside/ds/train"]}')
    for manifest in (False, True):  # with a manifest, validate reads it as canonical data
        if manifest:
            (folder / "prefdata.json").write_text('{"prefdata_version": "0.1.0", "splits": {}}')
        proc = run("validate", folder)
        assert proc.returncode == 2, proc.stdout
        assert "'../outside/ds/train' points outside the dataset folder" in proc.stderr
        assert "no problems found" not in proc.stdout


def test_several_paths_worst_status(converted: Path, tmp_path: Path) -> None:
    flawed = pairs()
    flawed[1]["rejected"] = flawed[1]["chosen"]
    bad = save(tmp_path / "bad", {"train": flawed})
    proc = run("validate", converted, bad)
    assert proc.returncode == 1
    assert proc.stdout.index(f"{converted} (canonical") < proc.stdout.index(f"{bad} (canonical")
    assert "2 paths: 1 passed, 1 with problems, 0 unreadable" in proc.stdout

    proc = run("validate", converted, tmp_path / "missing", bad, "--json")
    assert proc.returncode == 2
    reports = json.loads(proc.stdout)
    assert [r["path"] for r in reports] == [str(converted), str(tmp_path / "missing"), str(bad)]
    assert "no such file or folder" in reports[1]["error"] and "no such file" in proc.stderr
    assert reports[2]["findings"][0]["code"] == "content.identical"

    single = json.loads(run("validate", bad, "--json").stdout)  # one path: one object, as before
    assert isinstance(single, dict) and single["path"] == str(bad)


def test_the_pre_commit_hook_runs_on_the_folders_in_args(converted: Path, tmp_path: Path) -> None:
    """pre-commit runs `entry` + `args` (+ file names, which the hook turns off)."""
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    for hook in hooks.values():
        assert hook["pass_filenames"] is False and hook["always_run"] is True
    entry = shlex.split(hooks["prefdata-validate-strict"]["entry"])
    assert entry[:2] == ["prefdata", "validate"]
    warned = pairs()
    warned[0]["rejected"] = warned[0]["chosen"] + " and more"  # content.prefix: a warning
    proc = run(*entry[1:], converted, save(tmp_path / "warned", {"train": warned}))
    assert proc.returncode == 1 and "content.prefix" in proc.stdout


@pytest.mark.skipif(not HH.exists() or not OASST.exists(), reason="real samples not present")
def test_counts_on_the_real_samples() -> None:
    hh = run("validate", HH)
    assert hh.returncode == 1
    lines = {line.split()[1]: line for line in hh.stdout.splitlines() if line.startswith(("ERROR", "warn"))}
    assert lines["content.empty"].split()[2] == "4"
    assert lines["content.prefix"].split()[2] == "1"  # the 4 empty replies are not prefixes too
    assert "1 error in 4 rows, 2 warnings in" in hh.stdout
    oasst = run("validate", OASST)
    assert "train: 100 rows in, 207 pairs" in oasst.stdout


def test_a_prompt_leak_names_the_train_row(tmp_path: Path) -> None:
    train = pairs(5)
    folder = save(tmp_path / "leak", {"train": train, "test": [{**train[3], "chosen": "Other."}]})
    proc = run("validate", folder, "--fail-on", "warning")
    assert proc.returncode == 1
    assert "test row 0 [prompt]: also train row 3 (remove it from train): Question 3?" in proc.stdout


def test_null_and_negative_margins(tmp_path: Path) -> None:
    rows = [{**r, "margin": m} for r, m in zip(pairs(3), [1.5, None, -2.0], strict=True)]
    folder = save(tmp_path / "margins", {"train": rows})
    proc = run("validate", folder)
    assert proc.returncode == 1
    assert "margin.null" in proc.stdout and "train row 1 [margin]: null" in proc.stdout
    assert "train row 2 [margin]: -2.0: chosen scored below rejected" in proc.stdout
    only_negative = save(tmp_path / "negative", {"train": [{**r, "margin": -1.0} for r in pairs()]})
    assert run("validate", only_negative).returncode == 0  # a warning
    assert run("validate", only_negative, "--fail-on", "warning").returncode == 1

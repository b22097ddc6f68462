"""`prefdata-train fit` on inputs a user gets wrong, through real processes: exit status 2, no
traceback, a message that says what is wrong, and the output folder as it was before the run.

| input                                             | says                                   |
| ------------------------------------------------- | -------------------------------------- |
| converted folder whose train split has 0 rows     | no pairs to train on, convert's drops  |
| every pair a tie (`--ties keep`)                  | all dropped (tie: n)                   |
| every pair over `--max-length`                    | all dropped (too_long: n), max_length  |
| the `.arrow` data file cut in half                | damaged or incomplete                  |
| `--output-dir` an existing file                   | not a folder (and no model loaded)     |
| a raw file instead of a converted folder          | the `prefdata convert` command to run  |

and a CPU run that trains: no `pin_memory` warning, the pairs trained on and those dropped.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

import prefdata
from prefdata_train._workflows.tiny_model import build_tiny_model

BIN = Path(sys.executable).parent
FAST = ["--max-steps", "2", "--per-device-train-batch-size", "2", "--report-to", "none", "--use-cpu"]
WORDS = ["the", "answer", "is", "simple", "and", "short"]


def _write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _pairs(n: int, long_every: int = 0) -> list[dict]:
    """`n` standard pairs; with `long_every`, every such pair has a chosen answer of 300 words."""
    rows = []
    for i in range(n):
        chosen = " ".join(WORDS[: 2 + i % 4])
        if long_every and i % long_every == 0:
            chosen = " ".join(WORDS * 50)
        rows.append({"prompt": f"question {i}?", "chosen": chosen, "rejected": f"no {i}"})
    return rows


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("train-inputs")
    texts = [" ".join(WORDS), "question no", *(str(i) for i in range(10))]
    return build_tiny_model(root / "model", texts, vocab_size=300, hidden_size=16, num_layers=1, seed=0)


def fit(data: Path | str, out: Path, model: Path, *extra: str) -> subprocess.CompletedProcess:
    command = [str(BIN / "prefdata-train"), "fit", str(data), "--model", str(model), "--output-dir", str(out)]
    return subprocess.run([*command, *FAST, *extra], capture_output=True, text=True, timeout=300)


def assert_refused(proc: subprocess.CompletedProcess, *says: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    for text in says:
        assert text in proc.stderr, proc.stderr


def test_empty_train_split(tmp_path, model_dir):
    src = _write_jsonl(tmp_path / "in.jsonl", [{"prompt": "p", "chosen": "same", "rejected": "same"}])
    prefdata.convert(src, tmp_path / "data")
    proc = fit(tmp_path / "data", tmp_path / "rm", model_dir)
    assert_refused(
        proc, "split `train` has no pairs to train on", "dropped 1 of its 1 input rows (identical: 1)"
    )
    assert not (tmp_path / "rm").exists()


def test_every_pair_a_tie(tmp_path, model_dir):
    def conversation(i: int, answer: str) -> list[dict]:
        return [{"role": "user", "content": f"question {i}"}, {"role": "assistant", "content": answer}]

    rows = [
        {"model_a": "x", "model_b": "y", "winner": "tie", "conversation_a": conversation(i, f"answer {i}"),
         "conversation_b": conversation(i, f"no {i}")}
        for i in range(3)
    ]  # fmt: skip
    options = prefdata.ConvertOptions(ties="keep")
    prefdata.convert(_write_jsonl(tmp_path / "arena.jsonl", rows), tmp_path / "data", options=options)
    proc = fit(tmp_path / "data", tmp_path / "rm", model_dir)
    assert_refused(proc, "no pairs left in the train dataset: all 3 were dropped (tie: 3)", "--ties drop")
    assert not (tmp_path / "rm").exists()


def test_every_pair_too_long_leaves_an_existing_output_folder_as_it_was(tmp_path, model_dir):
    prefdata.convert(_write_jsonl(tmp_path / "pairs.jsonl", _pairs(6)), tmp_path / "data")
    proc = fit(tmp_path / "data", tmp_path / "rm", model_dir, "--max-length", "4")
    assert_refused(proc, "all 6 were dropped (too_long: 6", "max_length is 4", "--truncation-mode")
    assert not (tmp_path / "rm").exists()
    (tmp_path / "kept").mkdir()
    (tmp_path / "kept" / "notes.txt").write_text("mine")
    proc = fit(tmp_path / "data", tmp_path / "kept", model_dir, "--max-length", "4")
    assert_refused(proc, "too_long: 6")
    assert [p.name for p in (tmp_path / "kept").iterdir()] == ["notes.txt"]


def test_data_file_cut_in_half(tmp_path, model_dir):
    prefdata.convert(_write_jsonl(tmp_path / "pairs.jsonl", _pairs(40)), tmp_path / "data")
    (arrow,) = (tmp_path / "data" / "train").glob("*.arrow")
    arrow.write_bytes(arrow.read_bytes()[: arrow.stat().st_size // 2])
    proc = fit(tmp_path / "data", tmp_path / "rm", model_dir)
    assert_refused(proc, f"{tmp_path / 'data'}: cannot read the dataset", "damaged or incomplete")
    assert not (tmp_path / "rm").exists()


def test_output_dir_is_a_file(tmp_path, model_dir):
    prefdata.convert(_write_jsonl(tmp_path / "pairs.jsonl", _pairs(4)), tmp_path / "data")
    (tmp_path / "afile").write_text("keep me")
    proc = fit(tmp_path / "data", tmp_path / "afile", model_dir)
    assert_refused(proc, f"{tmp_path / 'afile'}: output path exists and is not a folder", "--output-dir")
    assert "model" not in proc.stderr  # checked before the model is loaded, and not blamed on it
    assert (tmp_path / "afile").read_text() == "keep me"


def test_raw_file_names_the_convert_command(tmp_path, model_dir):
    src = _write_jsonl(tmp_path / "raw.jsonl", _pairs(4))
    proc = fit(src, tmp_path / "rm", model_dir)
    assert_refused(proc, "is a file; prefdata-train reads a folder written by `prefdata convert`")
    assert "does not exist" not in proc.stderr
    command = proc.stderr.split("convert it first: ", 1)[1].split(", then", 1)[0]
    assert shlex.split(command) == ["prefdata", "convert", str(src), "raw-converted"]
    # the command given works as printed, and its folder then trains
    made = subprocess.run(
        [str(BIN / "prefdata"), *shlex.split(command)[1:]], cwd=tmp_path, capture_output=True, text=True
    )
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "raw-converted" / "prefdata.json").is_file()
    assert not (tmp_path / "rm").exists()


def test_cpu_fit_is_quiet_and_counts_the_pairs_it_trained_on(tmp_path, model_dir):
    """8 pairs, 2 of them 300 words long: `--max-length 64` drops those 2 and trains on 6."""
    prefdata.convert(_write_jsonl(tmp_path / "pairs.jsonl", _pairs(8, long_every=4)), tmp_path / "data")
    proc = fit(tmp_path / "data", tmp_path / "rm", model_dir, "--max-length", "64")
    assert proc.returncode == 0, proc.stderr
    assert "pin_memory" not in proc.stderr and "UserWarning" not in proc.stderr
    assert "trained 2 steps on 6 pairs (2 dropped before training: too_long: 2)" in proc.stdout
    assert (tmp_path / "rm" / "model.safetensors").is_file()

"""`prefdata-train fit` killed mid-run (SIGKILL) and rerun with `--resume` ends with the same weights
and the same metric history as a run never interrupted (CPU, fixed seed).

12 training pairs, batch 4: 3 steps an epoch, so the 8 steps span three epochs and the resumed
run must restore the data order of an epoch already under way. Checkpoints every 2 steps.

| output folder after the kill                     | resumed from  |
| ------------------------------------------------ | ------------- |
| as the killed run left it                        | its last one  |
| checkpoint-4 half written (killed while saving:  | checkpoint-2  |
| weights there, no `trainer_state.json`)          |               |
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner
from safetensors.torch import load_file

import prefdata
from prefdata_train._cli import main
from prefdata_train._workflows.tiny_model import build_tiny_model

REPO = Path(__file__).resolve().parents[2]
QUESTIONS = ["What is the capital of France?", "How do I boil an egg?", "Name a prime number."]
GOOD = ["Paris is the capital.", "Boil it for nine minutes.", "Seven is prime."]
BAD = ["I do not know.", "Put it in the freezer.", "Nine is prime."]
FIT_OPTIONS = [
    "--per-device-train-batch-size", "4", "--max-steps", "8", "--save-strategy", "steps",
    "--save-steps", "2", "--logging-steps", "1", "--max-length", "64", "--learning-rate", "1e-3",
    "--no-bf16", "--use-cpu", "--report-to", "none", "--seed", "0",
]  # fmt: skip
# Wall-clock figures differ between any two runs. `train_loss` (the run summary) is, as in
# transformers, the mean loss of the steps run by this call: checked apart, in `assert_same_training`.
OWN_RUN_KEYS = ("train_runtime", "train_samples_per_second", "train_steps_per_second", "train_loss")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """A canonical folder (converted from trl-standard jsonl) and a tiny reward model."""
    root = tmp_path_factory.mktemp("resume")
    rows = [
        {"prompt": f"Q: {QUESTIONS[i % 3]} A:", "chosen": f" {GOOD[i % 3]}" + " Sure." * (i % 4),
         "rejected": f" {BAD[i % 3]}"}
        for i in range(12)
    ]  # fmt: skip
    src = root / "pairs.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    prefdata.convert(src, root / "data", spec="trl-standard")
    texts = QUESTIONS + GOOD + BAD + ["Q: A: Sure."]
    build_tiny_model(root / "model", texts, vocab_size=300, hidden_size=16, num_layers=1, seed=0)
    return root


def fit_args(root: Path, out: Path) -> list[str]:
    return ["fit", str(root / "data"), "--model", str(root / "model"), "--output-dir", str(out), *FIT_OPTIONS]


def fit_in_process(root: Path, out: Path, *extra: str):
    result = CliRunner().invoke(main, [*fit_args(root, out), *extra])
    assert result.exit_code == 0, result.output
    return result


def complete_checkpoints(out: Path) -> list[int]:
    """Steps of the checkpoints the trainer finished writing (`trainer_state.json` comes last)."""
    return sorted(
        int(p.name.split("-")[1]) for p in out.glob("checkpoint-*") if (p / "trainer_state.json").is_file()
    )


def kill_after_first_checkpoint(root: Path, out: Path) -> None:
    """Run fit in a real process and SIGKILL it as soon as its first checkpoint is complete."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-m", "prefdata_train", *fit_args(root, out)]
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while not complete_checkpoints(out):
        assert proc.poll() is None, "fit ended before writing a checkpoint"
        assert time.monotonic() < deadline, "no checkpoint appeared"
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert not (out / "model.safetensors").exists(), "the run finished before the kill"
    assert not (out / "metrics.json").exists()


def history(out: Path) -> list[dict]:
    entries = json.loads((out / "metrics.json").read_text())
    return [{k: v for k, v in e.items() if k not in OWN_RUN_KEYS} for e in entries]


def step_losses(out: Path) -> dict[int, float]:
    return {e["step"]: e["loss"] for e in json.loads((out / "metrics.json").read_text()) if "loss" in e}


def summary_train_loss(out: Path) -> float:
    return next(e["train_loss"] for e in json.loads((out / "metrics.json").read_text()) if "train_loss" in e)


def assert_same_training(out: Path, reference: Path, resumed_at: int) -> None:
    """Bit-identical final weights and the same logged history, step by step (`num_tokens` included)."""
    got, want = load_file(out / "model.safetensors"), load_file(reference / "model.safetensors")
    assert got.keys() == want.keys()
    for name in want:
        assert torch.equal(got[name], want[name]), name
    assert history(out) == history(reference)
    losses = step_losses(reference)
    assert sorted(losses) == list(range(1, 9)) and len(set(losses.values())) > 1  # training moved
    assert summary_train_loss(reference) == pytest.approx(sum(losses.values()) / 8, rel=1e-6)
    resumed = [loss for step, loss in losses.items() if step > resumed_at]
    assert summary_train_loss(out) == pytest.approx(sum(resumed) / len(resumed), rel=1e-6)


@pytest.fixture(scope="module")
def reference(workdir) -> Path:
    out = workdir / "uninterrupted"
    fit_in_process(workdir, out)
    return out


@pytest.fixture(scope="module")
def killed(workdir) -> Path:
    out = workdir / "killed"
    kill_after_first_checkpoint(workdir, out)
    return out


def test_resume_after_kill_matches_an_uninterrupted_run(workdir, reference, killed, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(killed, out)
    last = complete_checkpoints(out)[-1]
    result = fit_in_process(workdir, out, "--resume")
    assert f"resumed from {out / f'checkpoint-{last}'}" in result.output
    assert_same_training(out, reference, resumed_at=last)


def test_resume_skips_a_checkpoint_killed_while_being_written(workdir, reference, killed, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(killed, out)
    for later in out.glob("checkpoint-*"):
        if later.name != "checkpoint-2":
            shutil.rmtree(later)
    partial = out / "checkpoint-4"  # the trainer writes the weights first and trainer_state.json last
    partial.mkdir()
    for name in ("config.json", "model.safetensors"):
        shutil.copyfile(out / "checkpoint-2" / name, partial / name)
    result = fit_in_process(workdir, out, "--resume")
    assert f"resumed from {out / 'checkpoint-2'}" in result.output
    assert_same_training(out, reference, resumed_at=2)

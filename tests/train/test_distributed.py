"""RewardTrainer under `accelerate launch` on two CPU processes matches a single process.

Launch note: in accelerate 1.15, `accelerate launch --num_processes 2 --cpu` on a machine without
mpirun settings silently starts a single process (`simple_launcher`; multi-CPU goes through
`--mpirun_hostfile`). `accelerate launch --multi_gpu --num_processes 2` is torchrun underneath
and needs no GPU: with `use_cpu=True` (and ACCELERATE_USE_CPU=1) each process joins a gloo
group as `DistributedType.MULTI_CPU`. The test asserts world_size == 2 so this cannot regress
into two unrelated runs or one.

The same unchanged training script runs twice in subprocesses: data-parallel on two CPU
processes (gloo) with 4 pairs per process, and as one plain process with 8 pairs. The global
batch is then 8 pairs in both runs, and it is the same 8 pairs:

    sampler order (train_sampling_strategy="sequential"):  rows 0 1 2 ... 31
    accelerate's BatchSamplerShard, 2 processes, bs 4:     step k -> rank 0: rows 8k..8k+3
                                                                    rank 1: rows 8k+4..8k+7
    one process, bs 8:                                     step k -> rows 8k..8k+7

(the default "random" strategy would also line up, through accelerate's seeded sampler, but the
sequential order makes the equality independent of how each side seeds its permutation).

Why the numbers agree: the loss is a per-batch mean, so DDP's mean of two equal-sized shard
gradients is the gradient of the 8-pair mean; the logged loss is the mean over processes of the
shard losses, and `accuracy` the mean of the shard accuracies, both equal to the 8-pair values.
What differs is only float32 rounding: each shard is padded to its own longest pair (right
padding, masked and causal, so it changes nothing but summation shapes), and gradients are summed
across processes in another order. Measured: losses differ by ~6e-8 and weights by ~4e-8. The
loss tolerance (1e-5 absolute, against per-step loss changes of ~4e-2) and the weight tolerance
(1e-4, against a ~2.5e-3 move in 4 Adam steps at lr 1e-3, asserted so the comparison cannot
pass vacuously) leave two orders of margin for other CPUs and BLAS builds. Accuracy is a
count of 8 pairs: exactly equal unless a reward difference sits within rounding of zero.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import torch
from conftest import BAD, GOOD, QUESTIONS
from datasets import Dataset
from safetensors.torch import load_file

ROOT = Path(__file__).resolve().parents[2]
ROWS = 32
STEPS = 4
GLOBAL_BATCH = 8
TIMEOUT_S = 240

# The script under test: it builds nothing, it only loads the model and data given.
SCRIPT = textwrap.dedent(
    '''
    """Train the tiny reward model for a few steps; argv: model_dir data_dir out_dir per_device_bs."""
    import json
    import os
    import sys
    from pathlib import Path

    from datasets import load_from_disk

    from prefdata_train import RewardConfig, RewardTrainer

    model_dir, data_dir, out_dir, batch = sys.argv[1], sys.argv[2], Path(sys.argv[3]), int(sys.argv[4])
    args = RewardConfig(
        output_dir=str(out_dir / "run"),
        use_cpu=True,
        report_to="none",
        bf16=False,
        seed=0,
        per_device_train_batch_size=batch,
        max_steps=4,
        logging_steps=1,
        save_strategy="no",
        learning_rate=1e-3,
        activation_checkpointing=False,
        dataloader_drop_last=True,
        train_sampling_strategy="sequential",
        disable_tqdm=True,
    )
    trainer = RewardTrainer(model_dir, args=args, train_dataset=load_from_disk(data_dir))
    trainer.train()
    model_out = out_dir / "model"
    trainer.save_model(str(model_out))
    rank = int(os.environ.get("RANK", "0"))
    # Every rank leaves a marker outside the model folder: both ranks really trained.
    (out_dir / f"rank{rank}.done").write_text(str(trainer.args.world_size))
    if trainer.is_world_process_zero():
        # "x" fails if the file exists: a second writer could not overwrite it silently.
        with open(model_out / "history.json", "x") as handle:
            json.dump({"rank": rank, "world_size": trainer.args.world_size,
                       "log_history": trainer.state.log_history}, handle)
    '''
)


def _rows(n: int) -> list[dict]:
    """`n` distinct standard pairs, so a different data order would change the losses."""
    return [
        {
            "prompt": f"Q{i}: {QUESTIONS[i % 4]} A:",
            "chosen": f" {GOOD[i % 4]} ({i})",
            "rejected": f" {BAD[(i + i // 4) % 4]}",
        }
        for i in range(n)
    ]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(tmp_path: Path, port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        ACCELERATE_USE_CPU="1",
        OMP_NUM_THREADS="1",
        HF_HUB_OFFLINE="1",
        HF_DATASETS_OFFLINE="1",
        # No user accelerate config file may change the launch.
        HF_HOME=str(tmp_path / "hf-home"),
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT=str(port),
        TOKENIZERS_PARALLELISM="false",
    )
    return env


def _run(cmd: list[str], tmp_path: Path, port: int) -> None:
    done = subprocess.run(cmd, env=_env(tmp_path, port), capture_output=True, text=True, timeout=TIMEOUT_S)
    assert done.returncode == 0, f"{' '.join(cmd)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-6000:]}"


@pytest.fixture(scope="module")
def runs(tiny_model_dir, tmp_path_factory) -> dict[str, Path]:
    """Output folders of the two-process and the one-process run of the same script."""
    base = tmp_path_factory.mktemp("ddp")
    data_dir = base / "data"
    Dataset.from_list(_rows(ROWS)).save_to_disk(str(data_dir))
    script = base / "train_script.py"
    script.write_text(SCRIPT)
    common = [str(tiny_model_dir), str(data_dir)]
    outs = {"ddp": base / "ddp", "single": base / "single"}
    port = _free_port()
    # `--cpu --num_processes 2` would start ONE process (accelerate 1.15 multi-CPU needs mpirun);
    # `--multi_gpu` is plain torchrun, and use_cpu=True + ACCELERATE_USE_CPU make it gloo on CPU.
    launch = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2"]
    launch += ["--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no"]
    launch += ["--main_process_port", str(port), str(script)]
    start = time.monotonic()
    _run(launch + common + [str(outs["ddp"]), str(GLOBAL_BATCH // 2)], base, port)
    _run(
        [sys.executable, str(script)] + common + [str(outs["single"]), str(GLOBAL_BATCH)], base, _free_port()
    )
    print(f"both runs: {time.monotonic() - start:.1f} s")
    return outs


def _history(out: Path) -> dict:
    return json.loads((out / "model" / "history.json").read_text())


def _steps(out: Path) -> list[dict]:
    return [entry for entry in _history(out)["log_history"] if "loss" in entry]


def test_both_ranks_trained_and_only_rank_zero_wrote_history(runs):
    assert sorted(p.name for p in runs["ddp"].glob("rank*.done")) == ["rank0.done", "rank1.done"]
    assert {p.read_text() for p in runs["ddp"].glob("rank*.done")} == {"2"}
    assert _history(runs["ddp"])["rank"] == 0
    assert _history(runs["ddp"])["world_size"] == 2
    assert _history(runs["single"])["world_size"] == 1


def test_model_folder_is_written_once_and_complete(runs):
    names = {run: sorted(p.name for p in (out / "model").iterdir()) for run, out in runs.items()}
    # The same files with or without DDP, so rank 1 added nothing and nothing was left half-written.
    assert names["ddp"] == names["single"]
    assert [n for n in names["ddp"] if n.endswith(".safetensors")] == ["model.safetensors"]
    for required in ("config.json", "tokenizer.json", "README.md", "history.json"):
        assert required in names["ddp"]
    assert not [n for n in names["ddp"] if n.startswith(".") or "tmp" in n or n.endswith(".index.json")]
    assert not list((runs["ddp"] / "run").glob("checkpoint-*"))


def test_logged_loss_and_accuracy_match_single_process(runs):
    ddp, single = _steps(runs["ddp"]), _steps(runs["single"])
    assert [e["step"] for e in ddp] == [e["step"] for e in single] == list(range(1, STEPS + 1))
    for a, b in zip(ddp, single, strict=True):
        assert a["loss"] == pytest.approx(b["loss"], abs=1e-5)
        assert a["accuracy"] == pytest.approx(b["accuracy"], abs=1e-6)
        assert a["num_tokens"] == b["num_tokens"]
        assert a["grad_norm"] == pytest.approx(b["grad_norm"], rel=1e-5)
    # The losses move between steps: equal data order is what makes them agree, not a constant.
    assert len({round(e["loss"], 4) for e in single}) == STEPS


def test_final_weights_match_single_process(runs, tiny_model_dir):
    ddp = load_file(str(runs["ddp"] / "model" / "model.safetensors"))
    single = load_file(str(runs["single"] / "model" / "model.safetensors"))
    start = load_file(str(tiny_model_dir / "model.safetensors"))
    assert ddp.keys() == single.keys()
    worst = max((ddp[k].float() - single[k].float()).abs().max().item() for k in ddp)
    moved = max((single[k].float() - start[k].float()).abs().max().item() for k in single)
    assert worst <= 1e-4
    # Measured: the runs differ by ~4e-8 while the weights move by ~2.5e-3 (4 Adam steps at 1e-3).
    assert moved > 10 * 1e-4, "training barely moved the weights; the comparison would be vacuous"
    assert torch.isfinite(torch.tensor(worst))

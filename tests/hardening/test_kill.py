"""`prefdata convert` killed with SIGKILL at random points: no output folder appears, the next run clears
the dead run's hidden staging folder, and a rerun writes a folder byte-identical to a clean run.

| variant            | input                                | options                        | kills |
| ------------------ | ------------------------------------ | ------------------------------ | ----- |
| fast (default run) | 30k arena rows (parquet), 12k nectar | -, `best-random --seed 7`      | 1     |
| slow               | 200k arena rows, 100k nectar (jsonl) | -, `best-random --seed 7`      | 3     |

Each kill lands after the staging folder appeared (so the conversion is under way), at a seeded
random fraction of the time a clean run spends writing.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

REPO = Path(__file__).resolve().parents[2]
WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]
STAGING = re.compile(r"^\.out\.prefdata-staging-(\d+)$")


def _text(rng: random.Random, tag: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 8))) + f" {tag}"


def write_arena(path: Path, n: int) -> Path:
    """`n` arena-55k rows (1-2 turns, a third of them ties) as parquet."""
    rng = random.Random(1)
    cols: dict[str, list] = {k: [] for k in ("id", "prompt", "response_a", "response_b")}
    winners = [rng.choice([(1, 0, 0), (0, 1, 0), (0, 0, 1)]) for _ in range(n)]
    for i in range(n):
        turns = rng.randint(1, 2)
        cols["id"].append(i)
        for key in ("prompt", "response_a", "response_b"):
            cols[key].append(json.dumps([_text(rng, i) for _ in range(turns)]))
    table = pa.table(
        {
            **cols,
            "model_a": ["gpt-4-0613"] * n,
            "model_b": ["llama-2-13b-chat"] * n,
            "winner_model_a": [w[0] for w in winners],
            "winner_model_b": [w[1] for w in winners],
            "winner_tie": [w[2] for w in winners],
        }
    )
    pq.write_table(table, path)
    return path


def write_nectar(path: Path, n: int) -> Path:
    """`n` Nectar rows (2-5 ranked answers, shuffled) as jsonl."""
    rng = random.Random(2)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            ranks = list(range(1, rng.randint(2, 5) + 1))
            rng.shuffle(ranks)
            answers = [{"answer": _text(rng, i * 10 + r), "model": "m", "rank": float(r)} for r in ranks]
            prompt = f"\n\nHuman: {_text(rng, i)}\n\nAssistant:"
            fh.write(json.dumps({"prompt": prompt, "answers": answers}) + "\n")
    return path


def _command(src: Path, out: Path, extra: list[str]) -> list[str]:
    return [sys.executable, "-m", "prefdata", "convert", str(src), str(out), *extra]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    return env


def _start(src: Path, out: Path, extra: list[str]) -> subprocess.Popen:
    return subprocess.Popen(
        _command(src, out, extra), cwd=REPO, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def _wait_for_staging(proc: subprocess.Popen, parent: Path, timeout: float = 120) -> float:
    """Poll until the run's staging folder exists; return the time it was seen."""
    staging = parent / f".out.prefdata-staging-{proc.pid}"
    deadline = time.monotonic() + timeout
    while not staging.exists():
        assert proc.poll() is None, f"convert ended before staging appeared: {proc.stderr.read().decode()}"
        assert time.monotonic() < deadline, "staging folder never appeared"
        time.sleep(0.005)
    return time.monotonic()


def tree_bytes(folder: Path) -> dict[str, str]:
    """sha256 of every file under `folder`, by relative path."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def reference_run(src: Path, parent: Path, extra: list[str]) -> tuple[dict[str, str], float]:
    """A clean run: the output's file digests, and the seconds it spent after staging appeared."""
    parent.mkdir()
    proc = _start(src, parent / "out", extra)
    seen = _wait_for_staging(proc, parent)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err.decode()
    assert sorted(os.listdir(parent)) == ["out"]
    return tree_bytes(parent / "out"), time.monotonic() - seen


def kill_once(src: Path, parent: Path, extra: list[str], delay: float, expected: dict[str, str]) -> int:
    """Start convert, SIGKILL it `delay` s after its staging folder appeared; return its pid.

    Asserts the kill landed mid-write and left no output folder, only (at most) the dead run's
    hidden staging folder: an earlier dead run's staging was cleared when this run started.
    A run that finished before the kill (a machine faster than during the reference run), or
    was killed after moving its output in, must equal the reference; it is removed and the kill
    tried again, sooner.
    """
    for _ in range(4):
        proc = _start(src, parent / "out", extra)
        _wait_for_staging(proc, parent)
        time.sleep(delay)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=60)
            if not (parent / "out").exists():
                break  # killed mid-write
        # finished, or killed after its output was moved in (printing its summary): either way
        # the output is whole and equals the reference; try again, sooner
        proc.stderr.close()
        assert proc.returncode in (0, -signal.SIGKILL)
        assert tree_bytes(parent / "out") == expected
        shutil.rmtree(parent / "out")
        delay /= 4
    else:
        raise AssertionError("convert always finished before the kill")
    proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    leftovers = os.listdir(parent)
    assert all(STAGING.match(name) for name in leftovers), leftovers
    assert {int(STAGING.match(name)[1]) for name in leftovers} <= {proc.pid}, leftovers
    return proc.pid


def kill_and_recover(tmp_path: Path, src: Path, extra: list[str], kills: int, seed: int) -> None:
    """Reference run, `kills` killed runs, then a rerun whose output must equal the reference."""
    input_digest = hashlib.sha256(src.read_bytes()).hexdigest()
    expected, writing = reference_run(src, tmp_path / "reference", extra)
    parent = tmp_path / "killed"
    parent.mkdir()
    rng = random.Random(seed)
    for _ in range(kills):
        kill_once(src, parent, extra, rng.uniform(0.05, 0.6) * writing, expected)
    proc = subprocess.run(_command(src, parent / "out", extra), cwd=REPO, env=_env(), capture_output=True)
    assert proc.returncode == 0, proc.stderr.decode()
    assert sorted(os.listdir(parent)) == ["out"], "the rerun left staging behind"
    assert tree_bytes(parent / "out") == expected
    assert any(name.endswith(".arrow") for name in expected)
    assert hashlib.sha256(src.read_bytes()).hexdigest() == input_digest


CASES = {
    "arena": (write_arena, "rows.parquet", []),
    "nectar-best-random": (write_nectar, "rows.jsonl", ["--pairing", "best-random", "--seed", "7"]),
}


@pytest.mark.parametrize(("case", "rows"), [("arena", 30_000), ("nectar-best-random", 12_000)])
def test_killed_convert_leaves_no_output_and_rerun_is_identical(tmp_path, case, rows):
    write, name, extra = CASES[case]
    src = write(tmp_path / name, rows)
    kill_and_recover(tmp_path, src, extra, kills=1, seed=11)


@pytest.mark.slow
@pytest.mark.parametrize(("case", "rows"), [("arena", 200_000), ("nectar-best-random", 100_000)])
def test_killed_large_convert_three_times_then_rerun_is_identical(tmp_path, case, rows):
    write, name, extra = CASES[case]
    src = write(tmp_path / name, rows)
    kill_and_recover(tmp_path, src, extra, kills=3, seed=7)

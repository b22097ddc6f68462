"""Scoring split over processes: shard arithmetic, gathering in order, failing together, and
`prefdata-train score` under `accelerate launch` on two CPU processes against one process.

Launch: `accelerate launch --multi_gpu --num_processes 2` with ACCELERATE_USE_CPU=1 (torchrun
underneath, gloo on CPU; `--cpu --num_processes 2` starts a single process in accelerate 1.15,
see test_distributed.py). The launched script is the `prefdata-train` command itself, with
the sharded scoring wrapped to log which rows each rank scored, so the test sees that there were two
ranks and that each scored its contiguous shard, not the whole split.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import accelerate.utils
import pytest
import torch
from datasets import DatasetDict, load_from_disk

import prefdata
from prefdata._errors import RowError
from prefdata_train._modeling import sharding
from prefdata_train._modeling.sharding import on_main_process, score_sharded, shard_bounds
from prefdata_train._workflows.score_folder import score_folder

ROOT = Path(__file__).resolve().parents[2]
HH_SAMPLE = ROOT.parent / "shared" / "data" / "hh-rlhf-harmless-base-test.jsonl.gz"
SPLIT_ROWS = {"train": 41, "test": 13}  # odd: the two shards of each split differ in size
TIMEOUT_S = 300

# `prefdata-train` with the sharded scoring wrapped: logs the items each rank scores (one line per
# split, in split order); FAIL_RANK fails one rank.
LAUNCHED = textwrap.dedent(
    """
    import json, os, sys
    import prefdata_train._workflows.evaluation as evaluation
    from prefdata._errors import RowError
    from prefdata_train._cli import main

    log_dir, sys.argv = sys.argv[1], ["prefdata-train", *sys.argv[2:]]
    real_score_sharded = evaluation.score_sharded

    def logged(items, fn):
        def shard(rows):
            rank = int(os.environ["RANK"])
            if rank == int(os.environ.get("FAIL_RANK", "-1")):
                raise RowError("injected failure on one process", where=f"rank {rank}", fix="none")
            with open(os.path.join(log_dir, f"rank{rank}.jsonl"), "a") as handle:
                handle.write(json.dumps({"rows": list(rows)}) + "\\n")
            return fn(rows)

        return real_score_sharded(items, shard)

    evaluation.score_sharded = logged
    main()
    """
)


@pytest.mark.parametrize("world", range(1, 8))
def test_shards_are_contiguous_cover_everything_and_differ_by_at_most_one(world):
    for n in range(0, 40):
        bounds = [shard_bounds(n, rank, world) for rank in range(world)]
        assert bounds[0][0] == 0 and bounds[-1][1] == n
        assert all(stop == start for (_, stop), (start, _) in zip(bounds, bounds[1:], strict=False))
        sizes = [stop - start for start, stop in bounds]
        assert max(sizes) - min(sizes) <= 1
        assert sizes == sorted(sizes, reverse=True)  # the larger shards come first


@pytest.mark.parametrize("args", [(5, 2, 2), (5, -1, 2), (5, 0, 0), (-1, 0, 1)])
def test_impossible_shards_are_refused(args):
    with pytest.raises(ValueError, match="no shard"):
        shard_bounds(*args)


def test_one_process_scores_everything_in_one_call_without_torch_distributed():
    calls = []

    def double(items):
        calls.append(list(items))
        return [2 * x for x in items]

    assert score_sharded(range(7), double) == [0, 2, 4, 6, 8, 10, 12]
    assert calls == [list(range(7))]
    assert on_main_process(lambda: "written") == "written"
    assert sharding.is_main_process()
    assert not torch.distributed.is_initialized()


@pytest.fixture
def rank_one_of_two(monkeypatch):
    """This process posing as rank 1 of 2; `sent` records what it hands the collectives, whose
    answer (rank 0's part) the test sets in `peer`."""
    fake = SimpleNamespace(num_processes=2, process_index=1, is_main_process=False, sent=[], peer=None)
    monkeypatch.setattr(sharding, "process_state", lambda: fake)

    def gather(obj):
        fake.sent.append(obj)
        return [fake.peer, *obj]

    def broadcast(objects, from_process=0):
        fake.sent.append(objects)
        return [fake.peer]

    monkeypatch.setattr(accelerate.utils, "gather_object", gather)
    monkeypatch.setattr(accelerate.utils, "broadcast_object_list", broadcast)
    return fake


def test_a_rank_scores_only_its_shard_and_gets_all_results_in_order(rank_one_of_two):
    rank_one_of_two.peer = (True, ["a0", "a1", "a2", "a3"])  # rank 0's shard of 7: items 0-3
    calls = []

    def label(items):
        calls.append(list(items))
        return [f"b{i}" for i in items]

    assert score_sharded(range(7), label) == ["a0", "a1", "a2", "a3", "b4", "b5", "b6"]
    assert calls == [[4, 5, 6]]


def test_a_failure_on_another_rank_is_raised_here_too(rank_one_of_two):
    rank_one_of_two.peer = (False, RowError("bad row", where="row 2", fix="drop it"))
    with pytest.raises(RowError, match="row 2: bad row"):
        score_sharded(range(7), lambda items: list(items))


def test_an_own_failure_is_raised_and_sent_to_the_others(rank_one_of_two):
    rank_one_of_two.peer = (True, [0, 1, 2, 3])
    error = RowError("no tokens", where="row 5")

    def fail(items):
        raise error

    with pytest.raises(RowError) as raised:
        score_sharded(range(7), fail)
    assert raised.value is error  # the original, with its traceback, on the rank it happened
    [[(ok, sent)]] = rank_one_of_two.sent
    assert not ok and str(sent) == "row 5: no tokens"


def test_a_result_count_that_does_not_match_the_shard_fails(rank_one_of_two):
    rank_one_of_two.peer = (True, [0, 1, 2, 3])
    with pytest.raises(RuntimeError, match="2 results for 3 items"):
        score_sharded(range(7), lambda items: [1, 2])


def test_only_the_main_process_runs_the_write_and_the_others_share_its_outcome(rank_one_of_two):
    rank_one_of_two.peer = (True, "jsonl")
    assert on_main_process(lambda: pytest.fail("rank 1 must not write")) == "jsonl"
    rank_one_of_two.peer = (False, OSError("disk full"))
    with pytest.raises(OSError, match="disk full"):
        on_main_process(lambda: pytest.fail("rank 1 must not write"))


# --- two real processes (slow: ~3 minutes here for two launches and the one-process reference) ---


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _launch(script: Path, log_dir: Path, args: list[str], **extra_env: str) -> subprocess.CompletedProcess:
    port = _free_port()
    env = dict(os.environ)
    env.update(
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        ACCELERATE_USE_CPU="1",
        OMP_NUM_THREADS="1",
        HF_HUB_OFFLINE="1",
        HF_DATASETS_OFFLINE="1",
        HF_HOME=str(log_dir / "hf-home"),  # no user accelerate config may change the launch
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT=str(port),
        TOKENIZERS_PARALLELISM="false",
        **extra_env,
    )
    launch = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2"]
    launch += ["--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no"]
    launch += ["--main_process_port", str(port), str(script), str(log_dir), *args]
    return subprocess.run(launch, env=env, capture_output=True, text=True, timeout=TIMEOUT_S)


@pytest.fixture(scope="module")
def hh_subset(tmp_path_factory) -> Path:
    """A canonical folder of real hh-rlhf pairs: `train` 41 rows, `test` 13 rows (converted sample)."""
    base = tmp_path_factory.mktemp("hh")
    prefdata.convert(str(HH_SAMPLE), str(base / "converted"))
    converted = load_from_disk(str(base / "converted"))["train"]
    subset = DatasetDict({"train": converted.select(range(41)), "test": converted.select(range(500, 513))})
    subset.save_to_disk(str(base / "subset"))
    return base / "subset"


@pytest.fixture(scope="module")
def launched(tmp_path_factory, hh_subset, tiny_model_dir) -> SimpleNamespace:
    base = tmp_path_factory.mktemp("launch")
    script = base / "launched_score.py"
    script.write_text(LAUNCHED)
    out = base / "two.jsonl"
    done = _launch(
        script, base, ["score", str(tiny_model_dir), str(hh_subset), str(out), "--batch-size", "4"]
    )
    assert done.returncode == 0, f"launch failed:\n{done.stdout[-3000:]}\n{done.stderr[-6000:]}"
    return SimpleNamespace(out=out, logs=base, result=done)


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.slow
def test_two_processes_give_the_single_process_output(launched, hh_subset, tiny_model_dir, tmp_path):
    single = tmp_path / "one.jsonl"
    score_folder(tiny_model_dir, hh_subset, single, batch_size=4)
    one, two = _rows(single), _rows(launched.out)
    key = ("split", "row", "source_row")
    assert [tuple(r[k] for k in key) for r in two] == [tuple(r[k] for k in key) for r in one]
    assert len(two) == sum(SPLIT_ROWS.values())
    for a, b in zip(one, two, strict=True):
        assert b["chosen_reward"] == pytest.approx(a["chosen_reward"], abs=1e-6)
        assert b["rejected_reward"] == pytest.approx(a["rejected_reward"], abs=1e-6)
    # The rewards differ from row to row, so equal outputs are not a constant coincidence.
    assert len({round(r["chosen_reward"], 5) for r in one}) > len(one) // 2


@pytest.mark.slow
def test_each_rank_scored_its_contiguous_shard_of_every_split(launched, hh_subset):
    data = load_from_disk(str(hh_subset))
    logs = {rank: _rows(launched.logs / f"rank{rank}.jsonl") for rank in (0, 1)}
    for index, (split, n) in enumerate(SPLIT_ROWS.items()):
        shards = [logs[rank][index] for rank in (0, 1)]
        assert [len(s["rows"]) for s in shards] == [n - n // 2, n // 2]
        assert shards[0]["rows"] + shards[1]["rows"] == list(range(len(data[split])))


@pytest.mark.slow
def test_only_the_main_process_prints_and_writes(launched):
    assert launched.result.stdout.count("scored 54 pairs (train: 41, test: 13)") == 1
    assert sorted(p.name for p in launched.out.parent.iterdir() if "two" in p.name) == ["two.jsonl"]


@pytest.mark.slow
def test_a_failure_on_one_process_stops_both_with_its_error(tmp_path, hh_subset, tiny_model_dir):
    script = tmp_path / "launched_score.py"
    script.write_text(LAUNCHED)
    out = tmp_path / "scores.jsonl"
    args = ["score", str(tiny_model_dir), str(hh_subset), str(out)]
    done = _launch(script, tmp_path, args, FAIL_RANK="1")
    assert done.returncode != 0
    # Rank 1 failed before scoring; rank 0 scored its shard, then received rank 1's error.
    assert done.stderr.count("error: rank 1: injected failure on one process") == 2, done.stderr[-4000:]
    # rank 0 scored its shard of the first split (train: rows 0-20) and went no further
    assert [row["rows"] for row in _rows(tmp_path / "rank0.jsonl")] == [list(range(SPLIT_ROWS["train"] - 20))]
    assert not (tmp_path / "rank1.jsonl").exists()
    assert not [p for p in tmp_path.iterdir() if "scores" in p.name]  # no output, no staging left

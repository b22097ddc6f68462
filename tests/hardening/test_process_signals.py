"""`prefdata convert` stopped by a signal while worker processes convert: the workers die with it,
a caller reading its output gets EOF, and nothing is left (no staging folder, no scratch chunks).

(Named `test_process_signals.py`: `tests/batch/test_signals.py` already owns the module name
`test_signals`, and two test modules of one name cannot be collected together.)

| signal to             | expected exit status | expected stderr                  |
| --------------------- | -------------------- | -------------------------------- |
| SIGTERM, the process  | 143                  | one line naming SIGTERM          |
| SIGKILL, the process  | -9 (killed)          | (nothing can be said)            |
| SIGINT, the group     | 1 (click's Abort)    | no traceback                     |
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from prefdata._cli.error_exits import terminate_as_interrupt
from prefdata._engine import processes, scratch
from prefdata._parent_death import interrupts_held

REPO = Path(__file__).resolve().parents[2]
ROWS = processes.MIN_ROWS + 4_000  # just enough for worker processes (PREFDATA_WORKERS=2 below)


@pytest.fixture(scope="module")
def conversational(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A TRL-conversational parquet file: prompt/chosen/rejected as message lists."""

    def messages(role: str, text: str) -> list[list[dict[str, str]]]:
        return [[{"role": role, "content": f"{text} {i}"}] for i in range(ROWS)]

    path = tmp_path_factory.mktemp("signals") / "conv.parquet"
    table = pa.table(
        {
            "prompt": messages("user", "a question about"),
            "chosen": messages("assistant", "a helpful, detailed answer to"),
            "rejected": messages("assistant", "a poor answer to"),
        }
    )
    pq.write_table(table, path)
    return path


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            found += [int(child) for child in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
        except FileNotFoundError:  # a thread that just ended
            continue
    return found


def _live_members(group: int) -> list[int]:
    """Processes of the process group that are not zombies (a zombie holds no file open)."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
        if int(fields[2]) == group and fields[0] != "Z":
            members.append(int(entry))
    return members


def _scratch(pid: int) -> list[Path]:
    parents = {Path("/dev/shm"), Path(tempfile.gettempdir())}
    return [path for parent in parents for path in parent.glob(f"{scratch.SCRATCH_PREFIX}{pid}-*")]


def _start(src: Path, out: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PREFDATA_WORKERS": "2", "PREFDATA_BATCH": "0"}
    command = [sys.executable, "-m", "prefdata", "convert", str(src), str(out)]
    proc = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while len(_children(proc.pid)) < 2 or not _scratch(proc.pid):  # workers are converting chunks
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "worker processes never started"
        time.sleep(0.02)
    return proc


@pytest.mark.parametrize(
    ("signum", "to_group", "status"),
    [(signal.SIGTERM, False, 143), (signal.SIGKILL, False, -signal.SIGKILL), (signal.SIGINT, True, 1)],
    ids=["SIGTERM", "SIGKILL", "SIGINT-group"],
)
def test_a_stopped_convert_leaves_no_process_and_no_file(conversational, tmp_path, signum, to_group, status):
    out = tmp_path / "out"
    proc = _start(conversational, out)
    workers = _children(proc.pid)
    try:
        if to_group:
            os.killpg(proc.pid, signum)
        else:
            os.kill(proc.pid, signum)
        _, stderr = proc.communicate(timeout=60)  # EOF on both pipes: no worker holds them open
        deadline = time.monotonic() + 15
        while _live_members(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _live_members(proc.pid), f"survivors of {workers}: {_live_members(proc.pid)}"
        assert proc.returncode == status, stderr
        assert not out.exists()
        assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.prefdata-")]
        assert not _scratch(proc.pid)
        text = stderr.decode()
        assert "Traceback" not in text
        if signum == signal.SIGTERM:
            assert text.strip().splitlines() == ["error: stopped by SIGTERM; unfinished output discarded"]
    finally:
        for pid in _live_members(proc.pid):  # a failed test must not leave processes behind
            os.kill(pid, signal.SIGKILL)


def test_an_interrupt_during_the_fork_of_workers_is_delivered_after_it():
    """A handler's exception inside at-fork callbacks would be lost; held, it is raised at the end."""
    raised: list[str] = []

    def handler(_signum, _frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        with pytest.raises(KeyboardInterrupt), interrupts_held():
            signal.raise_signal(signal.SIGTERM)
            raised.append("not interrupted inside")
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert raised == ["not interrupted inside"]


def test_a_sigterm_lost_in_a_finalizer_is_raised_again():
    """Python reports an exception raised in `__del__` as unraisable and goes on: the CLI resends."""

    class SignalledWhileFinalized:
        def __del__(self) -> None:
            signal.raise_signal(signal.SIGTERM)

    with pytest.raises(SystemExit) as stopped, terminate_as_interrupt():
        SignalledWhileFinalized()  # finalized at once; its Terminated cannot propagate
        time.sleep(5)  # cut short by the resent signal
    assert stopped.value.code == 143


_HALF_SENT = """
import multiprocessing, os, struct, sys, threading, time
from concurrent.futures import ProcessPoolExecutor
from prefdata._engine.processes import _stop_workers

def half_send(marker):
    # what a worker terminated in the middle of sending its result leaves: a frame header
    # announcing 1000 bytes, one byte of them, and no more
    os.write(pool._result_queue._writer.fileno(), struct.pack("!i", 1000) + b"x")
    open(marker, "w").close()
    time.sleep(60)

if __name__ == "__main__":
    marker = sys.argv[1]
    pool = ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork"))
    pool.submit(half_send, marker)
    while not os.path.exists(marker):
        time.sleep(0.01)
    time.sleep(0.2)  # the pool's manager thread is now waiting for the other 999 bytes
    _stop_workers(pool)
    done = threading.Thread(target=pool.shutdown, kwargs={"wait": True, "cancel_futures": True}, daemon=True)
    done.start()
    done.join(15)
    print("hung" if done.is_alive() else "shut down", flush=True)
    os._exit(0)
"""


def test_workers_stopped_while_one_sends_its_result_let_the_pool_shut_down(tmp_path):
    """The CI failure this guards: a worker terminated mid-send left the pool's manager thread
    waiting forever for the rest of its message, and `prefdata convert` hung after Ctrl-C."""
    script = tmp_path / "half_sent.py"
    script.write_text(_HALF_SENT)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    run = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "sending")], env=env, capture_output=True, timeout=60
    )
    assert run.stdout.decode().strip() == "shut down", run.stderr.decode()[-2000:]

"""The `prefdata` command as shells, scripts and CI use it: real processes, real file descriptors.

| usage                                              | expected                                            |
| -------------------------------------------------- | --------------------------------------------------- |
| stdout on a full disk (`> /dev/full`)              | `error: cannot write to standard output`, status 2  |
| stdout a pipe whose reader left (`| head`)         | quiet, status 141 (as SIGPIPE), never validate's 1  |
| stdout closed (`>&-`)                              | an error, status 2; descriptor 1 never written      |
| a name too long, a link loop                       | one line naming the path, status 2, no traceback    |
| `'~/out'`, `link/../out`, `-`                      | home, the kernel's `..`, standard input             |
| `-data.jsonl` without `--`                         | the usage error says to put `--` before it          |
| two `convert --overwrite` into one folder at once  | one complete output                                 |
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYOUTS = ROOT / "tests" / "fixtures" / "layouts"
HH = LAYOUTS / "hh-rlhf.jsonl"  # 9 rows, valid hh-rlhf; validate finds errors in it (exit 1)
TRL = LAYOUTS / "trl-standard.jsonl"


def run(
    *args: str | Path, cwd: Path | None = None, env: dict | None = None, **kwargs
) -> subprocess.CompletedProcess:
    """`python -m prefdata ARGS` in a fresh process; text output unless `stdout` is given."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    kwargs.setdefault("stdout", subprocess.PIPE)
    return subprocess.run(
        [sys.executable, "-m", "prefdata", *map(str, args)],
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        env=full_env,
        timeout=120,
        **kwargs,
    )


def no_traceback(proc: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr, proc.stderr


def split_rows(out: Path, split: str = "train") -> int:
    rows = 0
    for file in sorted((out / split).glob("*.arrow")):
        with pa.memory_map(str(file)) as source:
            rows += pa.ipc.open_stream(source).read_all().num_rows
    return rows


# --- standard output that cannot be written -----------------------------------------------------

FULL_DISK_CASES = {
    "validate --json": ["validate", HH, "--json"],
    "detect --json": ["detect", HH, "--json"],
    "detect --print-spec": ["detect", HH, "--print-spec"],
    "--help": ["--help"],
    "convert --help": ["convert", "--help"],
    "--version": ["--version"],
}


@pytest.mark.parametrize("args", FULL_DISK_CASES.values(), ids=FULL_DISK_CASES.keys())
def test_stdout_on_a_full_disk_is_an_error_not_a_traceback(args):
    with open("/dev/full", "w") as full:
        proc = run(*args, stdout=full)
    no_traceback(proc)
    assert proc.returncode == 2, proc.stderr
    assert "error: cannot write to standard output: No space left on device" in proc.stderr


def test_a_convert_whose_summary_cannot_be_printed_says_the_output_is_whole(tmp_path):
    out = tmp_path / "out"
    with open("/dev/full", "w") as full:
        proc = run("convert", HH, out, "--json", stdout=full)
    no_traceback(proc)
    assert proc.returncode == 2
    assert f"{out} was written in full" in proc.stderr
    manifest = json.loads((out / "prefdata.json").read_text())
    assert split_rows(out) == manifest["splits"]["train"]["rows_out"] > 0


def _with_reader_gone(*args: str | Path) -> tuple[int, str]:
    """Run with stdout a pipe whose reading end is closed before the command writes."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "prefdata", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read().decode()
    return proc.wait(timeout=120), err


@pytest.mark.parametrize(
    "args",
    [["validate", HH, "--json"], ["detect", TRL, "--json"], ["--help"]],
    ids=["validate", "detect", "help"],
)
def test_a_pipe_whose_reader_left_ends_quietly_with_141(args):
    """Click's own handling gave status 1, which for `validate` means "problems found"."""
    status, err = _with_reader_gone(*args)
    assert status == 141, err
    assert err == ""


def _closed_stdout() -> None:
    os.close(1)


def test_a_closed_stdout_is_an_error_and_descriptor_1_is_never_written(tmp_path):
    out = tmp_path / "out"
    proc = run("convert", HH, out, "--json", stdout=None, preexec_fn=_closed_stdout)
    no_traceback(proc)
    assert proc.returncode == 2, proc.stderr
    assert "standard output is closed" in proc.stderr
    # a file opened by the run may have been given descriptor 1: none holds the JSON manifest text
    for file in out.rglob("*"):
        if file.is_file() and file.name != "prefdata.json":
            assert b'"rows_out"' not in file.read_bytes(), file
    proc = run("detect", HH, stdout=None, preexec_fn=_closed_stdout)
    assert proc.returncode == 2 and "standard output is closed" in proc.stderr


def test_json_on_stdout_stays_json_when_notes_and_warnings_are_printed(tmp_path):
    proc = run("convert", HH, tmp_path / "out", "--margin", "--json")
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads(proc.stdout)
    assert manifest["notes"]  # --margin had no effect: said in the manifest, not mixed into stdout


# --- paths ---------------------------------------------------------------------------------------


def test_a_name_too_long_is_one_error_line(tmp_path):
    long_name = "a" * 300
    for args in (["detect", tmp_path / f"{long_name}.jsonl"], ["convert", HH, tmp_path / long_name]):
        proc = run(*args)
        no_traceback(proc)
        assert proc.returncode == 2
        assert "too long" in proc.stderr.lower()


def test_a_name_too_long_among_several_validate_paths_does_not_stop_the_others(tmp_path):
    proc = run("validate", tmp_path / ("a" * 300), TRL, "--json")
    no_traceback(proc)
    assert proc.returncode == 2
    reports = json.loads(proc.stdout)
    assert "too long" in reports[0]["error"]
    assert "error" not in reports[1] and reports[1]["splits"]["train"]["rows"] == 6


def test_an_output_through_a_link_loop_is_refused_by_name(tmp_path):
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    for args in (["convert", HH, tmp_path / "loop" / "out"], ["validate", TRL, "--html", tmp_path / "loop"]):
        proc = run(*args)
        no_traceback(proc)
        assert proc.returncode == 2
        assert "leads back to itself" in proc.stderr


def test_a_quoted_tilde_output_goes_to_the_home_folder(tmp_path):
    """The source reader expands `~`; an output `~/out` used to become `./~/out`."""
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    proc = run("convert", HH, "~/out", cwd=work, env={"HOME": str(home)})
    assert proc.returncode == 0, proc.stderr
    assert (home / "out" / "prefdata.json").is_file()
    assert not (work / "~").exists()
    proc = run("validate", "~/out", "--html", "~/report.html", cwd=work, env={"HOME": str(home)})
    assert proc.returncode in (0, 1), proc.stderr
    assert (home / "report.html").is_file() and not (work / "~").exists()


def test_dot_dot_after_a_link_is_read_as_the_kernel_reads_it(tmp_path):
    """`link/../out` is `out` beside the link's target for ls, validate and load_from_disk: convert
    wrote `out` beside the link (its path taken apart as text), where no other tool looks."""
    (tmp_path / "real" / "a" / "b").mkdir(parents=True)
    (tmp_path / "link").symlink_to(tmp_path / "real" / "a" / "b")
    proc = run("convert", HH, "link/../out", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "real" / "a" / "out" / "prefdata.json").is_file()
    assert not (tmp_path / "out").exists()
    assert run("validate", "link/../out", cwd=tmp_path).returncode in (0, 1)


def test_dash_reads_standard_input(tmp_path):
    """`cat data.jsonl | prefdata detect -` (a pipe; see the report for `< data.jsonl`)."""
    proc = subprocess.run(
        [sys.executable, "-m", "prefdata", "detect", "-", "--json"],
        input=HH.read_bytes(),
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["layout"] == "hh-rlhf"


def test_a_path_starting_with_a_dash_gets_the_double_dash_hint(tmp_path):
    (tmp_path / "-data.jsonl").write_bytes(HH.read_bytes())
    proc = run("detect", "-data.jsonl", cwd=tmp_path)
    assert proc.returncode == 2
    assert "put `--` before it: -- -data.jsonl" in proc.stderr
    assert run("detect", "--", "-data.jsonl", cwd=tmp_path).returncode == 0


def test_help_states_the_exit_statuses():
    proc = run("--help")
    assert proc.returncode == 0
    for status in ("0 success", "1 problems", "2 unusable", "141", "143"):
        assert status in " ".join(proc.stdout.split())


# --- environment and concurrency ----------------------------------------------------------------


def test_an_unusable_home_and_datasets_cache_do_not_stop_a_local_conversion(tmp_path):
    """HOME and the `datasets` cache under a regular file (unwritable even for root)."""
    blocker = tmp_path / "file"
    blocker.write_text("")
    env = {"HOME": str(blocker), "HF_HOME": str(blocker / "hf"), "HF_DATASETS_CACHE": str(blocker / "ds")}
    proc = run("convert", HH, tmp_path / "out", env=env)
    assert proc.returncode == 0, proc.stderr
    proc = run("validate", tmp_path / "out", env=env)
    no_traceback(proc)
    assert proc.returncode in (0, 1)


def test_two_overwriting_conversions_into_one_folder_leave_one_whole_output(tmp_path):
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for _ in range(3):
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "prefdata", "convert", str(src), str(out), "--overwrite", "--json"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
            )
            for src in (HH, TRL)
        ]
        results = [(p.communicate(timeout=120), p.returncode) for p in procs]
        for (_, err), status in results:
            assert "Traceback" not in err
            assert status == 0 or (status == 2 and err.startswith("error:")), err
        manifest = json.loads((out / "prefdata.json").read_text())
        winner = HH if manifest["layout"] == "hh-rlhf" else TRL
        assert manifest["source"].endswith(winner.name)
        assert split_rows(out) == manifest["splits"]["train"]["rows_out"]
        assert not [p for p in tmp_path.iterdir() if "prefdata-" in p.name]

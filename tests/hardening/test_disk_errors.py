"""A full disk or an unwritable output: a clear error (exit 2) that names the path and says why, the
input untouched, and no output folder or hidden staging folder left behind.

| failure                    | how it is made                                                        |
| -------------------------- | --------------------------------------------------------------------- |
| parent path is a file      | real: OUT_DIR under a regular file                                    |
| parent folder read-only    | real chmod 0o500 as a normal user; as root (bits ignored) mkdir fails |
|                            | with EACCES, patched in-process                                       |
| disk full, Arrow data      | real ENOSPC: the split's data file is opened on /dev/full              |
| disk full, rejects.jsonl   | real ENOSPC: rejects.jsonl is opened on /dev/full                      |
| disk full, metadata        | the writer's text write raises OSError(ENOSPC)                        |
"""

from __future__ import annotations

import builtins
import errno
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest
from click.testing import CliRunner

import prefdata
import prefdata._writer
from prefdata._cli import main
from prefdata._errors import OutputError

REPO = Path(__file__).resolve().parents[2]
# ties in rows 3 and 5: the conversion writes rejects as well as data
FIXTURE = REPO / "tests" / "fixtures" / "layouts" / "arena-human-preference.csv"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A copy of the arena fixture inside tmp_path, next to where the output would go."""
    src = tmp_path / "rows.csv"
    shutil.copyfile(FIXTURE, src)
    return src


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_nothing_written(folder: Path, expected: set[str]) -> None:
    """`folder` holds exactly `expected`: no output, no staging, no moved-aside folder."""
    assert set(os.listdir(folder)) == expected, sorted(os.listdir(folder))


def assert_cli_error(result, *needles: str) -> None:
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert "error: " in result.output and "Traceback" not in result.output
    for needle in needles:
        assert needle in result.output, result.output


def convert_both_ways(src: Path, out: Path) -> tuple[OutputError, object]:
    """The library error from `prefdata.convert`, and the CliRunner result of `prefdata convert`."""
    with pytest.raises(OutputError) as caught:
        prefdata.convert(src, out)
    result = CliRunner().invoke(main, ["convert", str(src), str(out)])
    return caught.value, result


# ------------------------------------------------------------ unwritable


def test_output_under_a_regular_file_is_not_writable(tmp_path, source):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder")
    before = _digest(source)
    for out in (blocker / "out", blocker / "deeper" / "out"):
        error, result = convert_both_ways(source, out)
        assert "not writable" in error.message and str(blocker) in error.message
        assert_cli_error(result, "not writable", str(blocker))
    assert blocker.read_text() == "a file, not a folder"
    assert _digest(source) == before
    assert_nothing_written(tmp_path, {"rows.csv", "blocker"})


def _deny_mkdir_in(monkeypatch: pytest.MonkeyPatch, locked: Path) -> None:
    """As root, permission bits do not stop mkdir: make the OS answer as it would to a normal user."""
    real_mkdir = Path.mkdir

    def mkdir(self: Path, *args, **kwargs):
        if self.parent == locked:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", mkdir)


def test_read_only_parent_folder_is_not_writable(tmp_path, source, monkeypatch):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    if IS_ROOT:
        _deny_mkdir_in(monkeypatch, locked)
    try:
        before = _digest(source)
        error, result = convert_both_ways(source, locked / "out")
        assert "not writable" in error.message and str(locked) in error.message
        assert_cli_error(result, "not writable", str(locked))
        assert os.listdir(locked) == []
        assert _digest(source) == before
    finally:
        locked.chmod(0o700)


def test_unwritable_output_exits_2_in_a_real_process(tmp_path, source):
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-m", "prefdata", "convert", str(source), str(blocker / "out")]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("error: ") and "Traceback" not in proc.stderr
    assert "not writable" in proc.stderr and str(blocker) in proc.stderr
    assert_nothing_written(tmp_path, {"rows.csv", "blocker"})


# ------------------------------------------------------------ disk full


def _data_on_dev_full(monkeypatch: pytest.MonkeyPatch) -> None:
    real = pa.OSFile

    def osfile(path: str, mode: str = "r", **kwargs):
        return real("/dev/full" if path.endswith(".arrow") and "w" in mode else path, mode, **kwargs)

    monkeypatch.setattr(pa, "OSFile", osfile)


def _rejects_on_dev_full(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake_open(path, mode="r", *args, **kwargs):
        if str(path).endswith(prefdata._writer.REJECTS_FILE) and "w" in mode:
            path = "/dev/full"
        return builtins.open(path, mode, *args, **kwargs)

    monkeypatch.setattr(prefdata._writer, "open", fake_open, raising=False)


def _text_write_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    def write_text(path: Path, text: str) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(prefdata._writer, "_write_text", write_text)


FULL_DISK = {"arrow-data": _data_on_dev_full, "rejects": _rejects_on_dev_full, "metadata": _text_write_fails}


@pytest.mark.parametrize("where", list(FULL_DISK))
def test_disk_full_is_a_clear_error_and_leaves_nothing(tmp_path, source, monkeypatch, where):
    FULL_DISK[where](monkeypatch)
    before = _digest(source)
    out = tmp_path / "out"
    error, result = convert_both_ways(source, out)
    assert "disk full" in error.message and str(out) in error.message
    assert_cli_error(result, "disk full", str(out))
    assert _digest(source) == before
    assert_nothing_written(tmp_path, {"rows.csv"})


def test_disk_full_while_overwriting_keeps_the_old_output(tmp_path, source, monkeypatch):
    out = tmp_path / "out"
    prefdata.convert(source, out)
    old = {p.name: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    _text_write_fails(monkeypatch)
    with pytest.raises(OutputError, match="disk full"):
        prefdata.convert(source, out, overwrite=True)
    assert {p.name: p.read_bytes() for p in out.rglob("*") if p.is_file()} == old
    assert_nothing_written(tmp_path, {"rows.csv", "out"})

"""`--overwrite` and output paths from the CLI: only a folder prefdata wrote is replaced, nothing else touched."""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import stat
from pathlib import Path

import datasets
from click.testing import CliRunner
from hardening_builders import CORPUS
from test_corpus import leftovers

from prefdata._cli import main

GOOD = CORPUS / "margin_na.jsonl"
BAD = CORPUS / "invalid_json_small.jsonl"


def run(*args: object):
    return CliRunner().invoke(main, ["convert", *(str(a) for a in args)])


def written(tmp_path: Path, name: str = "real") -> Path:
    out = tmp_path / name
    assert run(GOOD, out).exit_code == 0
    return out


def test_symlink_to_a_prefdata_folder_is_refused_and_its_target_kept(tmp_path):
    target = written(tmp_path)
    link = tmp_path / "link"
    link.symlink_to(target, target_is_directory=True)
    result = run(GOOD, link, "--overwrite")
    assert result.exit_code == 2 and "symlink" in result.stderr
    assert link.is_symlink() and (target / "prefdata.json").is_file()


def test_a_file_is_never_overwritten(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("mine")
    result = run(GOOD, path, "--overwrite")
    assert result.exit_code == 2 and "is a file" in result.stderr
    assert path.read_text() == "mine"


def test_a_foreign_prefdata_json_does_not_make_a_folder_ours(tmp_path):
    """A user's folder that happens to hold a file named prefdata.json is not replaced."""
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "prefdata.json").write_text('{"my": "settings"}')
    (folder / "thesis.tex").write_text("years of work")
    result = run(GOOD, folder, "--overwrite")
    assert result.exit_code == 2 and "no prefdata manifest" in result.stderr
    assert (folder / "thesis.tex").read_text() == "years of work"


def test_a_symlinked_manifest_does_not_make_a_folder_ours(tmp_path):
    real = written(tmp_path)
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "prefdata.json").symlink_to(real / "prefdata.json")
    (folder / "keep.txt").write_text("x")
    assert run(GOOD, folder, "--overwrite").exit_code == 2
    assert (folder / "keep.txt").exists()


def test_overwrite_deletes_links_not_what_they_point_to(tmp_path):
    """A symlink planted in an old output is removed with it; the folder it points to is untouched."""
    out = written(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious.txt").write_text("keep me")
    (out / "train" / "link").symlink_to(outside, target_is_directory=True)
    assert run(GOOD, out, "--overwrite").exit_code == 0
    assert (outside / "precious.txt").read_text() == "keep me"
    assert not (out / "train" / "link").exists()


def test_a_failed_overwrite_keeps_the_old_output_whole(tmp_path):
    out = written(tmp_path)
    before = json.loads((out / "prefdata.json").read_text())
    rows_before = datasets.load_from_disk(str(out))["train"].to_list()
    assert rows_before  # the old output has data to lose
    result = run(BAD, out, "--overwrite")
    assert result.exit_code == 2 and "line 2" in result.stderr
    assert json.loads((out / "prefdata.json").read_text()) == before
    assert datasets.load_from_disk(str(out))["train"].to_list() == rows_before
    assert not leftovers(out)


def test_a_failed_run_into_a_new_folder_leaves_nothing(tmp_path):
    out = tmp_path / "fresh"
    result = run(BAD, out)
    assert result.exit_code == 2
    assert not out.exists() and not leftovers(out)


def test_an_input_inside_the_output_is_never_deleted_by_overwrite(tmp_path):
    """`convert raw.jsonl o; mv raw.jsonl o/; convert o/raw.jsonl o --overwrite` used to delete the input."""
    out = written(tmp_path, "o")
    moved = out / "raw.jsonl"
    moved.write_bytes(GOOD.read_bytes())
    result = run(moved, out, "--overwrite")
    assert result.exit_code == 2 and "lies inside the output folder" in result.stderr
    assert moved.read_bytes() == GOOD.read_bytes() and (out / "prefdata.json").is_file()
    assert not leftovers(out)


def test_an_input_reached_through_a_link_is_protected_too(tmp_path):
    out = written(tmp_path, "o")
    inside = out / "train" / "raw.jsonl"
    inside.write_bytes(GOOD.read_bytes())
    link = tmp_path / "elsewhere.jsonl"
    link.symlink_to(inside)
    result = run(link, out, "--overwrite")
    assert result.exit_code == 2 and "a link to" in result.stderr and "lies inside" in result.stderr
    assert inside.read_bytes() == GOOD.read_bytes()


def test_an_output_that_is_or_holds_the_input_folder_is_refused(tmp_path):
    out = written(tmp_path, "o")
    (out / "data").mkdir()
    (out / "data" / "train.jsonl").write_bytes(GOOD.read_bytes())
    itself = run(out / "data", out, "--overwrite")
    assert itself.exit_code == 2 and "lies inside the output folder" in itself.stderr
    assert (out / "data" / "train.jsonl").is_file()


def test_an_output_inside_the_input_folder_is_not_replaced(tmp_path):
    """`data/test_run` names the `test` split: replacing it would first read the old output as input."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "train.jsonl").write_bytes(GOOD.read_bytes())
    out = data / "test_run"
    first = run(data, out)  # a new folder too: every later read of `data` would take it for a split
    assert first.exit_code == 2 and "lies inside the input folder" in first.stderr
    assert not out.exists() and not leftovers(out)
    assert run(data, tmp_path / "elsewhere").exit_code == 0
    (tmp_path / "elsewhere").rename(out)  # an old output that got inside the input folder anyway
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    result = run(data, out, "--overwrite")
    assert result.exit_code == 2 and "lies inside the input folder" in result.stderr
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before


def _act_as_a_user(monkeypatch, blocked: set[str]) -> None:
    """Deleting behaves as for a non-root user (the tests may run as root): an entry of a read-only
    folder cannot be removed; and names in `blocked` cannot be removed at all (a busy file)."""
    real_unlink, real_rmdir = os.unlink, os.rmdir

    def guarded(real):
        def remove(path, *, dir_fd=None):
            folder = os.fstat(dir_fd) if dir_fd is not None else os.stat(os.path.dirname(path) or ".")
            if os.path.basename(path) in blocked or not folder.st_mode & stat.S_IWUSR:
                raise PermissionError(errno.EACCES, "Permission denied", path)
            return real(path, dir_fd=dir_fd)

        return remove

    monkeypatch.setattr(os, "unlink", guarded(real_unlink))
    monkeypatch.setattr(os, "rmdir", guarded(real_rmdir))


def test_an_old_output_that_cannot_be_removed_is_named(tmp_path, monkeypatch):
    out = written(tmp_path, "o")
    (out / "marker").write_text("old")
    _act_as_a_user(monkeypatch, {"state.json"})
    result = run(GOOD, out, "--overwrite")
    assert result.exit_code == 0, result.stderr
    [aside] = leftovers(out)
    assert re.fullmatch(r"\.o\.prefdata-old-\d+", aside)
    assert f"warning: could not fully remove the replaced output: {tmp_path / aside}" in result.stderr
    assert not (out / "marker").exists() and (out / "prefdata.json").is_file()  # the new output


def test_a_stale_old_output_is_removed_by_a_later_run(tmp_path, monkeypatch):
    """A moved-aside output left by a dead run, with a read-only folder inside, is removed by the next."""
    out = written(tmp_path, "o")
    stale = tmp_path / ".o.prefdata-old-999999999"  # above any pid_max: its process is gone
    shutil.copytree(out, stale)
    (stale / "train").chmod(0o555)
    _act_as_a_user(monkeypatch, set())
    result = run(GOOD, out, "--overwrite")
    assert result.exit_code == 0, result.stderr
    assert not leftovers(out) and "warning" not in result.stderr


def test_a_stale_folder_that_stays_is_named_on_every_run(tmp_path, monkeypatch):
    out = written(tmp_path, "o")
    stale = tmp_path / ".o.prefdata-staging-999999999"
    (stale / "train").mkdir(parents=True)
    (stale / "train" / "busy.arrow").write_text("x")
    _act_as_a_user(monkeypatch, {"busy.arrow"})
    for _ in range(2):
        result = run(GOOD, out, "--overwrite")
        assert result.exit_code == 0, result.stderr
        assert f"a folder left by an earlier run: {stale}" in result.stderr

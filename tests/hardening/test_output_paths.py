"""`--overwrite` and output paths from the CLI: only a folder prefdata wrote is replaced, nothing else touched."""

from __future__ import annotations

import json
from pathlib import Path

import datasets
from click.testing import CliRunner
from hardening_builders import CORPUS
from test_corpus import leftovers

from prefdata.cli import main

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
    result = run(BAD, out, "--overwrite")
    assert result.exit_code == 2 and "line 2" in result.stderr
    assert json.loads((out / "prefdata.json").read_text()) == before
    assert datasets.load_from_disk(str(out))["train"].num_rows == 3
    assert not leftovers(out)


def test_a_failed_run_into_a_new_folder_leaves_nothing(tmp_path):
    out = tmp_path / "fresh"
    result = run(BAD, out)
    assert result.exit_code == 2
    assert not out.exists() and not leftovers(out)

"""`prefdata convert` / `prefdata detect` as a user runs them: output, messages, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import datasets
from click.testing import CliRunner

from prefdata._cli import main


def run(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_convert_real_hh_sample_writes_dataset_manifest_and_rejects(hh_sample, tmp_path):
    out = tmp_path / "hh"
    result = run("convert", hh_sample, out)
    assert result.exit_code == 0, result.output
    assert "hh-rlhf" in result.output and "empty_response" in result.output
    ds = datasets.load_from_disk(str(out))
    assert list(ds) == ["train"]
    manifest = json.loads((out / "prefdata.json").read_text())
    split = manifest["splits"]["train"]
    assert split["rows_in"] == 2312
    assert split["rows_out"] == ds["train"].num_rows == 2312 - sum(split["dropped"].values())
    rejects = [json.loads(line) for line in (out / "rejects.jsonl").read_text().splitlines()]
    assert len(rejects) == sum(split["dropped"].values())
    assert {r["split"] for r in rejects} == {"train"}
    kept = set(ds["train"]["source_row"])
    assert kept.isdisjoint(r["source_row"] for r in rejects)
    assert len(kept) + len(rejects) == 2312


def test_convert_refuses_existing_output_without_overwrite(hh_sample, tmp_path):
    out = tmp_path / "hh"
    assert run("convert", hh_sample, out, "--split", "train").exit_code == 0
    again = run("convert", hh_sample, out)
    assert again.exit_code == 2
    assert "already exists" in again.output and "--overwrite" in again.output
    assert run("convert", hh_sample, out, "--overwrite").exit_code == 0


def test_overwrite_refuses_a_folder_prefdata_did_not_write(hh_sample, tmp_path):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "keep.txt").write_text("mine")
    result = run("convert", hh_sample, precious, "--overwrite")
    assert result.exit_code == 2
    assert (precious / "keep.txt").read_text() == "mine"


def test_options_are_recorded_in_the_manifest(hh_sample, tmp_path):
    out = tmp_path / "hh"
    result = run("convert", hh_sample, out, "--prompt", "implicit", "--format", "standard", "--json")
    assert result.exit_code == 0, result.output
    manifest = json.loads(result.output)
    assert manifest["options"]["prompt"] == "implicit" and manifest["format"] == "standard"
    row = datasets.load_from_disk(str(out))["train"][0]
    assert "prompt" not in row and row["chosen"].startswith("\n\nHuman: ")


def test_detect_explains_choice_and_runner_up(oasst_sample, hh_sample):
    result = run("detect", oasst_sample, "--json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert found["layout"] == "oasst-tree"
    assert found["runner_up"]["name"] != "oasst-tree"
    text = run("detect", hh_sample).output
    assert "layout: hh-rlhf" in text and "runner-up: trl-standard" in text and "hh_text" in text


def test_detect_print_spec_gives_an_editable_spec(hh_sample, tmp_path):
    from prefdata._layouts import builtin_spec, load_spec

    result = run("detect", hh_sample, "--print-spec")
    assert result.exit_code == 0
    path = tmp_path / "spec.yaml"
    path.write_text(result.output)
    assert load_spec(path) == builtin_spec("hh-rlhf")


def test_sft_data_is_refused_with_an_explanation(tmp_path):
    path = tmp_path / "sft.jsonl"
    path.write_text(
        json.dumps(
            {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
        )
        + "\n"
    )
    result = run("convert", path, tmp_path / "out")
    assert result.exit_code == 2
    assert "not preference data" in result.output and "`messages`" in result.output
    assert not (tmp_path / "out").exists()


def test_invalid_json_line_names_file_and_line_and_leaves_no_output(tmp_path):
    path = tmp_path / "broken.jsonl"
    good = json.dumps({"chosen": "a", "rejected": "b"})
    path.write_text(f"{good}\n{good}\n{{not json\n{good}\n")
    result = run("convert", path, tmp_path / "out")
    assert result.exit_code == 2
    assert "broken.jsonl" in result.output and "3" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_tie_error_policy_stops_with_row_and_exit_2(tmp_path):
    path = tmp_path / "ties.jsonl"
    rows = [
        {
            "model_a": "x",
            "model_b": "y",
            "winner": w,
            "conversation_a": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}],
            "conversation_b": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "b"}],
        }
        for w in ("model_a", "tie")
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = run("convert", path, tmp_path / "out", "--ties", "error")
    assert result.exit_code == 2
    assert "row 1" in result.output and "--ties" in result.output
    assert not (tmp_path / "out").exists()


def test_exit_codes_through_a_real_process(hh_sample, tmp_path):
    ok = subprocess.run(
        [sys.executable, "-m", "prefdata", "convert", str(hh_sample), str(tmp_path / "o")],
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stderr
    missing = subprocess.run(
        [sys.executable, "-m", "prefdata", "convert", str(tmp_path / "nope.jsonl"), str(tmp_path / "o2")],
        capture_output=True,
        text=True,
    )
    assert missing.returncode == 2
    assert "error:" in missing.stderr and "Traceback" not in missing.stderr


def test_in_memory_dataset_converts_without_touching_disk(tmp_path, monkeypatch):
    import prefdata

    monkeypatch.chdir(tmp_path)
    source = datasets.Dataset.from_list(
        [
            {"prompt": "The sky is", "chosen": " blue.", "rejected": " green.", "margin": 1.5},
            {"prompt": "Grass is", "chosen": " green.", "rejected": " green."},
        ]
    )
    result = prefdata.convert(source)
    assert list(Path(tmp_path).iterdir()) == []
    rows = result.dataset["train"].to_list()
    assert rows == [
        {"prompt": "The sky is", "chosen": " blue.", "rejected": " green.", "margin": 1.5, "source_row": 0}
    ]
    assert [(r.source_row, r.reason) for r in result.rejects] == [(1, "identical")]


def test_empty_and_identical_error_policies_stop_with_row_and_exit_2(tmp_path):
    path = tmp_path / "pairs.jsonl"
    rows = [
        {"prompt": "q0", "chosen": "a", "rejected": "b"},
        {"prompt": "q1", "chosen": "same", "rejected": "same"},
        {"prompt": "q2", "chosen": "  ", "rejected": "b"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    identical = run("convert", path, tmp_path / "o1", "--identical", "error")
    assert identical.exit_code == 2
    assert (
        "row 1" in identical.output and "identical" in identical.output and "--identical" in identical.output
    )
    empty = run("convert", path, tmp_path / "o2", "--empty", "error")
    assert empty.exit_code == 2
    assert "row 2" in empty.output and "--empty" in empty.output
    assert not (tmp_path / "o1").exists() and not (tmp_path / "o2").exists()
    kept = run("convert", path, tmp_path / "o3", "--empty", "keep", "--identical", "keep")
    assert kept.exit_code == 0, kept.output
    assert datasets.load_from_disk(str(tmp_path / "o3"))["train"]["source_row"] == [0, 1, 2]

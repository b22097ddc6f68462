"""A hostile round against `prefdata mix` and `prefdata validate`: what it found, held fixed.

| found                                                     | now                                          |
| --------------------------------------------------------- | -------------------------------------------- |
| `validate DATA --html DATA` wrote the report over the data | refused (exit 2), a non-HTML file too        |
| `--html` into a missing folder: a traceback, exit 1        | one line, exit 2                             |
| dedup missed white space at the edge of a text             | each text normalised on its own              |
| a zero-width space hid a copy or an n-gram                 | invisible characters removed                 |
| a text holding the dedup separator passed for two texts    | each text prefixed by its length             |
| eval rows convert drops (tie, identical, empty): unindexed | kept; rows still lost counted in a warning   |
| an eval set with no prompt text: nothing done, silently    | error                                        |
| `splits: {train: rejects.jsonl}`: OS error after the work  | refused first                                |
| a source split with no pair: its output split missing      | written, empty, noted; no pair: `unknown`    |
| every pair decontaminated away: unexplained                | note: `of 50 pairs in, 50 contaminated`      |
| a folder edited in place validated clean (rows removed,    | `folder.changed` / `folder.features` errors  |
|   column added, chosen/rejected renamed or swapped)        |                                              |
| `--tokenizer DATA_FOLDER`: talk of sentencepiece           | "not a tokenizer folder"                     |
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

import prefdata
from prefdata._errors import PrefdataWarning, SpecError
from prefdata._mix import Recipe, mix
from tests.hardening.test_validate_inputs import run

ROOT = Path(__file__).resolve().parents[2]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def pair(prompt: Any, good: Any = "Paris.", bad: Any = "London.") -> dict[str, Any]:
    return {"prompt": prompt, "chosen": good, "rejected": bad}


def user(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


def reply(text: str) -> list[dict[str, str]]:
    return [{"role": "assistant", "content": text}]


LONG = "describe the migration of arctic terns across the southern ocean during the long polar winter months"


def mixed(recipe: dict[str, Any]) -> Any:
    return mix(Recipe.model_validate(recipe))


# ---------------------------------------------------------------- validate --html


def test_html_never_writes_over_the_data_it_validates(tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "data.jsonl", [pair("Capital of France?")])
    before = data.read_bytes()
    proc = run("validate", data, "--html", data)
    assert proc.returncode == 2
    assert "--html would write over the input" in proc.stderr
    assert data.read_bytes() == before
    link = tmp_path / "report.html"
    link.symlink_to(data)  # links resolved
    assert run("validate", data, "--html", link).returncode == 2
    assert data.read_bytes() == before


def test_html_refuses_a_file_that_is_not_a_report_and_a_missing_folder(tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "data.jsonl", [pair("Capital of France?")])
    other = write_jsonl(tmp_path / "other.jsonl", [pair("kept")])
    proc = run("validate", data, "--html", other)
    assert proc.returncode == 2 and "not an HTML report" in proc.stderr
    assert "kept" in other.read_text()
    proc = run("validate", data, "--html", tmp_path / "nowhere" / "r.html")
    assert proc.returncode == 2 and "does not exist" in proc.stderr
    report = tmp_path / "r.html"
    assert run("validate", data, "--html", report).returncode == 0
    assert run("validate", data, "--html", report).returncode == 0  # a report is replaced
    assert report.read_text().startswith("<!DOCTYPE html>")


# ---------------------------------------------------------------- mix: dedup texts


def test_dedup_ignores_white_space_at_the_edges_of_each_text(tmp_path: Path) -> None:
    standard = [pair("Tell me about tides"), pair("Tell me about tides\n", " Paris.", "London.  ")]
    a = write_jsonl(tmp_path / "a.jsonl", standard)
    assert len(mixed({"sources": [{"path": str(a)}]}).dataset["train"]) == 1
    talk = [
        {"prompt": user("Tell me about tides"), "chosen": reply("Moon."), "rejected": reply("Sun.")},
        {"prompt": user(" Tell me about tides\n"), "chosen": reply("Moon. "), "rejected": reply("\tSun.")},
    ]
    b = write_jsonl(tmp_path / "b.jsonl", talk)
    result = mixed({"sources": [{"path": str(b)}]})
    assert result.manifest.sources["b"].splits["train"].dropped == {"duplicate": 1}


def test_invisible_characters_hide_no_copy_and_no_ngram(tmp_path: Path) -> None:
    hidden = "Capital\u200b of Fra\u00adnce?\ufeff"
    a = write_jsonl(tmp_path / "a.jsonl", [pair("Capital of France?"), pair(hidden)])
    assert len(mixed({"sources": [{"path": str(a)}]}).dataset["train"]) == 1
    train = write_jsonl(tmp_path / "train.jsonl", [pair(LONG.replace("tern", "te\u200brn"))])
    bench = write_jsonl(tmp_path / "bench.jsonl", [pair(LONG)])
    recipe = {"sources": [{"path": str(train)}], "decontaminate": {"against": [str(bench)], "ngram": 8}}
    assert mixed(recipe).manifest.sources["train"].splits["train"].dropped == {"contaminated": 1}


def test_a_text_holding_a_separator_does_not_pass_for_two(tmp_path: Path) -> None:
    rows = [pair("alpha", "beta\x1fgamma", "no"), pair("alpha\x1fbeta", "gamma", "no")]
    a = write_jsonl(tmp_path / "a.jsonl", rows)
    assert len(mixed({"sources": [{"path": str(a)}]}).dataset["train"]) == 2


# ---------------------------------------------------------------- mix: evaluation sets


def test_evaluation_rows_a_conversion_would_drop_are_still_indexed(tmp_path: Path) -> None:
    prompts = ["Capital of France?", "Capital of Spain?", "Capital of Peru?"]  # short: exact matches only
    bench = write_jsonl(
        tmp_path / "bench.jsonl",
        [pair(prompts[0], "same", "same"), pair(prompts[1], "", "something"), pair(prompts[2])],
    )
    train = write_jsonl(tmp_path / "train.jsonl", [pair(p, "a", "b") for p in prompts])
    recipe = {"sources": [{"path": str(train)}], "decontaminate": {"against": [str(bench)]}}
    result = mixed(recipe)
    assert result.manifest.eval_prompts == 3
    assert result.manifest.sources["train"].splits["train"].dropped == {"contaminated": 3}


def test_an_evaluation_set_without_prompt_text_is_an_error(tmp_path: Path) -> None:
    train = write_jsonl(tmp_path / "train.jsonl", [pair(LONG)])
    for value in (None, 12, {"a": 1}):
        bench = write_jsonl(tmp_path / "bench.jsonl", [{"prompt": value}])
        recipe = {"sources": [{"path": str(train)}], "decontaminate": {"against": [str(bench)]}}
        with pytest.raises(SpecError, match="gives no prompt to decontaminate against"):
            mixed(recipe)
        proc = run("validate", train, "--against", bench, "--json")
        assert proc.returncode == 2 and "gives no prompt" in proc.stderr


def test_evaluation_rows_without_prompt_text_are_counted(tmp_path: Path) -> None:
    train = write_jsonl(tmp_path / "train.jsonl", [pair(LONG)])
    bench = write_jsonl(tmp_path / "bench.jsonl", [{"prompt": None}, {"prompt": LONG}])
    recipe = {"sources": [{"path": str(train)}], "decontaminate": {"against": [str(bench)]}}
    with pytest.warns(PrefdataWarning, match="1 row with no prompt text"):
        result = mixed(recipe)
    assert result.manifest.sources["train"].splits["train"].dropped == {"contaminated": 1}


# ---------------------------------------------------------------- mix: output splits


def test_an_output_split_named_as_a_side_file_is_refused_first(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "a.jsonl", [pair("Capital of France?")])
    for name in ("rejects.jsonl", "prefdata.json", "contamination.jsonl", "dataset_dict.json"):
        recipe = tmp_path / "recipe.yaml"
        recipe.write_text(f"sources:\n  - path: a.jsonl\n    splits: {{train: {name}}}\n")
        proc = run("mix", recipe, tmp_path / "out")
        assert proc.returncode == 2, proc.stdout
        assert f"output split {name!r}, the name of a file of the output folder" in proc.stderr
        assert not (tmp_path / "out").exists()


def test_a_source_split_with_no_pair_still_gives_its_output_split(tmp_path: Path) -> None:
    folder = tmp_path / "two"
    folder.mkdir()
    write_jsonl(folder / "train.jsonl", [pair("Capital of France?")])
    write_jsonl(folder / "test.jsonl", [pair("Same?", "same", "same")])  # dropped: identical
    result = prefdata.mix(Recipe.model_validate({"sources": [{"path": str(folder)}]}), tmp_path / "out")
    assert sorted(result.dataset) == ["test", "train"]
    assert len(result.dataset["test"]) == 0
    assert any(note.startswith("output split test has no pairs") for note in result.manifest.notes)
    assert run("validate", tmp_path / "out").returncode == 0


def test_a_mixture_of_no_pair_says_so(tmp_path: Path) -> None:
    a = write_jsonl(tmp_path / "a.jsonl", [pair("Same?", "same", "same")])
    result = prefdata.mix(Recipe.model_validate({"sources": [{"path": str(a)}]}), tmp_path / "out")
    assert (result.manifest.format, result.manifest.prompt) == ("unknown", "unknown")
    assert len(result.dataset["train"]) == 0
    assert result.manifest.notes == [
        "output split train has no pairs: its sources' conversions gave none "
        "(their dropped rows are in rejects.jsonl)"
    ]


def test_everything_decontaminated_away_is_explained(tmp_path: Path) -> None:
    rows = [pair(f"{LONG} number {i}") for i in range(5)]
    write_jsonl(tmp_path / "a.jsonl", rows)
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text("sources:\n  - path: a.jsonl\ndecontaminate:\n  against: [a.jsonl]\n")
    proc = run("mix", recipe, tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    assert "note: output split train has no pairs: of 5 pairs in, 5 contaminated" in proc.stdout


# ---------------------------------------------------------------- validate: edited folders


def _converted(tmp_path: Path) -> Path:
    folder = tmp_path / "src"
    folder.mkdir()
    write_jsonl(folder / "train.jsonl", [pair(f"Question {i}?", f"Good {i}.", f"Bad {i}.") for i in range(6)])
    write_jsonl(folder / "test.jsonl", [pair(f"Other {i}?", f"Good {i}.", f"Bad {i}.") for i in range(3)])
    prefdata.convert(str(folder), str(tmp_path / "out"))
    return tmp_path / "out"


def _edit(folder: Path, to: Path, change: Any) -> Path:
    shutil.copytree(folder, to)
    data = to / "train" / "data-00000-of-00001.arrow"
    table = pa.ipc.open_stream(pa.BufferReader(data.read_bytes())).read_all()
    table = change(table)
    with pa.OSFile(str(data), "wb") as handle, pa.ipc.new_stream(handle, table.schema) as writer:
        writer.write_table(table)
    return to


def _swap_names(table: pa.Table) -> pa.Table:
    return table.rename_columns(
        [{"chosen": "rejected", "rejected": "chosen"}.get(n, n) for n in table.column_names]
    )


def _swap_values(table: pa.Table) -> pa.Table:
    chosen, rejected = table.column_names.index("chosen"), table.column_names.index("rejected")
    return table.set_column(chosen, "chosen", table["rejected"]).set_column(
        rejected, "rejected", table["chosen"]
    )


EDITS = {
    "rows removed": (lambda t: t.slice(0, 4), "folder.changed"),
    "every row removed": (lambda t: t.slice(0, 0), "folder.changed"),
    "chosen and rejected renamed": (_swap_names, "folder.features"),
    "chosen and rejected values swapped": (_swap_values, "folder.changed"),
    "a column added": (lambda t: t.append_column("extra", pa.array(["x"] * t.num_rows)), "folder.features"),
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_a_folder_edited_in_place_is_not_clean(tmp_path: Path, edit: str) -> None:
    change, code = EDITS[edit]
    edited = _edit(_converted(tmp_path), tmp_path / "edited", change)
    proc = run("validate", edited, "--json")
    assert proc.returncode == 1, proc.stdout
    report = json.loads(proc.stdout)  # still valid JSON
    codes = {finding["code"] for finding in report["findings"]}
    assert code in codes and all(c.startswith("folder.") for c in codes)


def test_splits_removed_or_added_after_writing(tmp_path: Path) -> None:
    out = _converted(tmp_path)
    listed = shutil.copytree(out, tmp_path / "listed")
    (listed / "dataset_dict.json").write_text(json.dumps({"splits": ["train"]}))
    proc = run("validate", listed)
    assert proc.returncode == 1 and "prefdata.json records split 'test'; the folder has none" in proc.stdout
    assert run("validate", listed, "--split", "train").returncode == 0  # only the named split compared
    unrecorded = shutil.copytree(out, tmp_path / "unrecorded")
    manifest = json.loads((unrecorded / "prefdata.json").read_text())
    del manifest["splits"]["test"]
    (unrecorded / "prefdata.json").write_text(json.dumps(manifest))
    proc = run("validate", unrecorded)
    assert proc.returncode == 1 and "split 'test' is not in prefdata.json" in proc.stdout


def test_untouched_outputs_have_no_folder_finding(tmp_path: Path) -> None:
    out = _converted(tmp_path)
    assert run("validate", out).returncode == 0
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text("sources:\n  - path: out\n    take: 3\n")
    assert run("mix", recipe, tmp_path / "mixed").returncode == 0
    proc = run("validate", tmp_path / "mixed", "--json")
    assert proc.returncode == 0, proc.stdout
    assert not [f for f in json.loads(proc.stdout)["findings"] if f["code"].startswith("folder.")]


# ---------------------------------------------------------------- validate --tokenizer


def test_a_tokenizer_that_is_not_one(tmp_path: Path) -> None:
    out = _converted(tmp_path)
    proc = run("validate", out, "--tokenizer", out)
    assert proc.returncode == 2
    assert "is not a tokenizer folder: it holds none of tokenizer.json" in proc.stderr
    proc = run("validate", out, "--tokenizer", out / "prefdata.json")
    assert proc.returncode == 2 and "--tokenizer is a file" in proc.stderr

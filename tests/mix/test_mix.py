"""`prefdata mix` on the real samples plus a generated source: planted duplicates and planted
contamination are each found, nothing else is removed, and every pair is accounted for."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import datasets
import pytest
import yaml

import prefdata
from prefdata._errors import PrefdataError, SpecError
from prefdata._mix import Recipe, mix
from tests.mix.conftest import (
    UNRELATED,
    generated_rows,
    long_prompt_rows,
    prompt_text,
    user,
    write_jsonl,
)


def _changed(text: str) -> str:
    """Two words near the end replaced: the first 13-gram of the prompt survives."""
    words = text.split()
    words[-2], words[-4] = "zebra", "quartz"
    return " ".join(words)


@pytest.fixture(scope="module")
def planted(tmp_path_factory, hh_sample, oasst_sample, hh_pairs, oasst_pairs):
    """A recipe over hh, oasst and a generated source, an evaluation file with planted prompts,
    and what the mix must find."""
    root = tmp_path_factory.mktemp("planted")
    generated = generated_rows(60)
    hh_dupes = [2, 5]  # hh pairs copied into the generated source: duplicates of hh
    for i in hh_dupes:
        row = hh_pairs[i]
        generated.append({"prompt": row["prompt"], "chosen": row["chosen"], "rejected": row["rejected"]})
    generated.append(dict(generated[3]))  # a duplicate inside the same source
    gen_path = write_jsonl(root / "generated.jsonl", [_strip(r) for r in generated])

    hh_verbatim = long_prompt_rows(hh_pairs, 20, 2)
    oasst_changed = long_prompt_rows(oasst_pairs, 30, 1)
    eval_rows = [{"prompt": prompt_text(hh_pairs[i]["prompt"])} for i in hh_verbatim]
    eval_rows += [{"prompt": _changed(prompt_text(oasst_pairs[i]["prompt"]))} for i in oasst_changed]
    eval_rows += [{"prompt": generated[10]["prompt"][0]["content"].upper()}]  # case differs only
    eval_rows += [{"prompt": text} for text in UNRELATED]
    eval_path = write_jsonl(root / "eval.jsonl", eval_rows)

    recipe = {
        "seed": 0,
        "sources": [
            {"name": "hh", "path": str(hh_sample)},
            {"name": "oasst", "path": str(oasst_sample)},
            {"name": "gen", "path": gen_path.name},
        ],
        "dedup": "pairs",
        "decontaminate": {"against": [eval_path.name], "ngram": 13},
    }
    recipe_path = root / "recipe.yaml"
    recipe_path.write_text(yaml.safe_dump(recipe), encoding="utf-8")
    expected_contaminated = (
        {("hh", int(hh_pairs[i]["source_row"])) for i in hh_verbatim}
        | {("oasst", int(oasst_pairs[i]["source_row"])) for i in oasst_changed}
        | {("gen", 10)}
    )
    return {
        "root": root,
        "recipe": recipe_path,
        "contaminated": expected_contaminated,
        "hh_dupes": [int(hh_pairs[i]["source_row"]) for i in hh_dupes],
        "gen_rows": len(generated),
    }


def _strip(row: dict) -> dict:
    return {k: [{"role": m["role"], "content": m["content"]} for m in v] for k, v in row.items()}


@pytest.fixture(scope="module")
def mixed(planted, tmp_path_factory):
    out = tmp_path_factory.mktemp("out") / "mix"
    result = mix(planted["recipe"], out)
    return result, out


def test_every_planted_contamination_found_and_nothing_else(planted, mixed):
    _, out = mixed
    found = [json.loads(line) for line in (out / "contamination.jsonl").read_text().splitlines()]
    assert {(r["source"], r["source_row"]) for r in found} == planted["contaminated"]
    for r in found:
        assert r["eval_file"].endswith("eval.jsonl")
        assert len(r["ngram"].split()) >= 13 or r["source"] == "gen"
    unrelated_rows = set(range(len(found), len(found) + len(UNRELATED)))
    assert not {r["eval_row"] for r in found} & unrelated_rows


def test_planted_duplicates_dropped_naming_the_source_that_kept_them(planted, mixed):
    result, out = mixed
    gen = result.manifest.sources["gen"].splits["train"]
    assert gen.dropped["duplicate"] == 3
    assert gen.duplicates_of == {"gen": 1, "hh": 2}
    rejects = [json.loads(line) for line in (out / "rejects.jsonl").read_text().splitlines()]
    dupes = [r for r in rejects if r["reason"] == "duplicate"]
    assert sorted(r["source_row"] for r in dupes) == [60, 61, 62]
    hh_details = sorted(r["detail"] for r in dupes if "as hh" in r["detail"])
    assert hh_details == sorted(f"same pair as hh split train row {row}" for row in planted["hh_dupes"])
    assert "same pair as gen split train row 3" in {r["detail"] for r in dupes}
    assert result.manifest.sources["hh"].splits["train"].dropped.get("duplicate", 0) == 0


def test_accounting_is_exact_per_source(mixed):
    result, out = mixed
    train = datasets.load_from_disk(str(out))["train"]
    manifest = result.manifest
    rejects = [json.loads(line) for line in (out / "rejects.jsonl").read_text().splitlines()]
    for name, source in manifest.sources.items():
        rep = source.splits["train"]
        assert rep.pairs_in == sum(rep.dropped.values()) + rep.not_taken + rep.taken
        assert train["source"].count(name) == rep.taken
        for reason in ("duplicate", "contaminated"):
            listed = sum(1 for r in rejects if r["source"] == name and r["reason"] == reason)
            assert listed == rep.dropped.get(reason, 0)
        converted = source.converted
        assert converted is not None
        row_rejects = sum(
            1 for r in rejects if r["source"] == name and r["reason"] not in ("duplicate", "contaminated")
        )
        assert row_rejects == sum(converted.splits["train"].dropped.values())
    total = manifest.splits["train"]
    assert total.rows_out == len(train)
    assert total.rows_in == sum(s.splits["train"].pairs_in for s in manifest.sources.values())


def test_output_rows_are_the_sources_pairs_unchanged(mixed, hh_pairs):
    _, out = mixed
    train = datasets.load_from_disk(str(out))["train"]
    assert train.column_names[:3] == ["prompt", "chosen", "rejected"]
    names = train.column_names
    assert names[names.index("source") :][:3] == ["source", "source_split", "source_row"]
    by_row = {int(r["source_row"]): r for r in hh_pairs}
    for row in train.select(range(50)):
        assert row["source"] == "hh"
        original = by_row[row["source_row"]]
        assert (row["prompt"], row["chosen"], row["rejected"]) == (
            original["prompt"],
            original["chosen"],
            original["rejected"],
        )


def test_same_recipe_and_seed_give_byte_identical_output(planted, tmp_path):
    recipe = yaml.safe_load(planted["recipe"].read_text())
    recipe["sources"][1]["take"] = 0.5
    recipe["sources"][2]["take"] = 20
    path = planted["root"] / "take.yaml"
    path.write_text(yaml.safe_dump(recipe))
    mix(path, tmp_path / "a")
    mix(path, tmp_path / "b")
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    recipe["seed"] = 1
    path.write_text(yaml.safe_dump(recipe))
    mix(path, tmp_path / "c")
    assert _digest(tmp_path / "a") != _digest(tmp_path / "c")


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_take_counts_clean_pairs(planted, tmp_path):
    recipe = yaml.safe_load(planted["recipe"].read_text())
    recipe["sources"][2]["take"] = 1.0
    path = planted["root"] / "all.yaml"
    path.write_text(yaml.safe_dump(recipe))
    result = mix(path, tmp_path / "out")
    gen = result.manifest.sources["gen"].splits["train"]
    assert gen.taken == planted["gen_rows"] - 3 - 1  # 3 duplicates, 1 contaminated
    assert gen.not_taken == 0


def test_take_larger_than_available_names_source_and_count(planted, tmp_path):
    recipe = yaml.safe_load(planted["recipe"].read_text())
    recipe["sources"][2]["take"] = 1000
    path = planted["root"] / "too-many.yaml"
    path.write_text(yaml.safe_dump(recipe))
    with pytest.raises(PrefdataError, match=r"'gen'.*1,000 pairs.*only 59 are left"):
        mix(path, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert not list(tmp_path.iterdir())  # no staging left behind


def test_dedup_prompts_keeps_pairs_of_one_prompt_within_a_source(tmp_path):
    same_prompt = [
        {
            "prompt": user("one prompt"),
            "chosen": [{"role": "assistant", "content": f"good {i}"}],
            "rejected": [{"role": "assistant", "content": f"bad {i}"}],
        }
        for i in range(3)
    ]
    a = write_jsonl(tmp_path / "a.jsonl", same_prompt)
    b = write_jsonl(
        tmp_path / "b.jsonl", [dict(same_prompt[0], chosen=[{"role": "assistant", "content": "other"}])]
    )
    recipe = Recipe.model_validate(
        {"sources": [{"name": "a", "path": str(a)}, {"name": "b", "path": str(b)}], "dedup": "prompts"}
    )
    result = mix(recipe)
    assert result.manifest.sources["a"].splits["train"].taken == 3
    assert result.manifest.sources["b"].splits["train"].dropped == {"duplicate": 1}
    assert result.dataset["train"]["source"] == ["a", "a", "a"]
    assert [r.detail for r in result.rejects] == ["same prompt as a split train row 0"]


def test_converted_folder_is_used_as_it_is(tmp_path, oasst_sample):
    folder = tmp_path / "oasst"
    prefdata.convert(oasst_sample, folder)
    recipe = Recipe.model_validate({"sources": [{"path": str(folder)}], "dedup": "none"})
    result = mix(recipe, tmp_path / "out")
    assert result.manifest.sources["oasst"].splits["train"].taken == 207
    bad = Recipe.model_validate({"sources": [{"path": str(folder), "options": {"ties": "keep"}}]})
    with pytest.raises(SpecError, match="converted folder"):
        mix(bad, tmp_path / "out2")


def test_sources_of_different_shapes_are_refused(tmp_path):
    text = write_jsonl(tmp_path / "t.jsonl", [{"prompt": "p", "chosen": "a", "rejected": "b"}])
    chat = write_jsonl(
        tmp_path / "c.jsonl",
        [
            {
                "prompt": user("p"),
                "chosen": [{"role": "assistant", "content": "a"}],
                "rejected": [{"role": "assistant", "content": "b"}],
            }
        ],
    )
    recipe = Recipe.model_validate({"sources": [{"path": str(text)}, {"path": str(chat)}]})
    with pytest.raises(SpecError, match="different shapes.*t: standard.*c: conversational"):
        mix(recipe, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_margin_kept_only_when_every_source_has_one(tmp_path):
    with_margin = write_jsonl(
        tmp_path / "m.jsonl", [{"prompt": "p", "chosen": "a", "rejected": "b", "margin": 2.0}]
    )
    without = write_jsonl(tmp_path / "n.jsonl", [{"prompt": "q", "chosen": "a", "rejected": "b"}])
    result = mix(Recipe.model_validate({"sources": [{"path": str(with_margin)}, {"path": str(without)}]}))
    assert "margin" not in result.dataset["train"].column_names
    assert any("margin: not written" in note and "n" in note for note in result.manifest.notes)
    alone = mix(Recipe.model_validate({"sources": [{"path": str(with_margin)}]}))
    assert alone.dataset["train"]["margin"] == [2.0]


def test_splits_mapping_and_unknown_split(tmp_path, hh_sample):
    recipe = Recipe.model_validate(
        {"sources": [{"path": str(hh_sample), "splits": {"train": "test"}, "take": 5}]}
    )
    result = mix(recipe)
    assert list(result.dataset) == ["test"] and len(result.dataset["test"]) == 5
    wrong = Recipe.model_validate({"sources": [{"path": str(hh_sample), "splits": {"validation": "test"}}]})
    with pytest.raises(SpecError, match="no split 'validation'.*'train'"):
        mix(wrong)

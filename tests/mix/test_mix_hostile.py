"""Reproductions of what hostile testing found in `prefdata mix` and `validate --against`."""

from __future__ import annotations

import datasets
import pytest
import yaml

import prefdata
from prefdata._errors import PrefdataError, SourceError, SpecError
from prefdata._mix import Recipe, load_recipe, mix
from tests.mix.conftest import reply, user, write_jsonl


def _pair(prompt, good="yes", bad="no"):
    return {"prompt": prompt, "chosen": good, "rejected": bad}


def test_dedup_keeps_punctuation_and_symbols_apart(tmp_path):
    prompts = ["What is 2+2?", "What is 2*2?", "Is x < y?", "Is x > y?", "$5", "€5", "a++", "a--"]
    a = write_jsonl(tmp_path / "a.jsonl", [_pair(p) for p in prompts])
    for dedup in ("pairs", "prompts"):
        result = mix(Recipe.model_validate({"sources": [{"path": str(a)}], "dedup": dedup}))
        assert len(result.dataset["train"]) == len(prompts), dedup


def test_prompts_of_symbols_alone_are_not_duplicates(tmp_path):
    a = write_jsonl(tmp_path / "a.jsonl", [_pair("😀", "smile", "frown")])
    b = write_jsonl(tmp_path / "b.jsonl", [_pair("😢", "comfort", "laugh")])
    c = write_jsonl(tmp_path / "c.jsonl", [_pair("\t", "x2", "y2")])  # no pair: a blank prompt is dropped
    recipe = {"sources": [{"path": str(p)} for p in (a, b, c)], "dedup": "prompts"}
    result = mix(Recipe.model_validate(recipe))
    assert result.dataset["train"]["prompt"] == ["😀", "😢"]


def test_pairs_that_differ_only_in_a_tool_call_are_different(tmp_path):
    def call(name, args):
        return [
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [{"type": "function", "function": {"name": name, "arguments": args}}],
            }
        ]

    rows = [
        {
            "prompt": user("Please handle my request."),
            "chosen": call("get_weather", {"city": "Paris"}),
            "rejected": reply("I cannot."),
        },
        {
            "prompt": user("Please handle my request."),
            "chosen": call("delete_account", {"user": "all"}),
            "rejected": reply("I cannot."),
        },
    ]
    path = write_jsonl(tmp_path / "tc.jsonl", rows)
    result = mix(Recipe.model_validate({"sources": [{"path": str(path)}]}))
    assert len(result.dataset["train"]) == 2


def test_two_source_splits_in_one_output_split_stay_traceable(tmp_path):
    folder = tmp_path / "multi"
    folder.mkdir()
    write_jsonl(folder / "train.jsonl", [_pair(f"train {i}") for i in range(3)])
    write_jsonl(folder / "test.jsonl", [_pair(f"test {i}") for i in range(3)])
    recipe = Recipe.model_validate(
        {"sources": [{"path": str(folder), "splits": {"train": "train", "test": "train"}}]}
    )
    train = mix(recipe).dataset["train"]
    keys = list(zip(train["source"], train["source_split"], train["source_row"], strict=True))
    assert len(set(keys)) == len(keys) == 6


def test_a_mixture_is_not_a_source(tmp_path):
    a = write_jsonl(tmp_path / "a.jsonl", [_pair("p")])
    mix(Recipe.model_validate({"sources": [{"path": str(a)}]}), tmp_path / "mixed")
    with pytest.raises(SpecError, match="output of `prefdata mix`"):
        mix(Recipe.model_validate({"sources": [{"path": str(tmp_path / "mixed")}]}))


def test_recipe_paths_are_read_from_the_recipe_folder_only(tmp_path, monkeypatch):
    sub = tmp_path / "sub"
    sub.mkdir()
    write_jsonl(sub / "judge.jsonl", [{"q": "p", "good": "a", "bad": "b"}])
    (sub / "judge.yaml").write_text(
        "name: judge\nmatch: {columns: [q, good, bad]}\nprompt: [{column: q, role: user}]\n"
        "responses: {columns: [good, bad]}\npreference: {encoding: paired}\n"
    )
    (sub / "r.yaml").write_text(yaml.safe_dump({"sources": [{"path": "judge.jsonl", "spec": "judge.yaml"}]}))
    monkeypatch.chdir(tmp_path)
    assert len(mix(sub / "r.yaml").dataset["train"]) == 1
    write_jsonl(tmp_path / "elsewhere.jsonl", [_pair("p")])  # exists in the working folder only
    (sub / "r2.yaml").write_text(yaml.safe_dump({"sources": [{"path": "elsewhere.jsonl"}]}))
    with pytest.raises(SourceError, match="not found"):
        mix(sub / "r2.yaml")


def test_manifest_does_not_depend_on_the_working_folder(tmp_path, monkeypatch):
    write_jsonl(tmp_path / "a.jsonl", [_pair("p")])
    (tmp_path / "r.yaml").write_text(yaml.safe_dump({"sources": [{"path": "a.jsonl"}]}))
    monkeypatch.chdir(tmp_path)
    first = mix("r.yaml", tmp_path / "o1")
    monkeypatch.chdir("/")
    second = mix(tmp_path / "r.yaml", tmp_path / "o2")
    assert (tmp_path / "o1/prefdata.json").read_bytes() == (tmp_path / "o2/prefdata.json").read_bytes()
    assert first.manifest.sources["a"].path == "a.jsonl"
    assert second.manifest.sources["a"].path == "a.jsonl"


@pytest.mark.parametrize(
    "body",
    [
        "sources: [{path: a.jsonl}]\ndecontaminate: {against: [a.jsonl], ngram: true}\n",
        "sources: [{path: a.jsonl}]\ndecontaminate: {against: [a.jsonl], ngram: '13'}\n",
        "sources: [{path: a.jsonl}]\nseed: true\n",
        "sources: [{path: a.jsonl, options: {margin: 'yes'}}]\n",
        "sources: [{path: a.jsonl, splits: {}}]\n",
        "sources: [{path: a.jsonl, name: ''}]\n",
        "sources: [{path: a.jsonl, splits: {train: ../evil}}]\n",
        "",
    ],
)
def test_loose_recipe_values_are_refused(tmp_path, body):
    path = tmp_path / "r.yaml"
    path.write_text(body)
    with pytest.raises(SpecError):
        load_recipe(path)


def test_a_share_that_rounds_to_no_pair_is_an_error(tmp_path):
    a = write_jsonl(tmp_path / "a.jsonl", [_pair(f"p {i}") for i in range(5)])
    with pytest.raises(PrefdataError, match="comes to 0 of the 5 pairs"):
        mix(Recipe.model_validate({"sources": [{"path": str(a), "take": 0.0001}]}))


def test_an_output_inside_a_source_folder_is_refused(tmp_path):
    folder = tmp_path / "multi"
    folder.mkdir()
    write_jsonl(folder / "train.jsonl", [_pair("p")])
    with pytest.raises(prefdata.OutputError, match="inside the input folder"):
        mix(Recipe.model_validate({"sources": [{"path": str(folder)}]}), folder / "mixed")
    assert not (folder / "mixed").exists()
    assert (
        len(
            datasets.load_from_disk(
                str(mix(Recipe.model_validate({"sources": [{"path": str(folder)}]}), tmp_path / "ok").out_dir)
            )["train"]
        )
        == 1
    )

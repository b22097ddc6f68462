"""The recipe model: unknown and duplicate keys refused, names filled in, `take` checked."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from prefdata._errors import SpecError
from prefdata._mix import Recipe, load_recipe
from prefdata.records.mix import default_name


def test_names_default_from_path_and_must_be_unique():
    recipe = Recipe.model_validate({"sources": [{"path": "data/hh-rlhf.jsonl.gz"}, {"path": "org/arena"}]})
    assert [s.name for s in recipe.sources] == ["hh-rlhf", "arena"]
    with pytest.raises(ValidationError, match="two sources are named 'hh'"):
        Recipe.model_validate({"sources": [{"path": "a/hh.jsonl"}, {"path": "b/hh.parquet"}]})


@pytest.mark.parametrize("take", [0.0, 1.5, -1, 0, "half", True])
def test_take_out_of_range_refused(take):
    with pytest.raises(ValidationError):
        Recipe.model_validate({"sources": [{"path": "x.jsonl", "take": take}]})


@pytest.mark.parametrize("take", [0.25, 1.0, 1, 20000])
def test_take_in_range(take):
    assert Recipe.model_validate({"sources": [{"path": "x.jsonl", "take": take}]}).sources[0].take == take


def test_default_name():
    assert default_name("out/arena/") == "arena"
    assert default_name("x.JSONL.GZ") == "x"


def test_unknown_key_refused_with_file_and_key(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("sources:\n  - path: a.jsonl\n    weight: 2\n")
    with pytest.raises(SpecError, match=r"sources\.0\.weight") as info:
        load_recipe(path)
    assert str(path) in info.value.message


def test_duplicate_key_refused(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("dedup: pairs\nsources:\n  - path: a.jsonl\ndedup: none\n")
    with pytest.raises(SpecError, match="dedup"):
        load_recipe(path)


def test_json_recipe(tmp_path):
    path = tmp_path / "r.json"
    path.write_text('{"sources": [{"path": "a.jsonl"}], "decontaminate": {"against": ["e.jsonl"]}}')
    recipe = load_recipe(path)
    assert recipe.decontaminate is not None and recipe.decontaminate.ngram == 13


def test_decontaminate_needs_an_evaluation_set():
    with pytest.raises(ValidationError):
        Recipe.model_validate({"sources": [{"path": "a"}], "decontaminate": {"against": []}})

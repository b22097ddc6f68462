"""A mixture is a TRL preference dataset: TRL's RewardTrainer trains on it unchanged."""

from __future__ import annotations

import datasets

from prefdata._mix import Recipe, mix
from tests.test_trl_acceptance import hh_slice, tiny_reward_model, train_two_steps  # noqa: F401  (fixtures)


def test_reward_trainer_trains_on_a_mixture(tmp_path, hh_slice, oasst_sample, tiny_reward_model):  # noqa: F811
    model, tokenizer = tiny_reward_model
    recipe = Recipe.model_validate(
        {
            "sources": [
                {"name": "hh", "path": str(hh_slice)},
                {"name": "oasst", "path": str(oasst_sample), "take": 8},
            ]
        }
    )
    mix(recipe, tmp_path / "mix")
    train = datasets.load_from_disk(str(tmp_path / "mix"))["train"]
    assert set(train["source"]) == {"hh", "oasst"}
    before = [p.detach().clone() for p in model.parameters()]
    assert train_two_steps(model, tokenizer, train, tmp_path / "run").global_step == 2
    assert any(not p.detach().equal(b) for p, b in zip(model.parameters(), before, strict=True))

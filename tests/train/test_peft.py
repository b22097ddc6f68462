"""LoRA on the tiny causal-LM-style model: adapters and the score head train, and are saved."""

from __future__ import annotations

import pytest
import torch
from peft import LoraConfig, PeftModel
from safetensors import safe_open
from train_helpers import fast_config, load

from prefdata._errors import PrefdataError
from prefdata_train import RewardTrainer, load_reward_model


def _changed(before: dict, model) -> set[str]:
    after = dict(model.named_parameters())
    return {name for name, value in before.items() if not torch.equal(value, after[name].detach())}


def test_lora_trains_adapters_and_score_head_only(tiny_model_dir, tmp_path, standard_dataset):
    model, tokenizer = load(tiny_model_dir)
    # No task type: PEFT alone would leave the new score head frozen and unsaved.
    peft_config = LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"])
    out = tmp_path / "adapter"
    trainer = RewardTrainer(
        model,
        fast_config(out),
        train_dataset=standard_dataset,
        processing_class=tokenizer,
        peft_config=peft_config,
    )
    assert peft_config.modules_to_save is None  # the user's config is not modified
    before = {n: p.detach().clone() for n, p in trainer.model.named_parameters()}
    trainer.train()
    changed = _changed(before, trainer.model)
    assert changed, "nothing trained"
    assert all("lora_B" in n or "lora_A" in n or "modules_to_save" in n for n in changed), changed
    assert any("score" in n and "modules_to_save" in n for n in changed)
    assert any("lora_B" in n for n in changed)

    trainer.save_model()
    with safe_open(str(out / "adapter_model.safetensors"), "pt") as handle:
        keys = list(handle.keys())
    assert any("score" in k for k in keys), keys
    score = next(
        v for n, v in trainer.model.named_parameters() if "modules_to_save.default" in n and "score" in n
    )
    merged, _ = load_reward_model(out)
    assert torch.equal(merged.score.weight, score.detach())


def test_peft_model_passed_in_trains_without_peft_config(tiny_model_dir, tmp_path, standard_dataset):
    model, tokenizer = load(tiny_model_dir)
    adapter_dir = tmp_path / "adapter"
    config = LoraConfig(r=4, target_modules=["q_proj"], modules_to_save=["score"])
    from peft import get_peft_model

    get_peft_model(model, config).save_pretrained(adapter_dir)
    base, _ = load(tiny_model_dir)
    frozen = PeftModel.from_pretrained(base, adapter_dir)
    with pytest.raises(PrefdataError, match="is_trainable=True"):
        RewardTrainer(
            frozen, fast_config(tmp_path / "a"), train_dataset=standard_dataset, processing_class=tokenizer
        )

    base, _ = load(tiny_model_dir)
    peft_model = PeftModel.from_pretrained(base, adapter_dir, is_trainable=True)
    trainer = RewardTrainer(
        peft_model, fast_config(tmp_path / "b"), train_dataset=standard_dataset, processing_class=tokenizer
    )
    before = {n: p.detach().clone() for n, p in trainer.model.named_parameters()}
    trainer.train()
    changed = _changed(before, trainer.model)
    assert any("lora_B" in n for n in changed) and any("score" in n for n in changed)
    assert all("lora_" in n or "modules_to_save" in n for n in changed), changed

"""The canonical output is a TRL preference dataset for DPO too: `trl.DPOTrainer` trains on it unchanged.

Each output (real samples, layout fixtures, a mixture) goes through DPOTrainer's own data preparation
(prompt extraction for implicit prompts, EOS for text, chat template with `tools` and
`chat_template_kwargs`, tokenisation, the collator) and two optimiser steps of a tiny causal LM built
here from a config, with the reference model loaded from the same folder (no hub, no precomputed
reference log-probabilities).
"""

from __future__ import annotations

import json
import math

import datasets
import pytest
import trl

import prefdata
from prefdata import ConvertOptions
from prefdata._mix import Recipe, mix
from tests.test_trl_acceptance import (  # noqa: F401  (fixtures)
    LAYOUT_FIXTURES,
    hh_slice,
    tiny_qwen3_config,
    tiny_reward_model,
)

ROWS = 8  # rows trained on per output (fixtures have fewer); two steps of batch 2 see 4
MAX_LENGTH = 512


@pytest.fixture(scope="module")
def tiny_causal_lm(tmp_path_factory, tiny_reward_model):  # noqa: F811
    """A 1-layer Qwen3 causal LM (hidden 32) on the existing tests' tokenizer, saved so DPOTrainer loads it
    (and its reference copy) from a folder as it would a model id."""
    import torch
    from transformers import Qwen3ForCausalLM

    _, tokenizer = tiny_reward_model
    torch.manual_seed(0)
    config = tiny_qwen3_config(tokenizer, eos_token_id=tokenizer.eos_token_id, tie_word_embeddings=False)
    folder = tmp_path_factory.mktemp("tiny-causal-lm")
    Qwen3ForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return str(folder), tokenizer


def dpo_two_steps(model_dir, tokenizer, train, output_dir):
    """Two DPOTrainer steps on `train`; asserts a finite loss and that the policy's weights moved."""
    config = trl.DPOConfig(
        output_dir=str(output_dir),
        max_steps=2,
        per_device_train_batch_size=2,
        learning_rate=1e-2,
        max_length=MAX_LENGTH,
        precompute_ref_log_probs=False,
        use_cpu=True,
        bf16=False,
        gradient_checkpointing=False,
        save_strategy="no",
        logging_steps=1,
        report_to="none",
        disable_tqdm=True,
    )
    trainer = trl.DPOTrainer(model=model_dir, args=config, train_dataset=train, processing_class=tokenizer)
    # Every row went through TRL's tokenisation; TRL then drops rows whose prompt alone fills max_length.
    assert len(trainer.train_dataset) >= min(3, len(train)), "TRL's max_length filter left too few rows"
    before = [p.detach().clone() for p in trainer.model.parameters()]
    result = trainer.train()
    assert result.global_step == 2
    losses = [log["loss"] for log in trainer.state.log_history if "loss" in log]
    assert len(losses) == 2 and all(math.isfinite(x) for x in losses), losses
    assert any(not p.detach().equal(b) for p, b in zip(trainer.model.parameters(), before, strict=True))
    return trainer


def converted(source, out, **options):
    """`prefdata convert` to `out`, loaded back as TRL users load it; the first ROWS rows of `train`."""
    prefdata.convert(source, out, options=ConvertOptions(**options))
    train = datasets.load_from_disk(str(out))["train"]
    return train.select(range(min(ROWS, len(train))))


HH_OPTIONS = {
    "conversational": {},
    "standard": {"format": "standard"},
    "implicit": {"prompt": "implicit"},
    "standard-implicit": {"format": "standard", "prompt": "implicit"},
}


@pytest.mark.parametrize("options", HH_OPTIONS.values(), ids=HH_OPTIONS.keys())
def test_dpo_trains_on_converted_hh(tmp_path, hh_slice, tiny_causal_lm, options):  # noqa: F811
    train = converted(hh_slice, tmp_path / "canonical", **options)
    assert ("prompt" in train.column_names) == (options.get("prompt") != "implicit")
    dpo_two_steps(*tiny_causal_lm, train, tmp_path / "run")


@pytest.mark.parametrize(
    "options", [{}, {"prompt": "implicit", "format": "standard"}], ids=["default", "std-implicit"]
)
def test_dpo_trains_on_converted_oasst(tmp_path, oasst_sample, tiny_causal_lm, options):
    train = converted(oasst_sample, tmp_path / "canonical", **options)
    assert "source_row" in train.column_names
    dpo_two_steps(*tiny_causal_lm, train, tmp_path / "run")


LAYOUT_CASES = {
    "trl-conversational (tools, tool calls, kwargs)": ("trl-conversational.jsonl", {}),
    "trl-conversational implicit (tool calls)": ("trl-conversational.jsonl", {"prompt": "implicit"}),
    "trl-standard (margin)": ("trl-standard.jsonl", {"margin": True}),
    "helpsteer3 (margin, ties kept)": ("helpsteer3-preference.jsonl", {"margin": True, "ties": "keep"}),
    "ultrafeedback (all pairs)": ("ultrafeedback.jsonl", {"pairing": "all-pairs", "margin": True}),
    "arena (implicit)": ("arena-human-preference.csv", {"prompt": "implicit"}),
    "nectar (standard)": ("nectar.jsonl", {"format": "standard", "pairing": "all-pairs"}),
}


@pytest.mark.parametrize("layout, options", LAYOUT_CASES.values(), ids=LAYOUT_CASES.keys())
def test_dpo_trains_on_layouts(tmp_path, tiny_causal_lm, layout, options):
    train = converted(LAYOUT_FIXTURES / layout, tmp_path / "canonical", **options)
    dpo_two_steps(*tiny_causal_lm, train, tmp_path / "run")


def test_dpo_trains_on_a_mixture(tmp_path, hh_slice, oasst_sample, tiny_causal_lm):  # noqa: F811
    recipe = Recipe.model_validate(
        {
            "sources": [
                {"name": "hh", "path": str(hh_slice), "take": 4},
                {"name": "oasst", "path": str(oasst_sample), "take": 4},
            ]
        }
    )
    mix(recipe, tmp_path / "mix")
    train = datasets.load_from_disk(str(tmp_path / "mix"))["train"]
    assert set(train["source"]) == {"hh", "oasst"}
    dpo_two_steps(*tiny_causal_lm, train, tmp_path / "run")


def test_implicit_prompt_turns_read_back_equal(tmp_path):
    """TRL finds an implicit prompt by comparing chosen's and rejected's messages as dicts. With
    `tool_calls` only in chosen, the shared turns read back as `{..., "tool_calls": None}` on one side
    and without the key on the other: no turn matched, every prompt was empty and DPOTrainer stopped
    (an IndexError or "empty conversation", by hash seed). One message type for all columns fixes it."""
    source = LAYOUT_FIXTURES / "trl-conversational.jsonl"
    implicit = converted(source, tmp_path / "implicit", prompt="implicit")
    explicit = converted(source, tmp_path / "explicit")
    assert implicit.features["chosen"] == implicit.features["rejected"] == explicit.features["prompt"]
    assert "tool_calls" in implicit.features["rejected"].feature  # no rejected reply calls a tool
    for imp, exp in zip(implicit, explicit, strict=True):
        assert trl.extract_prompt(imp)["prompt"] == exp["prompt"]


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_rows_without_template_kwargs_stop_trl_as_the_readme_says(tmp_path, tiny_causal_lm):
    """A source where only some rows carry `chat_template_kwargs`: prefdata writes null for the others
    (it does not invent kwargs a row lacks), and TRL's tokenisation (DPOTrainer's and RewardTrainer's)
    does `**example["chat_template_kwargs"]`, which a null stops. The README states this limit; this
    test fails when TRL's behaviour changes, so that the README is corrected."""
    rows = [
        {
            "prompt": [{"role": "user", "content": f"Say {word}."}],
            "chosen": [{"role": "assistant", "content": f"{word.title()}!"}],
            "rejected": [{"role": "assistant", "content": "No."}],
            **({"chat_template_kwargs": {"enable_thinking": False}} if i == 0 else {}),
        }
        for i, word in enumerate(["hi", "bye", "yes", "maybe"])
    ]
    train = converted(write_jsonl(tmp_path / "kwargs.jsonl", rows), tmp_path / "canonical")
    assert train["chat_template_kwargs"][1] is None
    with pytest.raises(TypeError, match="not a mapping"):
        dpo_two_steps(*tiny_causal_lm, train, tmp_path / "run")

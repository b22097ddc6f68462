"""Prefix sharing: a pair's common prompt runs once, and the rewards and losses stay the padded ones."""

from __future__ import annotations

import pytest
import torch
from conftest import conversational_rows
from datasets import Dataset
from test_packing import _losses, arch_model_dir, hh_examples, packed_rewards, padded_rewards, short_hh_rows  # noqa: F401
from train_helpers import load

from prefdata_train._data.packing import pack_units, visibility
from prefdata_train._data.prefix_sharing import SharingStats, shared_prefix_length, shared_unit
from prefdata_train._data.preprocessing import tokenize_pairs


def test_unit_layout_by_hand():
    """Prompt [1, 2], answers [3, 4] and [5]: positions continue from the prompt, rejected skips chosen."""
    stats = SharingStats()
    batch = pack_units([shared_unit([1, 2, 3, 4], [1, 2, 5], stats)], pad_token_id=0)
    assert batch["input_ids"].tolist() == [[1, 2, 3, 4, 5]]
    assert batch["position_ids"].tolist() == [[0, 1, 2, 3, 2]]
    assert batch["reward_index"].tolist() == [[0, 3], [0, 4]]
    assert batch["unit_spans"].tolist() == [[0, 2, 2, 1]]
    seen = visibility(batch["segment_ids"], batch["parent_ids"])[0, 0].int().tolist()
    assert seen == [[1, 0, 0, 0, 0], [1, 1, 0, 0, 0], [1, 1, 1, 0, 0], [1, 1, 1, 1, 0], [1, 1, 0, 0, 1]]
    assert stats == {"pairs": 1, "unshared": 0, "saved_tokens": 2}


def test_each_side_keeps_its_last_token():
    """When one side is a prefix of the other, its last token stays in its own suffix."""
    assert shared_prefix_length([1, 2, 3], [1, 2, 3, 4]) == 2
    assert shared_prefix_length([1, 2], [1, 2]) == 1


def test_pairs_without_common_prefix_are_counted_and_packed_apart():
    stats = SharingStats()
    unit = shared_unit([7, 8], [9], stats)
    assert [s.ids for s in unit.segments] == [[7, 8], [9]]
    assert all(s.parent is None and s.start == 0 for s in unit.segments)
    assert stats["unshared"] == 1


@pytest.mark.parametrize(
    ("attn", "single_row"),
    [("sdpa", True), ("sdpa", False), ("eager", False)],
    ids=["varlen", "sdpa-mask", "eager-mask"],
)
def test_shared_rewards_equal_padded_on_hh(arch_model_dir, attn, single_row):  # noqa: F811
    """Real hh-rlhf pairs: prefix-shared rewards equal the padded forward's within 1e-4 (fp32)."""
    model, tokenizer = load(arch_model_dir, attn_implementation=attn)
    model.eval()
    examples = hh_examples(arch_model_dir)
    expected = padded_rewards(model, examples, tokenizer.pad_token_id)
    got, batch = packed_rewards(
        model, examples, tokenizer.pad_token_id, prefix_sharing=True, single_row=single_row
    )
    real = sum(len(e["chosen_ids"]) + len(e["rejected_ids"]) for e in examples)
    assert batch["input_ids"].numel() < real  # the prompts ran once: fewer slots than real tokens
    torch.testing.assert_close(got, expected, atol=1e-4, rtol=0)
    assert expected.std() > 1e-3


def test_shared_rewards_equal_padded_on_chat_template(tiny_model_dir):
    """Conversational rows rendered by the chat template share the templated prompt exactly."""
    model, tokenizer = load(tiny_model_dir)
    model.eval()
    tokenised = tokenize_pairs(Dataset.from_list(conversational_rows(4)), tokenizer)
    examples = [{"chosen_ids": r["chosen_ids"], "rejected_ids": r["rejected_ids"]} for r in tokenised]
    expected = padded_rewards(model, examples, tokenizer.pad_token_id)
    got, _ = packed_rewards(model, examples, tokenizer.pad_token_id, prefix_sharing=True)
    torch.testing.assert_close(got, expected, atol=1e-4, rtol=0)


def test_training_losses_match_padded(arch_model_dir, tmp_path):  # noqa: F811
    """20 steps with the defaults (packed, prefix shared) give the padded path's losses within 1e-3."""
    rows = short_hh_rows(40)
    padded, padded_tokens, _ = _losses(arch_model_dir, tmp_path / "pad", rows, padding_free=False)
    shared, shared_tokens, trainer = _losses(arch_model_dir, tmp_path / "shared", rows)
    collator = trainer.data_collator
    assert collator.padding_free and collator.prefix_sharing
    assert collator.sharing_stats["saved_tokens"] > 0
    assert shared == pytest.approx(padded, abs=1e-3)
    assert shared_tokens == padded_tokens

"""The loss, the collator's margins and reward pooling, checked against numbers worked out by hand."""

from __future__ import annotations

import math

import pytest
import torch
from train_helpers import load

from prefdata_train import DataCollatorForPreference, compute_rewards, preference_loss


def test_loss_with_mixed_margins_from_the_collator():
    """Rewards chosen = [2, 0, 1], rejected = [1, 1, 1]; margins [0.5, none, None] -> [0.5, 0, 0].

    diff = chosen - rejected - margin = [0.5, -1, 0]
    -log sigmoid(0.5) = log(1 + e^-0.5) = 0.4740770
    -log sigmoid(-1)  = log(1 + e^1)    = 1.3132617
    -log sigmoid(0)   = log 2           = 0.6931472
    mean = 2.4804859 / 3 = 0.8268286
    """
    collator = DataCollatorForPreference(pad_token_id=0)
    batch = collator(
        [
            {"chosen_ids": [5, 6, 7], "rejected_ids": [8], "margin": 0.5},
            {"chosen_ids": [9], "rejected_ids": [10, 11]},
            {"chosen_ids": [12, 13], "rejected_ids": [14], "margin": None},
        ]
    )
    assert batch["margin"].tolist() == [0.5, 0.0, 0.0]
    assert batch["input_ids"].tolist() == [
        [5, 6, 7],
        [9, 0, 0],
        [12, 13, 0],
        [8, 0, 0],
        [10, 11, 0],
        [14, 0, 0],
    ]
    assert batch["attention_mask"].sum(-1).tolist() == [3, 1, 2, 1, 2, 1]
    loss = preference_loss(torch.tensor([2.0, 0.0, 1.0]), torch.tensor([1.0, 1.0, 1.0]), batch["margin"])
    assert loss.item() == pytest.approx(0.8268286, abs=1e-6)
    assert loss.item() == pytest.approx((math.log1p(math.exp(-0.5)) + math.log1p(math.e) + math.log(2)) / 3)


def test_collator_without_margin_and_pad_multiple():
    batch = DataCollatorForPreference(pad_token_id=3, pad_to_multiple_of=4)(
        [{"chosen_ids": [1], "rejected_ids": [2]}]
    )
    assert "margin" not in batch
    assert batch["input_ids"].tolist() == [[1, 3, 3, 3], [2, 3, 3, 3]]


def test_centring_term():
    """chosen = [2, 0], rejected = [1, 1], no margin, coefficient 0.01.

    Bradley-Terry: diff = [1, -1] -> (log(1 + e^-1) + log(1 + e)) / 2
                 = (0.3132617 + 1.3132617) / 2 = 0.8132617
    centring: (r_c + r_r)^2 = [9, 1], mean 5, times 0.01 = 0.05
    total = 0.8632617
    """
    chosen, rejected = torch.tensor([2.0, 0.0]), torch.tensor([1.0, 1.0])
    assert preference_loss(chosen, rejected).item() == pytest.approx(0.8132617, abs=1e-6)
    assert preference_loss(chosen, rejected, center_coefficient=0.01).item() == pytest.approx(
        0.8632617, abs=1e-6
    )


def test_reward_read_at_last_real_token_when_pad_is_eos(tiny_model_dir):
    """Rows end with EOS, which is also the pad token: the reward is the score at the EOS itself."""
    model, tokenizer = load(tiny_model_dir)
    model.eval()
    eos = tokenizer.eos_token_id
    assert tokenizer.pad_token_id == eos
    input_ids = torch.tensor([[10, 11, eos], [12, eos, eos]])
    attention_mask = torch.tensor([[1, 1, 1], [1, 1, 0]])
    with torch.no_grad():
        rewards, outputs = compute_rewards(model, input_ids, attention_mask)
        per_token = model.score(model.model(input_ids, attention_mask=attention_mask).last_hidden_state)[
            ..., 0
        ]
    assert rewards.tolist() == pytest.approx([per_token[0, 2].item(), per_token[1, 1].item()], abs=1e-6)
    # transformers' pooling skips trailing pad-id tokens, so it reads one token early here.
    assert outputs.logits[:, 0].tolist() == pytest.approx(
        [per_token[0, 1].item(), per_token[1, 0].item()], abs=1e-6
    )
    assert rewards[0].item() != pytest.approx(outputs.logits[0, 0].item(), abs=1e-6)

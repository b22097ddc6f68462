"""Batched reward scoring: where the reward is read, padding, order, and tokenisation as in training."""

from __future__ import annotations

import pytest
import torch
from cli_data import conversational_split, standard_split

from prefdata._errors import PrefdataError
from prefdata_train import load_reward_model
from prefdata_train._modeling.pair_scoring import score_pairs, score_sequences


@pytest.fixture(scope="module")
def reward_model(tiny_model_dir):
    return load_reward_model(tiny_model_dir)


def head_at_last_token(model, ids: list[int]) -> float:
    """The score head applied to the final hidden state of an unpadded sequence, computed directly."""
    with torch.no_grad():
        hidden = model.model(input_ids=torch.tensor([ids])).last_hidden_state
        return model.score(hidden)[0, -1, 0].item()


def test_reward_is_read_at_the_last_token_even_when_it_is_the_pad_token(reward_model):
    model, tokenizer = reward_model
    assert tokenizer.pad_token_id == tokenizer.eos_token_id  # the case transformers' pooling gets wrong
    ids = tokenizer("Q: Is the sky blue? A: Yes.")["input_ids"] + [tokenizer.eos_token_id]
    [reward] = score_sequences(model, [ids], pad_id=tokenizer.pad_token_id, batch_size=1)
    assert reward == pytest.approx(head_at_last_token(model, ids), abs=1e-5)
    # The model's own pooling skips the trailing EOS and reads one token early.
    with torch.no_grad():
        pooled = model(input_ids=torch.tensor([ids])).logits[0, 0].item()
    assert reward != pytest.approx(pooled, abs=1e-6)


def test_padding_and_batching_do_not_change_rewards(reward_model):
    model, tokenizer = reward_model
    data = standard_split(7)
    one_by_one = score_pairs(model, tokenizer, data, batch_size=1)
    batched = score_pairs(model, tokenizer, data, batch_size=3)
    for alone, padded in zip(one_by_one, batched, strict=True):
        assert padded == pytest.approx(alone, abs=1e-5)


def test_rewards_come_back_in_input_order(reward_model):
    model, tokenizer = reward_model
    sequences = [[5, 6, 7, 8, 9], [5], [7, 8], [9, 9, 9]]
    forward = score_sequences(model, sequences, pad_id=0, batch_size=2)
    backward = score_sequences(model, sequences[::-1], pad_id=0, batch_size=2)
    assert backward[::-1] == pytest.approx(forward, abs=1e-5)
    assert forward[1] == pytest.approx(head_at_last_token(model, [5]), abs=1e-5)


def test_one_reward_per_row_and_side(reward_model):
    model, tokenizer = reward_model
    chosen, rejected = score_pairs(model, tokenizer, standard_split(5), batch_size=2)
    assert len(chosen) == len(rejected) == 5
    assert all(isinstance(r, float) for r in chosen + rejected)
    assert chosen[0] != pytest.approx(rejected[0])


def test_conversational_pairs_go_through_the_chat_template(reward_model):
    model, tokenizer = reward_model
    data = conversational_split(4)
    chosen, _ = score_pairs(model, tokenizer, data, batch_size=4)
    rendered = tokenizer.apply_chat_template(
        [
            {"role": "user", "content": "Is the sky blue?"},
            {"role": "assistant", "content": "Yes, on a clear day."},
        ],
        tokenize=True,
        return_dict=True,
    )["input_ids"]
    assert chosen[3] == pytest.approx(head_at_last_token(model, list(rendered)), abs=1e-5)


def test_max_length_truncates_but_keeps_every_row(reward_model):
    model, tokenizer = reward_model
    chosen, rejected = score_pairs(model, tokenizer, standard_split(6), batch_size=4, max_length=6)
    assert len(chosen) == len(rejected) == 6


def test_batch_size_must_be_positive(reward_model):
    model, _ = reward_model
    with pytest.raises(PrefdataError, match="batch size"):
        score_sequences(model, [[1, 2]], pad_id=0, batch_size=0)

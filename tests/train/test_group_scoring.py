"""Scoring groups (pairs, best-of-N, longer lists) packed and prefix-shared equals scoring each sequence alone."""

from __future__ import annotations

import random

import pytest
import torch
from datasets import Dataset
from test_packing import arch_model_dir, hh_rows  # noqa: F401
from train_helpers import load

from prefdata._errors import PrefdataError
from prefdata_train._data.preprocessing import tokenize_completions, tokenize_pairs
from prefdata_train._modeling import group_scoring
from prefdata_train._modeling.group_scoring import forward_chunks, score_groups
from prefdata_train._modeling.pair_scoring import score_pairs
from prefdata_train._modeling.varlen_attention import use_varlen_attention

ATTENTION = ["eager", "sdpa", "prefdata_varlen", "flex_attention"]


def model_with(model_dir, attn: str):
    """The tiny model running `attn` (prefdata_varlen: loaded with SDPA, then switched)."""
    model, tokenizer = load(model_dir, attn_implementation="sdpa" if attn == "prefdata_varlen" else attn)
    if attn == "prefdata_varlen":
        use_varlen_attention(model)
    return model.eval(), tokenizer


def alone(model, ids: list[int]) -> float:
    """The score head at the last token of `ids` run on its own: one unpadded sequence, no mask."""
    with torch.no_grad():
        hidden = model.model(input_ids=torch.tensor([ids])).last_hidden_state
        return model.score(hidden)[0, -1, 0].item()


def synthetic_groups(seed: int = 0) -> list[list[list[int]]]:
    """Groups of every shape scoring must handle, token ids below the tiny vocabulary (600)."""
    rng = random.Random(seed)

    def tokens(n: int) -> list[int]:
        return [rng.randrange(3, 600) for _ in range(n)]

    prompt, long_prompt = tokens(12), tokens(40)
    return [
        [prompt + tokens(5), prompt + tokens(9)],  # a pair sharing a prompt
        [long_prompt + tokens(rng.randint(1, 20)) for _ in range(4)],  # best-of-4
        [prompt + tokens(rng.randint(1, 12)) for _ in range(6)],  # a list of 6
        [[7] + tokens(8), [8] + tokens(3), [9] + tokens(6), [10] + tokens(2)],  # 4 sharing nothing
        [long_prompt + [11], long_prompt + [12], long_prompt + [13], long_prompt + [14]],  # 1 token past it
        [[5], [6]],  # single-token sequences
        [[17]],  # a group of one
        [prompt, prompt + [21, 22]],  # one sequence is the other's prefix
        [prompt + [30], prompt + [30]],  # identical sequences
        [],  # an empty group
    ]


@pytest.mark.parametrize("attn", ATTENTION)
def test_groups_equal_each_sequence_scored_alone(arch_model_dir, attn):  # noqa: F811
    """Pairs, best-of-4, lists of 6, no shared prefix, 1-token suffixes, single tokens: within 1e-4."""
    reference, _ = model_with(arch_model_dir, "eager")
    model, _ = model_with(arch_model_dir, attn)
    groups = synthetic_groups()
    expected = [[alone(reference, ids) for ids in group] for group in groups]
    for batch_size in (1, 3, 64):  # one forward per group, a few, everything at once
        got = score_groups(model, groups, pad_id=0, batch_size=batch_size)
        assert [len(g) for g in got] == [len(g) for g in groups]
        for got_group, expected_group in zip(got, expected, strict=True):
            assert got_group == pytest.approx(expected_group, abs=1e-4)
    flat = [r for group in expected for r in group]
    assert max(flat) - min(flat) > 1e-3  # rewards differ between sequences: a mix-up would show


@pytest.mark.parametrize("attn", ATTENTION)
def test_hh_pairs_scored_through_groups_equal_alone(arch_model_dir, attn):  # noqa: F811
    """Real hh-rlhf pairs (long shared multi-turn prompts): `score_pairs` gives each side's reward alone."""
    reference, tokenizer = model_with(arch_model_dir, "eager")
    model, _ = model_with(arch_model_dir, attn)
    data = Dataset.from_list(hh_rows(6))
    chosen, rejected = score_pairs(model, tokenizer, data, batch_size=2)
    tokenised = tokenize_pairs(data, tokenizer)
    assert chosen == pytest.approx([alone(reference, ids) for ids in tokenised["chosen_ids"]], abs=1e-4)
    assert rejected == pytest.approx([alone(reference, ids) for ids in tokenised["rejected_ids"]], abs=1e-4)


def test_prompts_run_once_and_nothing_is_padded(tiny_model_dir, monkeypatch):
    """On span attention a forward holds each group's prefix once plus every suffix: no padding slot."""
    model, _ = model_with(tiny_model_dir, "sdpa")
    seen: list[int] = []
    packed = group_scoring.compute_packed_rewards

    def spy(model, batch, **kwargs):
        seen.append(batch["input_ids"].numel())
        return packed(model, batch, **kwargs)

    monkeypatch.setattr(group_scoring, "compute_packed_rewards", spy)
    prompt = list(range(3, 43))
    groups = [[prompt + [50 + i, 60 + i] for i in range(4)], [prompt[:5] + [70], prompt[:5] + [71, 72]]]
    score_groups(model, groups, pad_id=0, batch_size=16)
    assert seen == [(40 + 4 * 2) + (5 + 1 + 2)]


def test_order_survives_length_sorting(tiny_model_dir):
    """Groups go through forwards longest first; rewards still come back in input order."""
    model, _ = model_with(tiny_model_dir, "sdpa")
    groups = synthetic_groups(seed=1)
    forward = score_groups(model, groups, pad_id=0, batch_size=2)
    backward = score_groups(model, groups[::-1], pad_id=0, batch_size=2)
    assert len(forward_chunks({i: _unit(g) for i, g in enumerate(groups) if g}, 2)) > 1
    for a, b in zip(forward, backward[::-1], strict=True):
        assert a == pytest.approx(b, abs=1e-5)
    shuffled = [[group[i] for i in reversed(range(len(group)))] for group in groups]
    within = score_groups(model, shuffled, pad_id=0, batch_size=2)
    for a, b in zip(forward, within, strict=True):
        assert a == pytest.approx(b[::-1], abs=1e-5)


def _unit(group):
    from prefdata_train._data.prefix_sharing import shared_group_unit

    return shared_group_unit(group)


def test_forward_budget_is_batch_size_groups_of_mean_length():
    from prefdata_train._data.packing import group_unit

    units = {i: group_unit([[1] * n]) for i, n in enumerate([10, 10, 10, 10, 10, 10, 40])}
    # mean 100 / 7, budget 4 * 14 = 56 tokens: 40 + 10, then five units of 10
    assert forward_chunks(units, 4) == [[6, 0], [1, 2, 3, 4, 5]]
    # a budget below the longest unit grows to it: each unit still goes through whole
    assert forward_chunks(units, 1) == [[6], [0, 1, 2, 3], [4, 5]]


def test_progress_counts_every_sequence(tiny_model_dir):
    model, _ = model_with(tiny_model_dir, "sdpa")
    counts: list[int] = []
    groups = synthetic_groups()
    score_groups(model, groups, pad_id=0, batch_size=2, on_progress=counts.append)
    assert sum(counts) == sum(len(g) for g in groups) and len(counts) > 1


def test_bad_inputs_are_refused(tiny_model_dir):
    model, _ = model_with(tiny_model_dir, "sdpa")
    with pytest.raises(PrefdataError, match="group 1"):
        score_groups(model, [[[1, 2]], [[3], []]], pad_id=0)
    with pytest.raises(PrefdataError, match="batch size"):
        score_groups(model, [[[1, 2]]], pad_id=0, batch_size=0)


def test_tokenize_completions_matches_tokenize_pairs(tiny_model_dir):
    """A pair given as a prompt with two completions tokenises, and truncates, as `tokenize_pairs` does."""
    from conftest import conversational_rows, standard_rows

    _, tokenizer = load(tiny_model_dir)
    for rows in (standard_rows(4), conversational_rows(4), hh_rows(3)):
        data = Dataset.from_list(rows)
        for max_length in (None, 12):
            pairs = tokenize_pairs(data, tokenizer, max_length=max_length)
            groups = tokenize_completions(
                [r.get("prompt") for r in rows],
                [[r["chosen"], r["rejected"]] for r in rows],
                tokenizer,
                max_length,
            )
            assert groups == [[c, r] for c, r in zip(pairs["chosen_ids"], pairs["rejected_ids"], strict=True)]


def test_tokenize_completions_groups_of_any_size(tiny_model_dir):
    _, tokenizer = load(tiny_model_dir)
    answers = [" Paris.", " Lyon, I think.", " Marseille is the capital of France, surely.", " Nice."]
    [group] = tokenize_completions(["Q: What is the capital of France? A:"], [answers], tokenizer)
    prompt = tokenizer("Q: What is the capital of France? A:")["input_ids"]
    assert len(group) == 4 and all(ids[: len(prompt)] == prompt for ids in group)
    assert all(ids[-1] == tokenizer.eos_token_id for ids in group)
    [cut] = tokenize_completions(
        ["Q: What is the capital of France? A:"], [answers], tokenizer, max_length=10
    )
    assert max(len(ids) for ids in cut) == 10 and cut[0][: len(cut[0]) - 1] != cut[1][: len(cut[0]) - 1]
    with pytest.raises(PrefdataError, match="mixes text and message lists"):
        tokenize_completions([None], [["text", [{"role": "assistant", "content": "hi"}]]], tokenizer)


def test_span_attention_leaves_padding_after_the_last_unit_alone(tiny_model_dir):
    """One row rounded up (`pad_to_multiple_of`) has padding no unit covers: rewards are unchanged."""
    from prefdata_train._data.packing import pack_units
    from prefdata_train._modeling.rewards import compute_packed_rewards

    reference, _ = model_with(tiny_model_dir, "eager")
    model, _ = model_with(tiny_model_dir, "sdpa")
    groups = [g for g in synthetic_groups(seed=3) if len(g) == 2]
    batch = pack_units([_unit(g) for g in groups], 0, pad_to_multiple_of=64, single_row=True)
    assert batch["input_ids"].shape[1] % 64 == 0 and batch["segment_ids"][0, -1] > batch["segment_ids"][0, 0]
    with torch.inference_mode():
        got, _ = compute_packed_rewards(model, batch)
    expected = [alone(reference, g[0]) for g in groups] + [alone(reference, g[1]) for g in groups]
    assert got.tolist() == pytest.approx(expected, abs=1e-4)

"""Prefix-shared varlen attention (`prefdata_train._modeling.flash_varlen`) on its CPU reference kernel."""

from __future__ import annotations

import random
from types import SimpleNamespace

import pytest
import torch
import torch.nn.functional as F
from conftest import standard_rows
from datasets import Dataset
from train_helpers import fast_config, load
from transformers import AutoModelForSequenceClassification, Qwen3Config

from prefdata._errors import PrefdataError
from prefdata_train import RewardTrainer
from prefdata_train._modeling import flash_varlen
from prefdata_train._modeling.flash_varlen import (
    FLASH_VARLEN,
    flash_varlen_attention,
    plan_call,
    reference_varlen,
    use_flash_varlen,
)

HEADS, KV_HEADS, DIM = 4, 2, 8


def random_layout(rng: random.Random, k: int, with_prefix: bool, units: int = 3):
    """`units` units of k suffixes each (prefix 0 or 1-9 tokens), a gap of 0-3 columns before each, and
    trailing padding: (spans, row length, sequences as the column lists of their unpacked tokens)."""
    spans, sequences, column = [], [], 0
    for _ in range(units):
        column += rng.randint(0, 3)
        prefix = rng.randint(1, 9) if with_prefix else 0
        suffixes = tuple(rng.randint(1, 7) for _ in range(k))
        spans.append((column, prefix, suffixes))
        prefix_columns = list(range(column, column + prefix))
        at = column + prefix
        for suffix in suffixes:
            sequences.append(prefix_columns + list(range(at, at + suffix)))
            at += suffix
        column = at
    return spans, column + rng.randint(0, 4), sequences


def per_sequence_attention(query, key, value, columns):
    """Causal SDPA on one unpacked sequence: (len, heads, dim)."""
    groups = HEADS // KV_HEADS
    q, k, v = (t[:, :, columns] for t in (query, key, value))
    k, v = k.repeat_interleave(groups, dim=1), v.repeat_interleave(groups, dim=1)
    return F.scaled_dot_product_attention(q, k, v, is_causal=True)[0].transpose(0, 1)


def test_plan_by_hand():
    """A unit with prefix 2 and suffixes (3, 1), one without prefix, and 2 columns of padding: the queries
    are the row in order; sequence 2 (column 5) gets the prefix (columns 0, 1) gathered before it."""
    call = plan_call([(0, 2, (3, 1)), (6, 0, (2,))], 10, "cpu")
    assert call.cu_seqlens_q.tolist() == [0, 5, 6, 8, 10]
    assert call.keys.tolist() == [0, 1, 2, 3, 4, 0, 1, 5, 6, 7, 8, 9]
    assert call.cu_seqlens_k.tolist() == [0, 5, 8, 10, 12]
    assert (call.max_seqlen_q, call.max_seqlen_k) == (5, 5)
    # flat rows (start, prefix, n_1, .., n_k; 0 = no sequence), as in pack_units' `unit_spans`, read the same;
    # a gap between units runs as a sequence of its own
    call = plan_call([(0, 2, 3, 1, 0), (7, 0, 1, 1, 0)], 10, "cpu")
    assert call.cu_seqlens_q.tolist() == [0, 5, 6, 7, 8, 9, 10]
    assert call.keys.tolist() == [0, 1, 2, 3, 4, 0, 1, 5, 6, 7, 8, 9]


def test_reference_kernel_is_bottom_right_causal():
    """Two sequences with more keys than queries: query j sees keys 0 .. k - q + j of its own sequence."""
    torch.manual_seed(0)
    q, k, v = torch.randn(3, 2, 4), torch.randn(7, 2, 4), torch.randn(7, 2, 4)
    cu_q, cu_k = torch.tensor([0, 1, 3], dtype=torch.int32), torch.tensor([0, 3, 7], dtype=torch.int32)
    out = reference_varlen(q, k, v, cu_q, cu_k)
    for query, keys in [(0, [0, 1, 2]), (1, [3, 4, 5]), (2, [3, 4, 5, 6])]:
        weights = torch.softmax((q[query] * k[keys]).sum(-1) / 2.0, dim=0)  # (keys, heads); scale 1/sqrt(4)
        torch.testing.assert_close(out[query], (weights[:, :, None] * v[keys]).sum(0), atol=1e-6, rtol=0)


@pytest.mark.parametrize("k", [2, 4])
@pytest.mark.parametrize("with_prefix", [True, False], ids=["prefix", "no-prefix"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_packed_attention_equals_per_sequence_sdpa(k, with_prefix, seed):
    """Random layouts (fp32): every sequence's tokens get what causal SDPA on that sequence alone gives."""
    rng = random.Random(seed)
    spans, length, sequences = random_layout(rng, k, with_prefix)
    torch.manual_seed(seed)
    query = torch.randn(1, HEADS, length, DIM)
    key, value = torch.randn(1, KV_HEADS, length, DIM), torch.randn(1, KV_HEADS, length, DIM)
    out, _ = flash_varlen_attention(
        SimpleNamespace(training=False), query, key, value, None, packed_spans=spans
    )
    assert out.shape == (1, length, HEADS, DIM)
    for columns in sequences:
        expected = per_sequence_attention(query, key, value, columns)
        torch.testing.assert_close(out[0, columns], expected, atol=1e-5, rtol=0)
    assert torch.isfinite(out).all()  # padding and gap columns are attended too


def test_overlapping_or_overlong_spans_are_refused():
    with pytest.raises(PrefdataError, match="overlaps"):
        plan_call([(0, 2, (3,)), (4, 0, (2,))], 10, "cpu")
    with pytest.raises(PrefdataError, match="cover 12 columns"):
        plan_call([(0, 2, (3, 7))], 10, "cpu")
    with pytest.raises(PrefdataError, match="no sequence"):
        plan_call([(0, 2, (0, 0))], 10, "cpu")


def tiny_qwen3(seed: int = 0):
    torch.manual_seed(seed)
    config = Qwen3Config(
        vocab_size=500, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
        num_attention_heads=HEADS, num_key_value_heads=KV_HEADS, head_dim=16, num_labels=1, pad_token_id=0,
    )  # fmt: skip
    return AutoModelForSequenceClassification.from_config(config, attn_implementation="sdpa").eval()


def packed_groups(groups: list[list[list[int]]], padding: int = 3):
    """One packed row of groups sharing their longest common prefix (by hand, as the contract lays it out):
    (input_ids, position_ids, packed_spans, column of each sequence's last token)."""
    ids: list[int] = []
    positions: list[int] = []
    spans, ends = [], []
    for group in groups:
        prefix = 0
        while all(len(s) > prefix + 1 and s[prefix] == group[0][prefix] for s in group):
            prefix += 1
        start = len(ids)
        ids += group[0][:prefix]
        positions += list(range(prefix))
        for sequence in group:
            ids += sequence[prefix:]
            positions += list(range(prefix, len(sequence)))
            ends.append(len(ids) - 1)
        spans.append((start, prefix, tuple(len(s) - prefix for s in group)))
    ids += [0] * padding
    positions += list(range(padding))
    return torch.tensor([ids]), torch.tensor([positions]), spans, ends


def random_groups(rng: random.Random, k: int, n: int = 3) -> list[list[list[int]]]:
    groups = []
    for _ in range(n):
        prompt = [rng.randint(1, 499) for _ in range(rng.randint(2, 12))]
        groups.append([prompt + [rng.randint(1, 499) for _ in range(rng.randint(1, 9))] for _ in range(k)])
    groups.append([[rng.randint(1, 499) for _ in range(rng.randint(2, 6))] for _ in range(2)])  # no prefix
    return groups


def per_token_scores(model, **inputs) -> torch.Tensor:
    captured = {}
    handle = model.score.register_forward_hook(lambda _m, _i, out: captured.__setitem__("out", out))
    try:
        with torch.no_grad():
            model(**inputs)
    finally:
        handle.remove()
    return captured["out"][..., 0]


@pytest.mark.parametrize("k", [2, 4])
def test_qwen3_packed_rewards_equal_unpadded_forward(k, monkeypatch):
    """Tiny Qwen3 switched to the flash varlen path: packed prefix-shared rewards equal each sequence's own
    forward within 1e-4, with one plan per forward and one kernel call per layer."""
    model = tiny_qwen3()
    groups = random_groups(random.Random(k), k)
    expected = [per_token_scores(model, input_ids=torch.tensor([s]))[0, -1] for g in groups for s in g]
    plans, kernel_calls = [], []
    monkeypatch.setattr(flash_varlen, "plan_call", _counting(flash_varlen.plan_call, plans))
    monkeypatch.setattr(
        flash_varlen, "reference_varlen", _counting(flash_varlen.reference_varlen, kernel_calls)
    )
    use_flash_varlen(model)
    assert model.config._attn_implementation == FLASH_VARLEN
    input_ids, position_ids, spans, ends = packed_groups(groups)
    scores = per_token_scores(model, input_ids=input_ids, position_ids=position_ids, packed_spans=spans)
    torch.testing.assert_close(scores[0, ends], torch.stack(expected), atol=1e-4, rtol=0)
    assert torch.stack(expected).std() > 1e-3  # rewards differ: the comparison can fail
    assert len(plans) == 1 and len(kernel_calls) == model.config.num_hidden_layers
    assert input_ids.shape[1] < sum(len(s) for g in groups for s in g)  # prompts ran once


def test_without_spans_the_switched_model_runs_its_padded_forward():
    """A padded batch on a switched model (CPU: the SDPA fallback) scores as the SDPA model does."""
    model = tiny_qwen3(seed=1)
    input_ids = torch.tensor([[5, 6, 7, 8], [9, 10, 0, 0]])
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 0, 0]])
    expected = per_token_scores(model, input_ids=input_ids, attention_mask=mask)
    use_flash_varlen(model)
    got = per_token_scores(model, input_ids=input_ids, attention_mask=mask)
    torch.testing.assert_close(got[mask.bool()], expected[mask.bool()], atol=1e-6, rtol=0)


def test_trainer_packs_batches_for_flash_models(tiny_model_dir, tmp_path, monkeypatch):
    """A model on the flash varlen path trains on one packed, prefix-shared row per batch (not padded
    batches), with the padded path's losses (fp32, CPU reference kernel)."""

    def losses(out, **overrides):
        model, tokenizer = load(tiny_model_dir)
        use_flash_varlen(model)
        args = fast_config(out, max_steps=4, **overrides)
        rows = Dataset.from_list(standard_rows(16))
        trainer = RewardTrainer(model=model, args=args, train_dataset=rows, processing_class=tokenizer)
        trainer.train()
        return [e["loss"] for e in trainer.state.log_history if "loss" in e], trainer

    padded, _ = losses(tmp_path / "pad", padding_free=False)
    plans: list = []
    monkeypatch.setattr(flash_varlen, "plan_call", _counting(flash_varlen.plan_call, plans))
    packed, trainer = losses(tmp_path / "pack")
    collator = trainer.data_collator
    assert collator.padding_free and collator.single_row and collator.prefix_sharing
    assert collator.sharing_stats["saved_tokens"] > 0
    assert trainer.model.config._attn_implementation == FLASH_VARLEN and plans  # the span path ran
    assert packed == pytest.approx(padded, abs=1e-4)


def _counting(function, calls: list):
    def wrapper(*args, **kwargs):
        calls.append(1)
        return function(*args, **kwargs)

    return wrapper

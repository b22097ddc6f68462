"""Padding-free batches: the packed forward gives the padded forward's rewards and losses."""

from __future__ import annotations

import gzip
import itertools
import json

import pytest
import torch
from conftest import HH_SAMPLE, _training_texts
from datasets import Dataset
from train_helpers import fast_config, load

from prefdata_train import RewardTrainer
from prefdata_train._data.collator import DataCollatorForPreference
from prefdata_train._data.packing import Segment, Unit, assign_rows, pack_units, visibility
from prefdata_train._data.preprocessing import tokenize_pairs
from prefdata_train._modeling.rewards import compute_packed_rewards, compute_rewards
from prefdata_train._workflows.tiny_model import build_tiny_model


def hh_rows(n: int, skip: int = 0) -> list[dict]:
    """`n` real hh-rlhf pairs (implicit prompt: the whole dialogue on each side)."""
    with gzip.open(HH_SAMPLE, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in itertools.islice(handle, skip, skip + n)]


def short_hh_rows(n: int, max_chars: int = 700) -> list[dict]:
    """The first `n` hh-rlhf pairs whose sides are shorter than `max_chars` (fast training tests)."""
    rows = (r for r in hh_rows(400) if max(len(r["chosen"]), len(r["rejected"])) < max_chars)
    return list(itertools.islice(rows, n))


@pytest.fixture(scope="session", params=["qwen3", "llama"])
def arch_model_dir(request, tmp_path_factory):
    """A tiny model of each architecture (hidden 32, 2 layers) with its tokenizer."""
    out = tmp_path_factory.mktemp(f"tiny-{request.param}")
    return build_tiny_model(
        out, _training_texts(), vocab_size=600, hidden_size=32, num_layers=2, arch=request.param, seed=1
    )


def hh_examples(model_dir, n: int = 8) -> list[dict]:
    _, tokenizer = load(model_dir)
    tokenised = tokenize_pairs(Dataset.from_list(hh_rows(n)), tokenizer, max_length=None)
    return [{"chosen_ids": r["chosen_ids"], "rejected_ids": r["rejected_ids"]} for r in tokenised]


def padded_rewards(model, examples, pad_token_id):
    batch = DataCollatorForPreference(pad_token_id)(examples)
    with torch.no_grad():
        return compute_rewards(model, batch["input_ids"], batch["attention_mask"])[0]


def packed_rewards(model, examples, pad_token_id, **collator_kwargs):
    batch = DataCollatorForPreference(pad_token_id, padding_free=True, **collator_kwargs)(examples)
    with torch.no_grad():
        return compute_packed_rewards(model, batch)[0], batch


def test_rows_are_first_fit_longest_first():
    assert assign_rows([5, 2, 7, 3], capacity=7) == [[2], [0, 1], [3]]


def test_pack_layout_by_hand():
    """Two units in one row: positions restart per segment, rewards read at each segment's end."""
    units = [Unit([Segment([1, 2, 3]), Segment([4, 5])]), Unit([Segment([6]), Segment([7, 8])])]
    batch = pack_units(units, pad_token_id=0, pad_to_multiple_of=8)
    assert batch["input_ids"].tolist() == [[1, 2, 3, 4, 5, 6, 7, 8]]
    assert batch["position_ids"][0].tolist() == [0, 1, 2, 0, 1, 0, 0, 1]
    assert batch["reward_index"].tolist() == [[0, 2], [0, 5], [0, 4], [0, 7]]
    assert batch["unit_spans"].tolist() == [[0, 0, 3, 2], [5, 0, 1, 2]]
    seen = visibility(batch["segment_ids"], batch["parent_ids"])[0, 0]
    assert seen[4].tolist() == [False, False, False, True, True, False, False, False]
    assert seen[7].tolist() == [False] * 6 + [True] * 2
    rows = pack_units(units, pad_token_id=0)  # capacity 5: the longest unit
    assert rows["input_ids"].tolist() == [[1, 2, 3, 4, 5], [6, 7, 8, 0, 0]]
    seen = visibility(rows["segment_ids"], rows["parent_ids"])[1, 0]
    assert seen[4].tolist() == [False, False, False, True, True]  # padding sees itself: no empty row


@pytest.mark.parametrize(
    ("attn", "single_row"),
    [("sdpa", True), ("sdpa", False), ("eager", False)],
    ids=["varlen", "sdpa-mask", "eager-mask"],
)
def test_packed_rewards_equal_padded_on_hh(arch_model_dir, attn, single_row):
    """Real hh-rlhf pairs: packed and padded forwards agree within 1e-4 (fp32), per architecture."""
    model, tokenizer = load(arch_model_dir, attn_implementation=attn)
    model.eval()
    examples = hh_examples(arch_model_dir)
    expected = padded_rewards(model, examples, tokenizer.pad_token_id)
    got, batch = packed_rewards(model, examples, tokenizer.pad_token_id, single_row=single_row)
    assert (model.config._attn_implementation == "prefdata_varlen") == single_row  # one row on SDPA: varlen
    assert (
        batch["input_ids"].numel()
        < sum(len(e["chosen_ids"]) + len(e["rejected_ids"]) for e in examples) * 1.5
    )
    assert got.shape == expected.shape == (16,)
    torch.testing.assert_close(got, expected, atol=1e-4, rtol=0)
    assert expected.std() > 1e-3  # rewards differ between rows: a mix-up of rows would show


def _losses(model_dir, out, rows, **overrides):
    model, tokenizer = load(model_dir)
    args = fast_config(out, max_steps=20, per_device_train_batch_size=4, max_length=None, **overrides)
    trainer = RewardTrainer(
        model=model, args=args, train_dataset=Dataset.from_list(rows), processing_class=tokenizer
    )
    trainer.train()
    logs = trainer.state.log_history
    return (
        [e["loss"] for e in logs if "loss" in e],
        [e["num_tokens"] for e in logs if "num_tokens" in e],
        trainer,
    )


def test_training_losses_match_padded(arch_model_dir, tmp_path):
    """20 training steps on hh-rlhf pairs: packed losses equal padded ones within 1e-3."""
    rows = short_hh_rows(40)
    padded, padded_tokens, trainer = _losses(arch_model_dir, tmp_path / "pad", rows, padding_free=False)
    assert not trainer.data_collator.padding_free
    packed, packed_tokens, trainer = _losses(arch_model_dir, tmp_path / "pack", rows, prefix_sharing=False)
    assert trainer.data_collator.padding_free and not trainer.data_collator.prefix_sharing
    assert trainer.model.config._attn_implementation == "prefdata_varlen"  # SDPA models attend pair by pair
    assert len(packed) == len(padded) == 20
    assert packed == pytest.approx(padded, abs=1e-3)
    assert packed_tokens == padded_tokens  # num_tokens counts real tokens either way
    assert len(set(packed)) > 1


def test_other_attention_falls_back_to_padding(tiny_model_dir, tmp_path, caplog):
    """An attention path that cannot take packed batches pads, with a one-line notice.

    (flex_attention takes them through a block mask, flash through spans: `test_flex_attention.py`.)
    """
    model, tokenizer = load(tiny_model_dir)
    model.config._attn_implementation = "sdpa_paged"  # never run here: only the choice is checked
    rows = hh_rows(4)
    with caplog.at_level("WARNING"):
        trainer = RewardTrainer(
            model=model,
            args=fast_config(tmp_path),
            train_dataset=Dataset.from_list(rows),
            processing_class=tokenizer,
        )
    assert not trainer.data_collator.padding_free
    assert "padding batches instead" in caplog.text

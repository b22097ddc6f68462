"""CUDA attention paths: packed, prefix-shared rewards and training equal the padded ones in bf16.

Run on a CUDA machine with `pytest -m gpu tests/gpu` (the default run deselects the `gpu` marker).
flash_attention_2 runs where `flash_attn` (2.1 or later) is installed.

Tolerances, bf16: the padded bf16 forward is itself off the fp32 truth by rounding; a packed
reward may be off by twice that, or 0.02 (rewards here spread over about 1); a layout bug
(a token seeing a wrong key) moves rewards by far more. Training losses over 5 steps agree
within 0.02 (a loss near log 2 = 0.69).
"""

from __future__ import annotations

import random
from types import SimpleNamespace

import pytest
import torch
from datasets import Dataset
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from prefdata_train import DataCollatorForPreference, RewardConfig, RewardTrainer
from prefdata_train._data.preprocessing import tokenize_pairs
from prefdata_train._modeling import flash_varlen
from prefdata_train._modeling.rewards import compute_packed_rewards, compute_rewards
from prefdata_train._workflows.tiny_model import build_tiny_model

pytestmark = pytest.mark.gpu

WORDS = [
    "the",
    "a",
    "of",
    "to",
    "and",
    "in",
    "is",
    "it",
    "you",
    "that",
    "for",
    "on",
    "what",
    "how",
    "why",
    "can",
    "we",
    "do",
    "not",
]
NEEDS_FLASH = pytest.mark.skipif(
    not flash_varlen.flash_attn_available(), reason="flash_attn 2.1+ is not installed"
)
IMPLEMENTATIONS = ["sdpa", "flex_attention", pytest.param("flash_attention_2", marks=NEEDS_FLASH)]


@pytest.fixture(scope="module", autouse=True)
def cuda():
    if not torch.cuda.is_available():
        pytest.fail("tests/gpu need a CUDA device: run them with `pytest -m gpu tests/gpu` on one")


def dialogue_rows(n: int, seed: int = 0) -> list[dict]:
    """Multi-turn pairs (hh-rlhf's implicit-prompt layout) whose sides share the dialogue up to the last answer."""
    rng = random.Random(seed)

    def text(low: int, high: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high)))

    rows = []
    for _ in range(n):
        turns = "".join(
            f"\n\nHuman: {text(5, 40)}\n\nAssistant: {text(5, 60)}" for _ in range(rng.randint(0, 3))
        )
        prompt = f"{turns}\n\nHuman: {text(3, 20)}?\n\nAssistant:"
        rows.append({"chosen": f"{prompt} {text(2, 80)}", "rejected": f"{prompt} {text(2, 80)}"})
    return rows


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    rows = dialogue_rows(200, seed=1)
    texts = [r[side] for r in rows for side in ("chosen", "rejected")]
    out = tmp_path_factory.mktemp("gpu-rm")
    return build_tiny_model(out, texts, vocab_size=800, hidden_size=256, num_layers=4, seed=0)


def load(model_dir, attention: str, dtype=torch.bfloat16):
    model = AutoModelForSequenceClassification.from_pretrained(
        model_dir, dtype=dtype, attn_implementation=attention
    )
    return model.cuda().eval(), AutoTokenizer.from_pretrained(model_dir)


def examples(tokenizer, n: int = 16) -> list[dict]:
    tokenised = tokenize_pairs(Dataset.from_list(dialogue_rows(n)), tokenizer)
    return [{"chosen_ids": r["chosen_ids"], "rejected_ids": r["rejected_ids"]} for r in tokenised]


def padded(model, batch_examples, pad_id) -> torch.Tensor:
    batch = DataCollatorForPreference(pad_id)(batch_examples)
    with torch.no_grad():
        return compute_rewards(model, batch["input_ids"].cuda(), batch["attention_mask"].cuda())[0].float()


@pytest.mark.parametrize("attention", IMPLEMENTATIONS)
def test_packed_rewards_match_padded_in_bf16(model_dir, attention):
    """One packed, prefix-shared row per batch: rewards as close to fp32 as the padded bf16 forward."""
    truth_model, tokenizer = load(model_dir, "sdpa", torch.float32)
    batch_examples = examples(tokenizer)
    truth = padded(truth_model, batch_examples, tokenizer.pad_token_id)
    model, _ = load(model_dir, attention)
    padded_error = (padded(model, batch_examples, tokenizer.pad_token_id) - truth).abs().max().item()
    collator = DataCollatorForPreference(
        tokenizer.pad_token_id, padding_free=True, prefix_sharing=True, single_row=True
    )
    batch = {k: v.cuda() for k, v in collator(batch_examples).items()}
    with torch.no_grad():
        packed = compute_packed_rewards(model, batch)[0].float()
    assert collator.sharing_stats["saved_tokens"] > 0
    assert (packed - truth).abs().max().item() <= max(2 * padded_error, 0.02)
    assert truth.std() > 0.05  # rewards differ enough for a wrong layout to show


@NEEDS_FLASH
@pytest.mark.parametrize("seed", [0, 1])
def test_flash_kernel_matches_reference_kernel(seed):
    """flash_attn_varlen_func's calls (bottom-right causal) give what the SDPA reference gives."""
    rng = random.Random(seed)
    spans, column = [], 0
    for _ in range(6):
        prefix, suffixes = rng.randint(0, 300), tuple(rng.randint(1, 200) for _ in range(rng.choice([2, 4])))
        spans.append((column, prefix, suffixes))
        column += prefix + sum(suffixes)
    length = column + 5
    torch.manual_seed(seed)
    query = torch.randn(1, 8, length, 64, device="cuda", dtype=torch.bfloat16)
    key, value = (torch.randn(1, 2, length, 64, device="cuda", dtype=torch.bfloat16) for _ in range(2))
    module = SimpleNamespace(training=False)
    got, _ = flash_varlen.flash_varlen_attention(module, query, key, value, None, packed_spans=spans)
    expected, _ = flash_varlen.flash_varlen_attention(
        module, query.cpu().float(), key.cpu().float(), value.cpu().float(), None, packed_spans=spans
    )  # on the CPU: the reference kernel, in fp32
    torch.testing.assert_close(got.float().cpu(), expected, atol=1e-2, rtol=1e-2)  # bf16 output rounding


def losses(model_dir, out, attention: str, **overrides):
    model = AutoModelForSequenceClassification.from_pretrained(
        model_dir, dtype=torch.bfloat16, attn_implementation=attention
    )
    args = RewardConfig(
        output_dir=str(out), bf16=True, activation_checkpointing=False, per_device_train_batch_size=8,
        max_steps=5, logging_steps=1, save_strategy="no", report_to="none", disable_tqdm=True, seed=0,
        learning_rate=1e-4, **overrides,
    )  # fmt: skip
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    trainer = RewardTrainer(
        model=model, args=args, train_dataset=Dataset.from_list(dialogue_rows(40)), processing_class=tokenizer
    )
    before = next(trainer.model.parameters()).detach().clone()
    trainer.train()
    assert not torch.equal(before, next(trainer.model.parameters()).detach())
    return [e["loss"] for e in trainer.state.log_history if "loss" in e], trainer


@pytest.mark.parametrize("attention", IMPLEMENTATIONS)
def test_training_losses_match_padded(model_dir, tmp_path, attention):
    """5 bf16 steps, packed and prefix-shared (the default) against padded batches: the same losses."""
    padded_losses, trainer = losses(model_dir, tmp_path / "pad", attention, padding_free=False)
    assert not trainer.data_collator.padding_free
    packed_losses, trainer = losses(model_dir, tmp_path / "pack", attention)
    assert trainer.data_collator.padding_free and trainer.data_collator.prefix_sharing
    assert packed_losses == pytest.approx(padded_losses, abs=0.02)

"""The canonical output is a TRL preference dataset: TRL's RewardTrainer trains on it unchanged."""

from __future__ import annotations

import gzip
import itertools
import json
from pathlib import Path

import datasets
import pytest
import trl

import prefdata
from prefdata import ConvertOptions

CHATML = (
    "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


@pytest.fixture(scope="module")
def hh_slice(tmp_path_factory, hh_sample):
    """The first 16 rows of the real hh-rlhf sample as a small JSON-lines file."""
    path = tmp_path_factory.mktemp("hh") / "hh-slice.jsonl"
    with gzip.open(hh_sample, "rt", encoding="utf-8") as src, path.open("w", encoding="utf-8") as dst:
        dst.writelines(itertools.islice(src, 16))
    return path


@pytest.fixture(scope="module")
def tiny_reward_model(hh_slice):
    """A byte-level BPE tokenizer trained on the slice and a 1-layer Qwen3 reward model (hidden 32)."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast, Qwen3ForSequenceClassification

    rows = [json.loads(line) for line in hh_slice.read_text(encoding="utf-8").splitlines()]
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400, special_tokens=specials, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    tok.train_from_iterator([r[side] for r in rows for side in ("chosen", "rejected")], trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|endoftext|>"
    )
    tokenizer.chat_template = CHATML
    torch.manual_seed(0)
    config = tiny_qwen3_config(tokenizer, num_labels=1)
    return Qwen3ForSequenceClassification(config), tokenizer


def tiny_qwen3_config(tokenizer, **extra):
    """A 1-layer Qwen3 (hidden 32) for `tokenizer`: the reward model here, DPO's policy elsewhere."""
    from transformers import Qwen3Config

    return Qwen3Config(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=1,
        head_dim=16,
        pad_token_id=tokenizer.pad_token_id,
        max_position_embeddings=4096,
        **extra,
    )


def train_two_steps(model, tokenizer, train, output_dir):
    """Two steps of `trl.RewardTrainer` on `train` (CPU, no saving); the `train()` result."""
    config = trl.RewardConfig(
        output_dir=str(output_dir),
        max_steps=2,
        report_to="none",
        use_cpu=True,
        per_device_train_batch_size=2,
        save_strategy="no",
        max_length=256,
        learning_rate=1e-2,
        disable_tqdm=True,
    )
    trainer = trl.RewardTrainer(model=model, args=config, train_dataset=train, processing_class=tokenizer)
    return trainer.train()


@pytest.mark.parametrize("fmt", ["conversational", "standard"])
def test_reward_trainer_trains_on_converted_output(tmp_path, hh_slice, tiny_reward_model, fmt):
    model, tokenizer = tiny_reward_model
    out = tmp_path / "canonical"
    options = ConvertOptions(format="standard") if fmt == "standard" else ConvertOptions()
    prefdata.convert(hh_slice, out, options=options)

    train = datasets.load_from_disk(str(out))["train"]
    assert len(train) == 16
    assert isinstance(train[0]["chosen"], str) == (fmt == "standard")
    before = [p.detach().clone() for p in model.parameters()]
    result = train_two_steps(model, tokenizer, train, tmp_path / "run")
    assert result.global_step == 2
    assert any(not p.detach().equal(b) for p, b in zip(model.parameters(), before, strict=True))


LAYOUT_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "layouts"
OPTION_SETS = {
    "defaults": {},
    "margin": {"margin": True},
    "margin-ties-keep": {"margin": True, "ties": "keep"},
    "all-pairs-margin": {"pairing": "all-pairs", "margin": True},
    "implicit": {"prompt": "implicit"},
    "standard-margin": {"format": "standard", "margin": True},
    "everything": {
        "margin": True,
        "ties": "keep",
        "pairing": "all-pairs",
        "prompt": "implicit",
        "format": "standard",
    },
}


@pytest.mark.parametrize("options", OPTION_SETS.values(), ids=OPTION_SETS.keys())
@pytest.mark.parametrize(
    "layout", ["hh", "helpsteer3-preference.jsonl", "ultrafeedback.jsonl", "trl-standard.jsonl"]
)
def test_every_option_combination_gives_data_trl_collates(
    tmp_path, hh_slice, tiny_reward_model, layout, options
):
    """Each output goes through RewardTrainer's tokenisation and collator, every batch: a null margin
    (`--margin` on a layout without strengths wrote one on every row) makes the collator raise."""
    model, tokenizer = tiny_reward_model
    source = hh_slice if layout == "hh" else LAYOUT_FIXTURES / layout
    out = tmp_path / "canonical"
    result = prefdata.convert(source, out, options=ConvertOptions(**options))
    train = datasets.load_from_disk(str(out))["train"]
    assert len(train) > 0
    if "margin" in train.column_names:
        assert None not in train["margin"]
    config = trl.RewardConfig(
        output_dir=str(tmp_path / "run"),
        report_to="none",
        use_cpu=True,
        per_device_train_batch_size=4,
        max_length=256,
        disable_tqdm=True,
    )
    trainer = trl.RewardTrainer(model=model, args=config, train_dataset=train, processing_class=tokenizer)
    batches = list(trainer.get_train_dataloader())
    assert sum(len(b["margin"]) if "margin" in b else 0 for b in batches) == (
        len(train) if "margin" in train.column_names else 0
    )
    if options.get("margin") and "margin" not in train.column_names:
        assert any(note.startswith("--margin:") for note in result.manifest.notes)

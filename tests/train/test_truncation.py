"""Length limits: TRL's filter by default, or keep the end of the prompt and start of each answer."""

from __future__ import annotations

import logging

from datasets import Dataset
from train_helpers import fast_config, load

from prefdata_train import RewardTrainer
from prefdata_train._data.truncation import truncate_pair


def test_truncate_pair_keeps_prompt_end_and_completion_start():
    # prompt = 10..15 (6 tokens), chosen answer 1..6, rejected answer 7..8; max 8 -> prompt keeps 4.
    prompt = [10, 11, 12, 13, 14, 15]
    chosen, rejected = truncate_pair(prompt + [1, 2, 3, 4, 5, 6], prompt + [7, 8], 8, prompt_length=6)
    assert chosen == [12, 13, 14, 15, 1, 2, 3, 4]
    assert rejected == [12, 13, 14, 15, 7, 8]


def test_truncate_pair_short_prompt_and_fitting_pairs():
    assert truncate_pair([1, 2, 3], [1, 4], 3) == ([1, 2, 3], [1, 4])  # fits: unchanged
    # a 1-token prompt is kept whole; the answers are cut at the end
    assert truncate_pair([9, 1, 2, 3, 4], [9, 5, 6, 7, 8], 3) == ([9, 1, 2], [9, 5, 6])


def _rows():
    long_prompt = "Q: " + "tell me about the cat on the mat " * 6 + "A:"
    return [
        {
            "prompt": "Q: Is the sky blue? A:",
            "chosen": " Yes.",
            "rejected": " No.",
        },  # short: kept by both modes
        {"prompt": long_prompt, "chosen": " Yes.", "rejected": " No."},  # long prompt, different answers
        # answers differ only at their end: identical once cut
        {
            "prompt": long_prompt,
            "chosen": " the cat sat on the mat " * 4 + "yes",
            "rejected": " the cat sat on the mat " * 4 + "no",
        },
    ]


def test_keep_end_of_prompt_truncates_and_drops_identical(tiny_model_dir, tmp_path, caplog):
    model, tokenizer = load(tiny_model_dir)
    args = fast_config(tmp_path, max_length=24, truncation_mode="keep_end_of_prompt")
    with caplog.at_level(logging.WARNING, logger="prefdata_train._trainer.reward_trainer"):
        trainer = RewardTrainer(
            model, args, train_dataset=Dataset.from_list(_rows()), processing_class=tokenizer
        )
    data = trainer.train_dataset
    assert len(data) == 2
    assert dict(trainer.dropped_rows["train"]) == {"identical_after_truncation": 1}
    assert "identical_after_truncation: 1" in caplog.text
    row = data[1]
    full = tokenizer(_rows()[1]["prompt"] + " Yes." + tokenizer.eos_token)["input_ids"]
    answer = tokenizer(" Yes." + tokenizer.eos_token)["input_ids"]
    assert len(row["chosen_ids"]) <= 24
    assert row["chosen_ids"][-len(answer) :] == answer  # the answer is whole
    assert row["chosen_ids"] == full[-len(row["chosen_ids"]) :]  # preceded by the prompt's end
    trainer.train()


def test_default_filter_drops_long_pairs_like_trl(tiny_model_dir, tmp_path):
    model, tokenizer = load(tiny_model_dir)
    trainer = RewardTrainer(
        model,
        fast_config(tmp_path, max_length=24),
        train_dataset=Dataset.from_list(_rows()),
        processing_class=tokenizer,
    )
    assert len(trainer.train_dataset) == 1
    assert dict(trainer.dropped_rows["train"]) == {"too_long": 2}


def test_stream_drops_are_counted_while_reading(tiny_model_dir, tmp_path):
    from datasets import IterableDataset

    model, tokenizer = load(tiny_model_dir)
    stream = IterableDataset.from_generator(lambda: iter(_rows() * 4))
    trainer = RewardTrainer(
        model,
        fast_config(tmp_path, max_length=24, max_steps=1, per_device_train_batch_size=2),
        train_dataset=stream,
        processing_class=tokenizer,
    )
    trainer.train()
    assert trainer.dropped_rows["train"]["too_long"] >= 2  # the first batch of 2 kept rows needed 2 drops

"""Preparation: batched, parallel tokenisation named by a fingerprint (cached), and the `length` column."""

from __future__ import annotations

import pytest
from conftest import conversational_rows, standard_rows
from datasets import Dataset, load_from_disk
from test_packing import hh_rows
from train_helpers import fast_config, load

from prefdata_train import RewardTrainer
from prefdata_train._data import preprocessing
from prefdata_train._data.preprocessing import _tokenize_example, tokenisation_fingerprint, tokenize_pairs


def _ids(dataset) -> list[tuple[list[int], list[int]]]:
    return [(list(r["chosen_ids"]), list(r["rejected_ids"])) for r in dataset]


@pytest.mark.parametrize(
    "rows", [standard_rows(5), conversational_rows(5), hh_rows(6)], ids=["std", "chat", "hh"]
)
def test_batched_tokenisation_equals_row_by_row(tiny_model_dir, rows):
    _, tokenizer = load(tiny_model_dir)
    batched = tokenize_pairs(Dataset.from_list(rows), tokenizer, with_prompt_length=True)
    one_by_one = [_tokenize_example(r, tokenizer, tokenizer.eos_token, True) for r in rows]
    assert _ids(batched) == [(r["chosen_ids"], r["rejected_ids"]) for r in one_by_one]
    assert batched["prompt_length"] == [r["prompt_length"] for r in one_by_one]


def test_parallel_tokenisation_equals_serial(tiny_model_dir):
    _, tokenizer = load(tiny_model_dir)
    data = Dataset.from_list(hh_rows(16))
    assert _ids(tokenize_pairs(data, tokenizer, num_proc=2)) == _ids(tokenize_pairs(data, tokenizer))


def test_tokenised_data_on_disk_is_cached_by_fingerprint(tiny_model_dir, tmp_path, monkeypatch):
    """Second run loads the cache; a changed chat template tokenises again."""
    _, tokenizer = load(tiny_model_dir)
    Dataset.from_list(conversational_rows(6)).save_to_disk(tmp_path / "data")
    first = tokenize_pairs(load_from_disk(tmp_path / "data"), tokenizer)
    assert any(first._fingerprint in f["filename"] for f in first.cache_files)

    def refuse(*_args, **_kwargs):
        raise AssertionError("tokenised again although cached")

    monkeypatch.setattr(preprocessing, "_tokenize_batch", refuse)
    again = tokenize_pairs(load_from_disk(tmp_path / "data"), tokenizer)
    assert _ids(again) == _ids(first)
    tokenizer.chat_template = tokenizer.chat_template.replace("<|im_start|>", "<|im_start|> ")
    with pytest.raises(AssertionError, match="tokenised again"):
        tokenize_pairs(load_from_disk(tmp_path / "data"), tokenizer)


def test_fingerprint_follows_data_tokenizer_and_options(tiny_model_dir):
    _, tokenizer = load(tiny_model_dir)
    data, other = Dataset.from_list(standard_rows(3)), Dataset.from_list(standard_rows(4))
    base = tokenisation_fingerprint(data, tokenizer, "<|endoftext|>", False)
    assert base == tokenisation_fingerprint(data, tokenizer, "<|endoftext|>", False)
    assert base != tokenisation_fingerprint(other, tokenizer, "<|endoftext|>", False)
    assert base != tokenisation_fingerprint(data, tokenizer, "<|im_end|>", False)
    tokenizer.add_tokens(["<|new|>"])
    assert base != tokenisation_fingerprint(data, tokenizer, "<|endoftext|>", False)


def test_group_by_length_reads_the_length_column(tiny_model_dir, tmp_path):
    """`train_sampling_strategy="group_by_length"` trains on lengths computed once at preparation."""
    model, tokenizer = load(tiny_model_dir)
    args = fast_config(tmp_path, train_sampling_strategy="group_by_length", max_length=None)
    trainer = RewardTrainer(
        model=model, args=args, train_dataset=Dataset.from_list(hh_rows(12)), processing_class=tokenizer
    )
    data = trainer.train_dataset
    assert data["length"] == [
        len(c) + len(r) for c, r in zip(data["chosen_ids"], data["rejected_ids"], strict=True)
    ]
    sampler = trainer._get_train_sampler()
    assert list(sampler.lengths) == data["length"]
    first_batch = list(sampler)[:4]
    assert max(data["length"][i] for i in first_batch) == max(data["length"])  # longest megabatch first
    trainer.train()
    assert trainer.state.global_step == 3

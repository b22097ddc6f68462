"""RewardTrainer end to end on the tiny model: training, evaluation, inputs of every shape, saving."""

from __future__ import annotations

import json

import pytest
import torch
from conftest import standard_rows
from datasets import Dataset, DatasetDict, IterableDataset
from train_helpers import fast_config, load
from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

from prefdata._errors import PrefdataError
from prefdata_train import RewardTrainer, load_reward_model, tokenize_pairs


def test_every_parameter_changes(tiny_model_dir, tmp_path, standard_dataset):
    model, tokenizer = load(tiny_model_dir)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    trainer = RewardTrainer(
        model, fast_config(tmp_path), train_dataset=standard_dataset, processing_class=tokenizer
    )
    trainer.train()
    after = trainer.model.state_dict()
    unchanged = [k for k, v in before.items() if torch.equal(v, after[k])]
    assert unchanged == []
    logged = trainer.state.log_history[0]
    for key in ("loss", "num_tokens", "min_reward", "mean_reward", "max_reward", "accuracy", "margin"):
        assert key in logged


def test_eval_dict_metrics_are_prefixed_per_name(
    tiny_model_dir, tmp_path, standard_dataset, conversational_dataset
):
    model, tokenizer = load(tiny_model_dir)
    evals = {"std": standard_dataset, "chat": conversational_dataset}
    trainer = RewardTrainer(
        model,
        fast_config(tmp_path),
        train_dataset=standard_dataset,
        eval_dataset=evals,
        processing_class=tokenizer,
    )
    metrics = trainer.evaluate()
    for name in ("std", "chat"):
        for key in ("loss", "accuracy", "margin", "mean_reward"):
            assert f"eval_{name}_{key}" in metrics
    assert not any(k.startswith("eval_accuracy") for k in metrics)
    single = trainer.evaluate(standard_dataset)
    assert single["eval_accuracy"] == metrics["eval_std_accuracy"]


def test_pretokenised_input_is_used_as_is(tiny_model_dir, tmp_path):
    model, tokenizer = load(tiny_model_dir)
    rows = [
        {"chosen_ids": [10, 11, 12, i + 20], "rejected_ids": [10, 13], "margin": 0.1 * i} for i in range(6)
    ]
    trainer = RewardTrainer(
        model, fast_config(tmp_path), train_dataset=Dataset.from_list(rows), processing_class=tokenizer
    )
    assert list(trainer.train_dataset["chosen_ids"]) == [r["chosen_ids"] for r in rows]
    trainer.train()


def test_iterable_dataset_trains_for_max_steps(tiny_model_dir, tmp_path):
    model, tokenizer = load(tiny_model_dir)
    stream = IterableDataset.from_generator(lambda: iter(standard_rows(16)))
    trainer = RewardTrainer(
        model, fast_config(tmp_path, max_steps=3), train_dataset=stream, processing_class=tokenizer
    )
    trainer.train()
    assert trainer.state.global_step == 3


TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        },
    }
]


def _tool_rows(n=4):
    call = {
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
        "id": "c1",
    }
    return [
        {
            "prompt": [
                {"role": "user", "content": "Weather in Paris?", "tool_calls": None, "tool_call_id": None}
            ],
            "chosen": [
                {"role": "assistant", "content": None, "tool_calls": [call], "tool_call_id": None},
                {"role": "tool", "content": "sunny", "tool_calls": None, "tool_call_id": "c1"},
                {"role": "assistant", "content": "It is sunny.", "tool_calls": None, "tool_call_id": None},
            ],
            "rejected": [
                {"role": "assistant", "content": "I cannot know.", "tool_calls": None, "tool_call_id": None}
            ],
            "tools": json.dumps(TOOLS),
            "chat_template_kwargs": {"add_generation_prompt": False},
        }
        for _ in range(n)
    ]


def test_tool_call_rows_tokenize_and_train(tiny_model_dir, tmp_path):
    model, tokenizer = load(tiny_model_dir)
    data = Dataset.from_list(_tool_rows())
    tokenised = tokenize_pairs(data, tokenizer)
    chosen_text = tokenizer.decode(tokenised[0]["chosen_ids"])
    assert '"arguments": {"city": "Paris"}' in chosen_text  # JSON text rendered as is
    assert "get_weather" in chosen_text.split("</tools>")[0]  # tools JSON string parsed and rendered
    assert "<tool_response>\nsunny" in chosen_text
    trainer = RewardTrainer(
        model, fast_config(tmp_path, max_steps=2), train_dataset=data, processing_class=tokenizer
    )
    trainer.train()


def test_tokenize_pairs_max_length_keeps_every_row(tiny_model_dir, standard_dataset):
    _, tokenizer = load(tiny_model_dir)
    out = tokenize_pairs(standard_dataset, tokenizer, max_length=6)
    assert len(out) == len(standard_dataset)
    assert max(len(ids) for ids in list(out["chosen_ids"]) + list(out["rejected_ids"])) <= 6


def test_two_label_model_is_refused(tiny_model_dir, tmp_path, standard_dataset):
    config = AutoConfig.from_pretrained(tiny_model_dir, num_labels=2)
    model = AutoModelForSequenceClassification.from_config(config)
    with pytest.raises(PrefdataError, match="num_labels=2.*\n.*fix: .*num_labels=1"):
        RewardTrainer(model, fast_config(tmp_path), train_dataset=standard_dataset)


def test_canonical_folder_path_picks_splits(tiny_model_dir, tmp_path):
    folder = tmp_path / "canonical"
    DatasetDict(
        {"train": Dataset.from_list(standard_rows(8)), "test": Dataset.from_list(standard_rows(2))}
    ).save_to_disk(str(folder))
    (folder / "prefdata.json").write_text(json.dumps({"prefdata_version": "0.1.0", "splits": {}}))
    trainer = RewardTrainer(
        str(tiny_model_dir),
        fast_config(tmp_path / "out"),
        train_dataset=str(folder),
        eval_dataset=str(folder),
    )
    assert len(trainer.train_dataset) == 8
    assert len(trainer.eval_dataset) == 2


def test_saved_folder_loads_offline_with_model_card(tiny_model_dir, tmp_path, conversational_dataset):
    out = tmp_path / "out"
    trainer = RewardTrainer(str(tiny_model_dir), fast_config(out), train_dataset=conversational_dataset)
    trainer.train()
    trainer.save_model()
    card = (out / "README.md").read_text()
    assert str(tiny_model_dir) in card and "learning_rate" in card and "| loss |" in card
    assert 'pipeline("text-classification"' in card
    reloaded = AutoModelForSequenceClassification.from_pretrained(out, local_files_only=True)
    assert reloaded.config.num_labels == 1
    assert AutoTokenizer.from_pretrained(out, local_files_only=True).chat_template
    model, tokenizer = load_reward_model(out)
    assert not model.training and tokenizer.pad_token_id == model.config.pad_token_id
    for name, value in model.state_dict().items():
        assert torch.equal(value, trainer.model.state_dict()[name])


def test_single_split_folder_without_manifest(tiny_model_dir, tmp_path, caplog):
    folder = tmp_path / "one"
    DatasetDict({"pairs": Dataset.from_list(standard_rows(4))}).save_to_disk(str(folder))
    trainer = RewardTrainer(str(tiny_model_dir), fast_config(tmp_path / "out"), train_dataset=str(folder))
    assert len(trainer.train_dataset) == 4
    assert "no prefdata.json" in caplog.text
    with pytest.raises(PrefdataError, match="no `test` or `validation` split"):
        RewardTrainer(
            str(tiny_model_dir),
            fast_config(tmp_path / "out"),
            train_dataset=str(folder),
            eval_dataset=str(folder),
        )

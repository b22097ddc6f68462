"""Flex attention: one block mask per packed batch, scoring on CPU, training refused on CPU, the CLI option."""

from __future__ import annotations

import json

import pytest
import torch
from cli_data import write_standard
from click.testing import CliRunner
from datasets import Dataset
from test_group_scoring import alone, model_with, synthetic_groups
from test_packing import hh_rows
from torch.nn.attention.flex_attention import create_block_mask, create_mask
from train_helpers import fast_config, load

import prefdata_train._workflows.fit as fit_module
from prefdata._errors import PrefdataError
from prefdata_train import RewardTrainer
from prefdata_train._cli import main
from prefdata_train._data.packing import pack_units, visibility
from prefdata_train._data.prefix_sharing import shared_group_unit
from prefdata_train._modeling import rewards
from prefdata_train._modeling.flex_masks import packed_block_mask
from prefdata_train._modeling.group_scoring import score_groups


def packed(groups, single_row: bool):
    units = [shared_group_unit(g) for g in groups if g]
    return pack_units(units, pad_token_id=0, single_row=single_row)


@pytest.mark.parametrize("single_row", [True, False], ids=["one-row", "rows"])
def test_block_mask_is_the_packed_visibility(single_row):
    """Token by token the block mask allows what the 4D mask allows; block by block what torch computes."""
    groups = synthetic_groups() + [[list(range(3, 200)) + [7], list(range(3, 200)) + [8, 9]]]  # > 1 block
    batch = packed(groups, single_row)
    segments, parents = batch["segment_ids"], batch["parent_ids"]
    rows, length = segments.shape
    mask = packed_block_mask(segments, parents)
    dense = create_mask(mask.mask_mod, rows, 1, length, length, device="cpu")
    assert torch.equal(dense, visibility(segments, parents))
    reference = create_block_mask(mask.mask_mod, B=rows, H=None, Q_LEN=length, KV_LEN=length, device="cpu")
    assert torch.equal(mask.to_dense(), reference.to_dense())
    assert torch.equal(mask.full_kv_num_blocks, reference.full_kv_num_blocks)
    assert mask.sparsity() > 0 if single_row else True  # blocks of other units are skipped


def test_flex_scoring_runs_on_a_block_mask_and_equals_each_sequence_alone(tiny_model_dir, monkeypatch):
    """CPU, inference: flex attention scores hh-rlhf pairs and groups through one block mask a forward."""
    reference, tokenizer = model_with(tiny_model_dir, "eager")
    model, _ = model_with(tiny_model_dir, "flex_attention")
    masks = []
    build = rewards.packed_block_mask

    def spy(segment_ids, parent_ids):
        masks.append(build(segment_ids, parent_ids))
        return masks[-1]

    monkeypatch.setattr(rewards, "packed_block_mask", spy)
    groups = synthetic_groups(seed=2) + [[c, r] for c, r in zip(*_hh_ids(tokenizer), strict=True)]
    got = score_groups(model, groups, pad_id=tokenizer.pad_token_id, batch_size=4)
    assert masks and all(m.shape[0] == 1 for m in masks)  # the packed path ran, one row a forward
    for got_group, group in zip(got, groups, strict=True):
        assert got_group == pytest.approx([alone(reference, ids) for ids in group], abs=1e-4)


def _hh_ids(tokenizer):
    from prefdata_train._data.preprocessing import tokenize_pairs

    tokenised = tokenize_pairs(Dataset.from_list(hh_rows(4)), tokenizer)
    return tokenised["chosen_ids"], tokenised["rejected_ids"]


def test_flex_training_on_cpu_is_refused_before_training(tiny_model_dir, tmp_path):
    model, tokenizer = load(tiny_model_dir, attn_implementation="flex_attention")
    with pytest.raises(PrefdataError) as caught:
        RewardTrainer(
            model=model,
            args=fast_config(tmp_path),
            train_dataset=Dataset.from_list(hh_rows(4)),
            processing_class=tokenizer,
        )
    message = str(caught.value)
    assert "flex_attention trains only on a GPU" in message and "sdpa" in message


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return write_standard(tmp_path_factory.mktemp("flex-canonical") / "data", n_train=12, n_test=6)


def test_fit_with_flex_on_cpu_exits_2_and_leaves_nothing(data_dir, tiny_model_dir, tmp_path):
    out = tmp_path / "rm"
    result = invoke(
        "fit", data_dir, "--model", tiny_model_dir, "--output-dir", out, "--use-cpu", "--attn-implementation",
        "flex_attention", "--max-steps", "1", "--report-to", "none",
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "flex_attention trains only on a GPU" in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_fit_passes_the_option_as_a_model_init_kwarg(data_dir, tiny_model_dir, tmp_path, monkeypatch):
    seen = {}

    def fake_fit(data, model, output_dir, config, resume=False):
        seen["kwargs"] = config.model_init_kwargs
        raise PrefdataError("stop here")

    monkeypatch.setattr(fit_module, "fit", fake_fit)
    result = invoke(
        "fit",
        data_dir,
        "--model",
        tiny_model_dir,
        "--output-dir",
        tmp_path / "o",
        "--attn-implementation",
        "eager",
    )
    assert result.exit_code == 2 and seen["kwargs"] == {"attn_implementation": "eager"}


def test_score_with_flex_equals_sdpa_end_to_end(data_dir, tiny_model_dir, tmp_path):
    """`score --attn-implementation flex_attention` on CPU writes the rewards SDPA gives, within 1e-4."""
    outputs = {}
    for attn in ("sdpa", "flex_attention"):
        target = tmp_path / f"{attn}.jsonl"
        result = invoke(
            "score", tiny_model_dir, data_dir, target, "--attn-implementation", attn, "--batch-size", 2
        )
        assert result.exit_code == 0, result.output
        outputs[attn] = [json.loads(line) for line in target.read_text().splitlines()]
    assert len(outputs["sdpa"]) == 18
    for a, b in zip(outputs["sdpa"], outputs["flex_attention"], strict=True):
        assert (a["split"], a["row"]) == (b["split"], b["row"])
        assert b["chosen_reward"] == pytest.approx(a["chosen_reward"], abs=1e-4)
        assert b["rejected_reward"] == pytest.approx(a["rejected_reward"], abs=1e-4)
    report = invoke(
        "evaluate", tiny_model_dir, data_dir, "--json", "--no-plot", "--attn-implementation", "eager"
    )
    assert report.exit_code == 0, report.output
    assert json.loads(report.stdout)["n_pairs"] == 6


def test_an_unavailable_or_unknown_implementation_is_a_user_error(data_dir, tiny_model_dir, tmp_path):
    result = invoke("score", tiny_model_dir, data_dir, tmp_path / "x.jsonl", "--attn-implementation", "magic")
    assert result.exit_code == 2 and "magic" in result.output
    if not torch.cuda.is_available():  # flash-attention needs a GPU and its package
        result = invoke(
            "score",
            tiny_model_dir,
            data_dir,
            tmp_path / "y.jsonl",
            "--attn-implementation",
            "flash_attention_2",
        )
        assert result.exit_code == 2 and "flash_attention_2" in result.output and "sdpa" in result.output
        assert "Traceback" not in result.output and not (tmp_path / "y.jsonl").exists()

"""Scoring preference pairs with a reward model: one reward for each chosen and rejected response.

Pairs are tokenised as in training (`tokenize_pairs`: chat templates, EOS, truncation that
keeps every row), sorted by length so that batches carry little padding, padded on the right,
and the reward is read at the last real token of each sequence as the attention mask gives it
(`compute_rewards`, the same reading as the trainer's).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

import torch
from tqdm import tqdm

from prefdata._errors import PrefdataError
from prefdata_train._data.preprocessing import tokenize_pairs
from prefdata_train._modeling.rewards import compute_rewards


def _pad_right(sequences: Sequence[Sequence[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    length = max(len(seq) for seq in sequences)
    input_ids = torch.full((len(sequences), length), pad_id, dtype=torch.long)
    attention_mask = torch.zeros((len(sequences), length), dtype=torch.long)
    for row, seq in enumerate(sequences):
        input_ids[row, : len(seq)] = torch.as_tensor(list(seq), dtype=torch.long)
        attention_mask[row, : len(seq)] = 1
    return input_ids, attention_mask


def score_sequences(
    model: Any,
    sequences: Sequence[Sequence[int]],
    *,
    pad_id: int,
    batch_size: int,
    on_batch: Callable[[int], Any] | None = None,
) -> list[float]:
    """Reward of each token sequence, in input order, computed in batches without gradients.

    `on_batch(n)` is called after each batch of `n` sequences (a progress bar's `update`).
    """
    if batch_size < 1:
        raise PrefdataError(f"batch size is {batch_size}", fix="use a batch size of 1 or more")
    if any(len(seq) == 0 for seq in sequences):
        raise PrefdataError("a response tokenised to no tokens", fix="drop empty rows before scoring")
    order = sorted(range(len(sequences)), key=lambda i: len(sequences[i]))
    rewards = [0.0] * len(sequences)
    device = next(model.parameters()).device
    model.eval()
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            input_ids, mask = _pad_right([sequences[i] for i in chunk], pad_id)
            values, _ = compute_rewards(model, input_ids.to(device), mask.to(device))
            for i, value in zip(chunk, values.tolist(), strict=True):
                rewards[i] = value
            if on_batch is not None:
                on_batch(len(chunk))
    return rewards


def score_pairs(
    model: Any,
    tokenizer: Any,
    dataset: Any,
    batch_size: int = 16,
    max_length: int | None = None,
    *,
    progress: bool = False,
    desc: str = "Scoring",
) -> tuple[list[float], list[float]]:
    """Return `(chosen_rewards, rejected_rewards)`, one reward per row of `dataset` for each side.

    With `progress`, a progress bar on stderr counts the responses scored.
    """
    tokenized = tokenize_pairs(dataset, tokenizer, max_length=max_length)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    # The pad id only fills masked positions, which a causal model never attends to.
    pad_id = pad_id if pad_id is not None else 0
    with tqdm(
        total=2 * len(tokenized), desc=desc, unit="response", file=sys.stderr, disable=not progress
    ) as bar:
        chosen, rejected = (
            score_sequences(model, tokenized[side], pad_id=pad_id, batch_size=batch_size, on_batch=bar.update)
            for side in ("chosen_ids", "rejected_ids")
        )
    return chosen, rejected

"""Scoring preference pairs with a reward model: one reward for each chosen and rejected response.

Pairs are tokenised as in training (`tokenize_pairs`: chat templates, EOS, truncation that
keeps every row) and scored as groups of two (`score_groups`): packed without padding, each
pair's shared prompt run once, in inference mode. The reward is read at the last token of each
sequence (the same reading as the trainer's).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

from tqdm import tqdm

from prefdata_train._data.preprocessing import tokenize_pairs
from prefdata_train._modeling.group_scoring import score_groups


def score_sequences(
    model: Any,
    sequences: Sequence[Sequence[int]],
    *,
    pad_id: int,
    batch_size: int,
    on_batch: Callable[[int], Any] | None = None,
) -> list[float]:
    """Reward of each token sequence, in input order, computed in batches without gradients.

    Each sequence is scored on its own (nothing shared); `on_batch(n)` is called after each
    forward of `n` sequences (a progress bar's `update`).
    """
    groups = [[seq] for seq in sequences]
    scored = score_groups(model, groups, pad_id=pad_id, batch_size=batch_size, on_progress=on_batch)
    return [reward for (reward,) in scored]


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

    `batch_size` pairs' worth of tokens go through each forward (see `score_groups`). With
    `progress`, a progress bar on stderr counts the responses scored.
    """
    tokenized = tokenize_pairs(dataset, tokenizer, max_length=max_length)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    # The pad id only fills positions no real token attends to.
    pad_id = pad_id if pad_id is not None else 0
    groups = [
        [chosen, rejected]
        for chosen, rejected in zip(tokenized["chosen_ids"], tokenized["rejected_ids"], strict=True)
    ]
    with tqdm(
        total=2 * len(groups), desc=desc, unit="response", file=sys.stderr, disable=not progress
    ) as bar:
        scored = score_groups(model, groups, pad_id=pad_id, batch_size=batch_size, on_progress=bar.update)
    return [chosen for chosen, _ in scored], [rejected for _, rejected in scored]

"""Scoring groups of sequences that share a prompt: the padding-free, prefix-shared forward of training.

A group is the token ids of one prompt with each of its completions (2 for a pair, N for
best-of-N), each a full sequence. Each group becomes one packed unit
(`prefdata_train._data.packing`, `prefdata_train._data.prefix_sharing`): the prompt tokens all
sequences share run once, each completion attends to them and to itself. Units are sorted by
length and cut into forwards of about `batch_size` groups' worth of tokens:

| attention implementation                     | a forward is                                         |
| -------------------------------------------- | ---------------------------------------------------- |
| sdpa, prefdata_varlen, flash_attention_2/3   | one row of units, attended unit by unit (spans)      |
| flex_attention                               | one row of units, with a block mask                  |
| eager                                        | rows as long as the longest unit, with a 4D mask     |
| anything else, or no per-token `score` head  | the sequences padded on the right, no sharing        |

(Flex attention gets one row because torch compiles it: on CPU, inductor failed to compile
flex attention once the number of rows changed between calls, in torch 2.13.)

The token budget of a forward is `batch_size` times the mean unit length (at least the longest
unit): what `batch_size` groups take on average, so memory stays near a padded batch of
`batch_size` groups while long and short groups mix freely. Rewards are read at each
sequence's last token and come back nested as the input, whatever order the forwards ran in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from prefdata._errors import PrefdataError
from prefdata_train._data.packing import Unit, attention_implementation, group_unit, pack_units
from prefdata_train._data.prefix_sharing import shared_group_unit
from prefdata_train._modeling.rewards import (
    SPAN_ATTENTION,
    compute_packed_rewards,
    compute_rewards,
    find_score_head,
)

# Implementations that take packed rows through a mask or block mask (besides the span ones).
MASK_ATTENTION = ("eager", "flex_attention")


def score_groups(
    model: Any,
    groups: Sequence[Sequence[Sequence[int]]],
    *,
    pad_id: int,
    batch_size: int = 16,
    prefix_sharing: bool = True,
    on_progress: Callable[[int], Any] | None = None,
) -> list[list[float]]:
    """One reward per sequence of each group, nested as `groups`, computed in inference mode.

    `on_progress(n)` is called after each forward with the number of sequences it finished.
    """
    if batch_size < 1:
        raise PrefdataError(f"batch size is {batch_size}", fix="use a batch size of 1 or more")
    for number, group in enumerate(groups):
        if any(len(ids) == 0 for ids in group):
            raise PrefdataError(
                f"a sequence of group {number} tokenised to no tokens", fix="drop empty rows before scoring"
            )
    rewards: list[list[float]] = [[0.0] * len(group) for group in groups]
    members = [i for i, group in enumerate(groups) if group]
    model.eval()
    with torch.inference_mode():
        if _packs(model):
            _score_packed(model, groups, members, rewards, pad_id, batch_size, prefix_sharing, on_progress)
        else:
            _score_padded(model, groups, members, rewards, pad_id, batch_size, on_progress)
    return rewards


def _packs(model: Any) -> bool:
    """True when the model reads per-token rewards and its attention takes packed batches."""
    implementation = attention_implementation(model)
    return find_score_head(model) is not None and implementation in (*SPAN_ATTENTION, *MASK_ATTENTION)


def _score_packed(model, groups, members, rewards, pad_id, batch_size, prefix_sharing, on_progress) -> None:
    make = shared_group_unit if prefix_sharing else group_unit
    units = {i: make([list(ids) for ids in groups[i]]) for i in members}
    single_row = attention_implementation(model) != "eager"
    device = next(model.parameters()).device
    for chunk in forward_chunks(units, batch_size):
        batch = pack_units([units[i] for i in chunk], pad_id, single_row=single_row)
        batch = {key: value.to(device) for key, value in batch.items()}
        values, _ = compute_packed_rewards(model, batch, use_cache=False)
        for (group, slot), value in zip(reward_order(chunk, groups), values.float().tolist(), strict=True):
            rewards[group][slot] = value
        if on_progress is not None:
            on_progress(sum(len(groups[i]) for i in chunk))


def forward_chunks(units: dict[int, Unit], batch_size: int) -> list[list[int]]:
    """Group numbers cut into forwards, longest units first, each within the token budget.

    The budget is `batch_size` units of the mean length, and never less than the longest unit.
    """
    if not units:
        return []
    lengths = {i: unit.length for i, unit in units.items()}
    budget = max(max(lengths.values()), batch_size * sum(lengths.values()) // len(lengths))
    chunks: list[list[int]] = [[]]
    used = 0
    for i in sorted(lengths, key=lambda i: -lengths[i]):
        if chunks[-1] and used + lengths[i] > budget:
            chunks.append([])
            used = 0
        chunks[-1].append(i)
        used += lengths[i]
    return chunks


def reward_order(chunk: list[int], groups: Sequence[Sequence[Any]]) -> list[tuple[int, int]]:
    """(group, sequence) of each reward `pack_units` reads: slot by slot, then unit by unit."""
    slots = max(len(groups[i]) for i in chunk)
    return [(i, slot) for slot in range(slots) for i in chunk if slot < len(groups[i])]


def _score_padded(model, groups, members, rewards, pad_id, batch_size, on_progress) -> None:
    """Sequences sorted by length and padded on the right, `batch_size` at a time (no sharing)."""
    flat = [(i, slot) for i in members for slot in range(len(groups[i]))]
    flat.sort(key=lambda key: len(groups[key[0]][key[1]]))
    device = next(model.parameters()).device
    for start in range(0, len(flat), batch_size):
        chunk = flat[start : start + batch_size]
        input_ids, mask = _pad_right([groups[i][slot] for i, slot in chunk], pad_id)
        values, _ = compute_rewards(model, input_ids.to(device), mask.to(device))
        for (i, slot), value in zip(chunk, values.float().tolist(), strict=True):
            rewards[i][slot] = value
        if on_progress is not None:
            on_progress(len(chunk))


def _pad_right(sequences: Sequence[Sequence[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    length = max(len(seq) for seq in sequences)
    input_ids = torch.full((len(sequences), length), pad_id, dtype=torch.long)
    attention_mask = torch.zeros((len(sequences), length), dtype=torch.long)
    for row, seq in enumerate(sequences):
        input_ids[row, : len(seq)] = torch.as_tensor(list(seq), dtype=torch.long)
        attention_mask[row, : len(seq)] = 1
    return input_ids, attention_mask

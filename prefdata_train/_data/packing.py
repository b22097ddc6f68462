"""Padding-free batches: the sequences of a batch packed into a few rows, each read at its own end.

A padded batch of n pairs is 2n rows as long as the longest sequence; on multi-turn data most of
it is padding. Here each pair becomes one *unit* of segments, and units are packed first-fit
(longest first) into rows no longer than the longest unit:

| segment          | tokens                   | position ids        | attends to               |
| ---------------- | ------------------------ | ------------------- | ------------------------ |
| chosen           | chosen_ids               | 0 .. c-1            | itself, causally          |
| rejected         | rejected_ids             | 0 .. r-1            | itself, causally          |

With prefix sharing (`prefdata_train._data.prefix_sharing`) a unit is a shared prefix followed by
both suffixes, the rejected suffix attending to the prefix but not to the chosen suffix.
On SDPA models the batch is one row attended pair by pair (`prefdata_train._modeling.varlen_attention`);
otherwise attention is a 4D mask per row (causal within a segment, also open to the segment's
parent), which the eager (and SDPA) attention paths of transformers take as given. The reward of
each sequence is the score head's output at its last token.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

# Attention implementations that take a custom 4D mask as is (prefdata_varlen runs SDPA).
MASK_ATTENTION = ("sdpa", "eager", "prefdata_varlen")


@dataclass
class Segment:
    """A run of tokens in a unit: its ids, first position id and parent segment (index in unit)."""

    ids: list[int]
    start: int = 0
    parent: int | None = None


@dataclass
class Unit:
    """One pair's segments; `chosen` / `rejected` index the segment whose last token is that side's end."""

    segments: list[Segment]
    chosen: int = 0
    rejected: int = 1
    length: int = field(init=False)

    def __post_init__(self) -> None:
        self.length = sum(len(s.ids) for s in self.segments)


def pair_unit(chosen: list[int], rejected: list[int]) -> Unit:
    """The unit of a pair without sharing: two independent segments."""
    return Unit([Segment(list(chosen)), Segment(list(rejected))])


def assign_rows(lengths: list[int], capacity: int) -> list[list[int]]:
    """Indices of `lengths` grouped into rows of at most `capacity`, first fit, longest first."""
    rows: list[list[int]] = []
    room: list[int] = []
    for index in sorted(range(len(lengths)), key=lambda i: -lengths[i]):
        for row, free in enumerate(room):
            if lengths[index] <= free:
                rows[row].append(index)
                room[row] -= lengths[index]
                break
        else:
            rows.append([index])
            room.append(capacity - lengths[index])
    return rows


def pack_units(
    units: list[Unit], pad_token_id: int, pad_to_multiple_of: int | None = None, single_row: bool = False
) -> dict[str, Any]:
    """Tensors of a packed batch: ids, position, segment and parent ids, and where rewards are read.

    `reward_index` (2n, 2) holds the (row, column) of each chosen sequence's last token, then of
    each rejected one, so rewards come out in the padded layout's order. Padding at a row's end
    is a segment of its own, so no query row is fully masked. `unit_spans` (n, 4) holds each
    unit's (start column, prefix, chosen, rejected) token counts, what
    `prefdata_train._modeling.varlen_attention` reads; `single_row` packs everything in one row.
    """
    capacity = sum(u.length for u in units) if single_row else max(u.length for u in units)
    if pad_to_multiple_of:
        capacity = -(-capacity // pad_to_multiple_of) * pad_to_multiple_of
    rows = assign_rows([u.length for u in units], capacity)
    shape = (len(rows), capacity)
    input_ids = torch.full(shape, pad_token_id, dtype=torch.long)
    position_ids = torch.zeros(shape, dtype=torch.long)
    segment_ids = torch.zeros(shape, dtype=torch.long)
    parent_ids = torch.full(shape, -1, dtype=torch.long)
    ends = torch.zeros((2, len(units), 2), dtype=torch.long)
    spans = torch.zeros((len(units), 4), dtype=torch.long)
    for row, members in enumerate(rows):
        column, next_segment = 0, 0
        for index in members:
            unit = units[index]
            starts: list[int] = []
            for segment in unit.segments:
                stop = column + len(segment.ids)
                input_ids[row, column:stop] = torch.tensor(segment.ids, dtype=torch.long)
                position_ids[row, column:stop] = torch.arange(segment.start, segment.start + len(segment.ids))
                segment_ids[row, column:stop] = next_segment + len(starts)
                if segment.parent is not None:
                    parent_ids[row, column:stop] = next_segment + segment.parent
                starts.append(stop)
                column = stop
            ends[0, index] = torch.tensor([row, starts[unit.chosen] - 1])
            ends[1, index] = torch.tensor([row, starts[unit.rejected] - 1])
            prefix = len(unit.segments[0].ids) if len(unit.segments) == 3 else 0
            chosen, rejected = (len(unit.segments[i].ids) for i in (unit.chosen, unit.rejected))
            spans[index] = torch.tensor([column - unit.length, prefix, chosen, rejected])
            next_segment += len(unit.segments)
        segment_ids[row, column:] = next_segment  # the padding
        position_ids[row, column:] = torch.arange(capacity - column)
    return {
        "input_ids": input_ids,
        "position_ids": position_ids,
        "segment_ids": segment_ids,
        "parent_ids": parent_ids,
        "reward_index": ends.reshape(-1, 2),
        "unit_spans": spans,
    }


def visibility(segment_ids: torch.Tensor, parent_ids: torch.Tensor) -> torch.Tensor:
    """Boolean 4D mask (rows, 1, L, L): True where query i may see key j.

    i sees j when j <= i and j is in i's segment or in i's parent segment.
    """
    length = segment_ids.shape[-1]
    positions = torch.arange(length, device=segment_ids.device)
    causal = positions[None, :] <= positions[:, None]
    key_segment = segment_ids[:, None, :]
    visible = (key_segment == segment_ids[:, :, None]) | (key_segment == parent_ids[:, :, None])
    return (visible & causal)[:, None]


def attention_mask_for(
    segment_ids: torch.Tensor, parent_ids: torch.Tensor, implementation: str | None, dtype: torch.dtype
) -> torch.Tensor:
    """The 4D mask the attention path takes: boolean for SDPA, additive (0 or the minimum) for eager."""
    allowed = visibility(segment_ids, parent_ids)
    if implementation == "sdpa":
        return allowed
    bias = torch.zeros(allowed.shape, dtype=dtype, device=segment_ids.device)
    return bias.masked_fill_(~allowed, torch.finfo(dtype).min)


def attention_implementation(model: Any) -> str | None:
    """The attention implementation a (possibly wrapped) model runs, as its config names it."""
    config = getattr(model, "config", None)
    return getattr(config, "_attn_implementation", None)


def supports_packing(model: Any) -> bool:
    """True when the model's attention takes a custom 4D mask (sdpa, eager)."""
    return attention_implementation(model) in MASK_ATTENTION

"""Padding-free batches: the sequences of a batch packed into a few rows, each read at its own end.

A padded batch of n pairs is 2n rows as long as the longest sequence; on multi-turn data most of
it is padding. Here each *group* (a pair, or the k completions of one prompt) becomes one *unit*
of segments, and units are packed first-fit (longest first) into rows no longer than the longest
unit (or all in one row):

| segment          | tokens                   | position ids        | attends to               |
| ---------------- | ------------------------ | ------------------- | ------------------------ |
| sequence 1       | ids_1                    | 0 .. n_1-1          | itself, causally          |
| ...              |                          |                     |                          |
| sequence k       | ids_k                    | 0 .. n_k-1          | itself, causally          |

With prefix sharing (`prefdata_train._data.prefix_sharing`) a unit is a shared prefix followed by
one suffix per sequence, each suffix attending to the prefix and to itself only.
Attention then runs in one of three ways: span by span over one row
(`prefdata_train._modeling.varlen_attention`, from `unit_spans`), a flex-attention block mask
(`prefdata_train._modeling.flex_masks`, from segment and parent ids), or a 4D mask per row (causal
within a segment, also open to the segment's parent) that the eager and SDPA attention paths of
transformers take as given. The reward of each sequence is the score head's output at its last token.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

# Attention implementations that take packed batches: a custom 4D mask (eager, sdpa), spans
# (prefdata_varlen runs SDPA span by span) or a block mask (flex_attention).
MASK_ATTENTION = ("sdpa", "eager", "prefdata_varlen", "flex_attention")


@dataclass
class Segment:
    """A run of tokens in a unit: its ids, first position id and parent segment (index in unit)."""

    ids: list[int]
    start: int = 0
    parent: int | None = None


@dataclass
class Unit:
    """One group's segments: an optional shared prefix (segment 0), then one segment per sequence.

    `ends` holds, for each sequence of the group in order, the index of the segment that ends it;
    by default every segment is a sequence of its own (no shared prefix).
    """

    segments: list[Segment]
    ends: list[int] = field(default_factory=list)
    length: int = field(init=False)

    def __post_init__(self) -> None:
        if not self.ends:
            self.ends = list(range(len(self.segments)))
        self.length = sum(len(s.ids) for s in self.segments)

    @property
    def prefix_length(self) -> int:
        """Tokens of the shared prefix (0 when every segment is a sequence)."""
        return len(self.segments[0].ids) if len(self.ends) < len(self.segments) else 0

    @property
    def suffix_lengths(self) -> tuple[int, ...]:
        """Tokens of each sequence's own segment, in the group's order."""
        return tuple(len(self.segments[i].ids) for i in self.ends)


def group_unit(sequences: list[list[int]]) -> Unit:
    """The unit of a group without sharing: one independent segment per sequence."""
    return Unit([Segment(list(ids)) for ids in sequences])


def pair_unit(chosen: list[int], rejected: list[int]) -> Unit:
    """The unit of a pair without sharing: two independent segments."""
    return group_unit([chosen, rejected])


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

    `reward_index` holds the (row, column) of each sequence's last token, slot by slot: the first
    sequence of every unit, then the second of every unit that has one, and so on; for pairs
    that is every chosen sequence, then every rejected one (the padded layout's order). Padding
    at a row's end is a segment of its own, so no query row is fully masked. `unit_spans`
    (units, 2 + most sequences in a unit) holds each unit's start column, prefix length and its
    sequences' own token counts (0 past a unit's last sequence), and `unit_rows` the row of each
    unit: what `prefdata_train._modeling.varlen_attention` reads. `single_row` packs all in one row.
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
    slots = max(len(u.ends) for u in units)
    ends = torch.full((slots, len(units), 2), -1, dtype=torch.long)
    spans = torch.zeros((len(units), 2 + slots), dtype=torch.long)
    unit_rows = torch.zeros(len(units), dtype=torch.long)
    for row, members in enumerate(rows):
        column, next_segment = 0, 0
        for index in members:
            unit = units[index]
            stops = _place(unit, row, column, next_segment, input_ids, position_ids, segment_ids, parent_ids)
            for slot, segment in enumerate(unit.ends):
                ends[slot, index] = torch.tensor([row, stops[segment] - 1])
            spans[index, : 2 + len(unit.ends)] = torch.tensor(
                [column, unit.prefix_length, *unit.suffix_lengths]
            )
            unit_rows[index] = row
            column += unit.length
            next_segment += len(unit.segments)
        segment_ids[row, column:] = next_segment  # the padding
        position_ids[row, column:] = torch.arange(capacity - column)
    reward_index = ends.reshape(-1, 2)
    return {
        "input_ids": input_ids,
        "position_ids": position_ids,
        "segment_ids": segment_ids,
        "parent_ids": parent_ids,
        # units with fewer sequences than others leave their later slots empty
        "reward_index": reward_index[reward_index[:, 0] >= 0],
        "unit_spans": spans,
        "unit_rows": unit_rows,
    }


def _place(
    unit: Unit,
    row: int,
    column: int,
    first_segment: int,
    input_ids: torch.Tensor,
    position_ids: torch.Tensor,
    segment_ids: torch.Tensor,
    parent_ids: torch.Tensor,
) -> list[int]:
    """Write `unit`'s segments into `row` from `column`; return the column after each segment."""
    stops: list[int] = []
    for number, segment in enumerate(unit.segments):
        stop = column + len(segment.ids)
        input_ids[row, column:stop] = torch.tensor(segment.ids, dtype=torch.long)
        position_ids[row, column:stop] = torch.arange(segment.start, segment.start + len(segment.ids))
        segment_ids[row, column:stop] = first_segment + number
        if segment.parent is not None:
            parent_ids[row, column:stop] = first_segment + segment.parent
        stops.append(stop)
        column = stop
    return stops


def row_spans(batch: dict[str, Any], row: int = 0) -> list[tuple[int, int, tuple[int, ...]]]:
    """The `packed_spans` of one packed row: (start, prefix, suffix lengths) per unit, in row order."""
    spans = batch["unit_spans"].tolist()
    rows = batch["unit_rows"].tolist() if "unit_rows" in batch else [0] * len(spans)
    found = sorted(span for span, r in zip(spans, rows, strict=True) if r == row)
    return [(start, prefix, tuple(n for n in suffixes if n)) for start, prefix, *suffixes in found]


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
    """True when the model's attention takes packed batches (sdpa, eager, prefdata_varlen, flex_attention)."""
    return attention_implementation(model) in MASK_ATTENTION

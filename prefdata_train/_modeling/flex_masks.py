"""Block masks for flex attention over packed batches (packing and prefix sharing).

A packed row (see `prefdata_train._data.packing`) holds several sequences, and with prefix sharing
a prompt followed by one suffix per completion. Query i may see key j when j is in i's segment
at or before i, or in i's parent segment (a suffix's shared prefix, always before it):

| query           | keys it sees                            |
| --------------- | --------------------------------------- |
| prefix token    | earlier tokens of the prefix            |
| suffix token    | the whole prefix, earlier suffix tokens |
| padding         | earlier padding (its own segment)       |

One `BlockMask` is built per packed batch and shared by every layer; flex attention then skips
the blocks no query of a block may see, so the cost grows with the real tokens, not with L^2.
The block summary is computed here from the segments' column ranges (L x blocks work, not the
L x L of torch's `create_block_mask` without compiling: 6 s and 0.7 GB for one row of 8k
tokens on CPU). Flex attention has no backward pass on CPU in torch: there it serves scoring
and evaluation only.
"""

from __future__ import annotations

from typing import Any

import torch

FLEX_ATTENTION = "flex_attention"
BLOCK = 128  # flex attention's default block size


def packed_block_mask(segment_ids: torch.Tensor, parent_ids: torch.Tensor) -> Any:
    """The `BlockMask` (rows, 1, L, L) of a packed batch, from its (rows, L) segment and parent ids."""
    from torch.nn.attention.flex_attention import BlockMask

    rows, length = segment_ids.shape
    blocks = -(-length // BLOCK)
    some, every = _block_summary(segment_ids, parent_ids, blocks)
    partial = some & ~every
    kv_num, kv_indices = _indices(partial)
    full_num, full_indices = _indices(every)

    def mask_mod(b, h, q_idx, kv_idx):
        own = (segment_ids[b, q_idx] == segment_ids[b, kv_idx]) & (kv_idx <= q_idx)
        return own | (parent_ids[b, q_idx] == segment_ids[b, kv_idx])

    return BlockMask.from_kv_blocks(
        kv_num,
        kv_indices,
        full_num,
        full_indices,
        BLOCK_SIZE=BLOCK,
        mask_mod=mask_mod,
        seq_lengths=(length, length),
    )


def _block_summary(
    segment_ids: torch.Tensor, parent_ids: torch.Tensor, blocks: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """(rows, q blocks, kv blocks) booleans: some query sees some key of the block pair; all see all.

    Segments are contiguous runs of columns, so each query sees at most two column ranges (its
    parent segment, its own segment up to itself): blocks are tested against those ranges, in
    L x blocks steps. Columns past the row's end count as unseen, so a shorter last block is never full.
    """
    rows, length = segment_ids.shape
    device = segment_ids.device
    positions = torch.arange(length, device=device).expand(rows, length)
    starts, ends = _segment_bounds(segment_ids, positions)
    has_parent = parent_ids >= 0
    parent = parent_ids.clamp(min=0)
    parent_start = torch.where(has_parent, starts.gather(1, parent), 0)
    parent_end = torch.where(has_parent, ends.gather(1, parent), 0)
    # A prefix followed at once by the suffix is one range.
    joined = has_parent & (parent_end == _own_start(segment_ids, positions))
    own_low = torch.where(joined, parent_start, _own_start(segment_ids, positions))
    ranges = [
        (own_low, positions + 1),
        (torch.where(joined, 0, parent_start), torch.where(joined, 0, parent_end)),
    ]
    low = torch.arange(blocks, device=device) * BLOCK
    high = low + BLOCK
    some = torch.zeros((rows, length, blocks), dtype=torch.bool, device=device)
    every = torch.zeros_like(some)
    for first, last in ranges:
        first, last = first[..., None], last[..., None]
        some |= (first < high.clamp(max=length)) & (last > low) & (first < last)
        every |= (first <= low) & (last >= high)
    tail = blocks * BLOCK - length  # query slots past the end: they see nothing
    some = torch.nn.functional.pad(some, (0, 0, 0, tail)).view(rows, blocks, BLOCK, blocks)
    every = torch.nn.functional.pad(every, (0, 0, 0, tail)).view(rows, blocks, BLOCK, blocks)
    return some.any(dim=2), every.all(dim=2)


def _own_start(segment_ids: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
    """Column where each token's segment starts."""
    first = torch.ones_like(segment_ids, dtype=torch.bool)
    first[:, 1:] = segment_ids[:, 1:] != segment_ids[:, :-1]
    return torch.where(first, positions, 0).cummax(dim=1).values


def _segment_bounds(segment_ids: torch.Tensor, positions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(rows, L) start and end column of each segment id (ids are below L), for looking parents up."""
    rows, length = segment_ids.shape
    starts = torch.full((rows, length), length, dtype=torch.long, device=segment_ids.device)
    ends = torch.zeros((rows, length), dtype=torch.long, device=segment_ids.device)
    starts.scatter_reduce_(1, segment_ids, positions, reduce="amin")
    ends.scatter_reduce_(1, segment_ids, positions + 1, reduce="amax")
    return starts, ends


def _indices(chosen: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per query block, how many kv blocks are `chosen` and their indices first (flex's layout)."""
    counts = chosen.sum(dim=-1, dtype=torch.int32)
    # A stable sort puts the chosen blocks first, in increasing order.
    order = torch.sort((~chosen).to(torch.int8), dim=-1, stable=True).indices.to(torch.int32)
    return counts[:, None], order[:, None]

"""Variable-length attention over one packed row, unit by unit, on the SDPA kernels of torch.

A dense mask over a packed row costs L^2 for the whole row although each token only sees its
own sequence. Here a packed row of units (see `prefdata_train._data.packing`) is attended unit by
unit, each unit a shared prefix (possibly empty) and k suffixes:

| unit span                       | queries                  | keys                          |
| ------------------------------- | ------------------------ | ----------------------------- |
| prefix                          | its tokens               | itself, causal                |
| suffix j                        | its tokens               | prefix + itself, causal       |

Two ways, the same result:

- batched: the units are gathered into one padded batch (units, heads, longest unit, head dim)
  and attended in one SDPA call with a (units, 1, L, L) boolean mask, so no Python loop runs per
  unit on the device; the gather indices and the mask are built once per forward and shared by
  every layer. Used on GPUs, and for inference on CPU (1.3x faster there than the loop for a
  tiny Qwen3 model's forward).
- unit by unit: one causal SDPA call for each prefix and first suffix, one for each further
  suffix against prefix + itself. Used for training on CPU, where the backward of the masked
  batched call is slow: on `benchmarks/bench_train.py`'s hh-rlhf run the batched way trained at
  22.4 pairs/s and this one at 35.7.

It is registered with transformers as the attention implementation `prefdata_varlen`, which runs
plain SDPA (with SDPA's masks) whenever a forward call does not pass `packed_spans`, so padded
batches, evaluation and scoring work unchanged on a model switched to it.
"""

from __future__ import annotations

import functools
from typing import Any

import torch
import torch.nn.functional as F

VARLEN_ATTENTION = "prefdata_varlen"

# (start column, prefix length, suffix lengths) of each unit of a packed row, in row order.
Span = tuple[int, int, tuple[int, ...]]


def varlen_attention(
    module: Any,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attention_mask: torch.Tensor | None,
    dropout: float = 0.0,
    scaling: float | None = None,
    packed_spans: list[Span] | None = None,
    **kwargs: Any,
) -> tuple[torch.Tensor, None]:
    """Attention of one packed row, unit by unit; plain SDPA when `packed_spans` is not given.

    `packed_spans` holds (start, prefix, suffix lengths) per unit, in row order; columns after
    the last unit (padding) get zeros. query/key/value are (1, heads, L, head_dim); the result
    is (1, L, heads, head_dim) as transformers' attention functions return it.
    """
    from transformers.integrations.sdpa_attention import repeat_kv, sdpa_attention_forward

    if packed_spans is None:
        return sdpa_attention_forward(
            module, query, key, value, attention_mask, dropout=dropout, scaling=scaling, **kwargs
        )
    groups = getattr(module, "num_key_value_groups", 1)
    key, value = repeat_kv(key, groups), repeat_kv(value, groups)
    dropout = dropout if module.training else 0.0
    if query.device.type == "cpu" and torch.is_grad_enabled() and query.requires_grad:
        return attend_units(query, key, value, packed_spans, dropout, scaling), None
    return attend_batched(query, key, value, packed_spans, dropout, scaling), None


def attend_units(query, key, value, spans: list[Span], dropout: float, scaling: float | None) -> torch.Tensor:
    """Unit by unit, in row order: prefix + first suffix causally, each further suffix against the
    prefix and itself; columns after the last unit (padding) get zeros."""
    pieces, end = [], 0
    for start, prefix, suffixes in spans:
        head = slice(start, start + prefix + suffixes[0])
        pieces.append(_attend(query[:, :, head], key[:, :, head], value[:, :, head], 0, dropout, scaling))
        at = start + prefix + suffixes[0]
        for length in suffixes[1:]:
            keys = torch.cat([key[:, :, start : start + prefix], key[:, :, at : at + length]], dim=2)
            values = torch.cat([value[:, :, start : start + prefix], value[:, :, at : at + length]], dim=2)
            pieces.append(_attend(query[:, :, at : at + length], keys, values, prefix, dropout, scaling))
            at += length
        end = at
    if end < query.shape[2]:
        pieces.append(query.new_zeros((*query.shape[:2], query.shape[2] - end, query.shape[3])))
    return torch.cat(pieces, dim=2).transpose(1, 2).contiguous()


def _attend(query, key, value, offset: int, dropout: float, scaling: float | None) -> torch.Tensor:
    """Causal SDPA where query i sits at key position `offset + i` (keys before `offset` all visible)."""
    if offset == 0:
        return F.scaled_dot_product_attention(
            query, key, value, dropout_p=dropout, is_causal=True, scale=scaling
        )
    rows = torch.arange(query.shape[2], device=query.device)[:, None]
    allowed = torch.arange(key.shape[2], device=query.device)[None, :] <= rows + offset
    return F.scaled_dot_product_attention(
        query, key, value, attn_mask=allowed, dropout_p=dropout, scale=scaling
    )


def attend_batched(
    query, key, value, spans: list[Span], dropout: float, scaling: float | None
) -> torch.Tensor:
    """One SDPA call over the units gathered into a padded batch, scattered back to the row."""
    heads, length, dim = query.shape[1], query.shape[2], query.shape[3]
    plan = _batch_plan(tuple(spans), query.device, torch.is_inference_mode_enabled())
    units, longest = plan.gather.shape

    def gathered(x: torch.Tensor) -> torch.Tensor:  # (1, H, L, D) -> (U, H, Lu, D)
        return x[0].index_select(1, plan.gather.reshape(-1)).view(heads, units, longest, dim).transpose(0, 1)

    out = F.scaled_dot_product_attention(
        gathered(query), gathered(key), gathered(value), attn_mask=plan.mask, dropout_p=dropout, scale=scaling
    )
    tokens = out.transpose(1, 2).reshape(units * longest, heads, dim).index_select(0, plan.real)
    result = query.new_zeros((length, heads, dim))
    result = result.index_copy(0, plan.columns, tokens)
    return result[None]


class _Plan:
    """Index tensors and the mask of one packed row's batched attention, built once per forward."""

    def __init__(self, spans: tuple[Span, ...], device: torch.device) -> None:
        longest = max(prefix + sum(suffixes) for _, prefix, suffixes in spans)
        gather = torch.zeros((len(spans), longest), dtype=torch.long)
        # Causal everywhere, then each suffix loses the suffixes before it (it keeps the prefix);
        # padding rows keep the causal part among themselves, so no query row is fully masked.
        mask = torch.ones((longest, longest), dtype=torch.bool).tril().repeat(len(spans), 1, 1)
        real, columns = [], []
        for unit, (start, prefix, suffixes) in enumerate(spans):
            size = prefix + sum(suffixes)
            gather[unit, :size] = torch.arange(start, start + size)
            at = prefix + suffixes[0]
            for length in suffixes[1:]:
                mask[unit, at : at + length, prefix:at] = False
                at += length
            mask[unit, size:, :size] = False
            real.append(unit * longest + torch.arange(size))
            columns.append(torch.arange(start, start + size))
        self.gather = gather.to(device)
        self.mask = mask[:, None].to(device)
        self.real = torch.cat(real).to(device)
        self.columns = torch.cat(columns).to(device)


@functools.lru_cache(maxsize=4)
def _batch_plan(spans: tuple[Span, ...], device: torch.device, inference: bool) -> _Plan:
    # Every layer of a forward sees the same spans: the plan is built once. Inference tensors
    # cannot be used in autograd, so plans built under inference mode are kept apart.
    return _Plan(spans, device)


def use_varlen_attention(model: Any) -> None:
    """Register `prefdata_varlen` with transformers and switch `model` (running SDPA) to it."""
    from transformers import AttentionInterface
    from transformers.masking_utils import ALL_MASK_ATTENTION_FUNCTIONS, sdpa_mask

    AttentionInterface.register(VARLEN_ATTENTION, varlen_attention)
    ALL_MASK_ATTENTION_FUNCTIONS.register(VARLEN_ATTENTION, sdpa_mask)
    model.config._attn_implementation = VARLEN_ATTENTION

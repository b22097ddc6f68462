"""Variable-length attention over one packed row, pair by pair, on the SDPA kernels of torch.

A dense mask over a packed row costs L^2 for the whole row although each token only sees its
own sequence. Here a packed row of pairs (see `prefdata_train._data.packing`) is attended unit by unit:

| unit span                       | queries                  | keys                          |
| ------------------------------- | ------------------------ | ----------------------------- |
| prefix + chosen suffix          | those tokens             | the same, causal              |
| rejected suffix                 | its tokens               | prefix + itself, causal       |

It is registered with transformers as the attention implementation `prefdata_varlen`, which runs
plain SDPA (with SDPA's masks) whenever a forward call does not pass `packed_spans`, so padded
batches, evaluation and scoring work unchanged on a model switched to it.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

VARLEN_ATTENTION = "prefdata_varlen"


def varlen_attention(
    module: Any,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attention_mask: torch.Tensor | None,
    dropout: float = 0.0,
    scaling: float | None = None,
    packed_spans: list[tuple[int, int, int, int]] | None = None,
    **kwargs: Any,
) -> tuple[torch.Tensor, None]:
    """Attention of one packed row, unit by unit; plain SDPA when `packed_spans` is not given.

    `packed_spans` holds (start, prefix, chosen, rejected) token counts per unit, in row order,
    covering the whole row; query/key/value are (1, heads, L, head_dim).
    """
    from transformers.integrations.sdpa_attention import repeat_kv, sdpa_attention_forward

    if packed_spans is None:
        return sdpa_attention_forward(
            module, query, key, value, attention_mask, dropout=dropout, scaling=scaling, **kwargs
        )
    groups = getattr(module, "num_key_value_groups", 1)
    key, value = repeat_kv(key, groups), repeat_kv(value, groups)
    dropout = dropout if module.training else 0.0
    pieces = []
    for start, prefix, chosen, rejected in packed_spans:
        end = start + prefix + chosen
        span = slice(start, end)
        pieces.append(_attend(query[:, :, span], key[:, :, span], value[:, :, span], 0, dropout, scaling))
        keys = torch.cat([key[:, :, start : start + prefix], key[:, :, end : end + rejected]], dim=2)
        values = torch.cat([value[:, :, start : start + prefix], value[:, :, end : end + rejected]], dim=2)
        pieces.append(_attend(query[:, :, end : end + rejected], keys, values, prefix, dropout, scaling))
    return torch.cat(pieces, dim=2).transpose(1, 2).contiguous(), None


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


def use_varlen_attention(model: Any) -> None:
    """Register `prefdata_varlen` with transformers and switch `model` (running SDPA) to it."""
    from transformers import AttentionInterface
    from transformers.masking_utils import ALL_MASK_ATTENTION_FUNCTIONS, sdpa_mask

    AttentionInterface.register(VARLEN_ATTENTION, varlen_attention)
    ALL_MASK_ATTENTION_FUNCTIONS.register(VARLEN_ATTENTION, sdpa_mask)
    model.config._attn_implementation = VARLEN_ATTENTION

"""Reading a sequence's reward at its last real token, located with the attention mask.

Sequence-classification models of transformers pick the rightmost token that is not
`pad_token_id`. When pad and EOS are the same token (common), that skips the EOS every
sequence ends with and reads the reward one token early. Here the per-token output of the
`score` head is captured and read where the attention mask says the sequence ends.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from prefdata._errors import PrefdataError
from prefdata_train._data.packing import attention_implementation, attention_mask_for, row_spans
from prefdata_train._modeling.flash_varlen import FLASH_VARLEN, use_flash_varlen
from prefdata_train._modeling.flex_masks import FLEX_ATTENTION, packed_block_mask
from prefdata_train._modeling.varlen_attention import VARLEN_ATTENTION, use_varlen_attention


def find_score_head(model: nn.Module) -> nn.Module | None:
    """The module named `score` nearest the root (PEFT wrappers included), or None."""
    best: tuple[int, nn.Module] | None = None
    for name, module in model.named_modules():
        if name.split(".")[-1] == "score":
            depth = name.count(".")
            if best is None or depth < best[0]:
                best = (depth, module)
    return None if best is None else best[1]


def last_token_index(attention_mask: torch.Tensor) -> torch.Tensor:
    """Index of the last position whose mask is 1, per row (right or left padding)."""
    positions = torch.arange(attention_mask.shape[-1], device=attention_mask.device)
    return (positions * attention_mask.to(positions.dtype)).argmax(-1)


def compute_rewards(
    model: nn.Module, input_ids: torch.Tensor, attention_mask: torch.Tensor, **kwargs: Any
) -> tuple[torch.Tensor, Any]:
    """Run `model` and return (one reward per row, the model's outputs).

    Models without a per-token `score` head (BERT-like pooled classifiers) fall back to the
    model's own pooled logits.
    """
    head = find_score_head(model)
    captured: dict[str, torch.Tensor] = {}
    handle = None
    if head is not None:
        handle = head.register_forward_hook(lambda _m, _i, out: captured.__setitem__("logits", out))
    try:
        outputs = model(input_ids=input_ids, attention_mask=attention_mask, **kwargs)
    finally:
        if handle is not None:
            handle.remove()
    per_token = captured.get("logits")
    if (
        isinstance(per_token, torch.Tensor)
        and per_token.dim() == 3
        and per_token.shape[1] == input_ids.shape[1]
    ):
        rows = torch.arange(input_ids.shape[0], device=per_token.device)
        last = last_token_index(attention_mask).to(per_token.device)
        return per_token[rows, last, 0], outputs
    return outputs.logits[:, 0], outputs


def compute_packed_rewards(
    model: nn.Module, batch: dict[str, torch.Tensor], **kwargs: Any
) -> tuple[torch.Tensor, Any]:
    """Rewards of a packed batch (`prefdata_train._data.packing.pack_units`), in `reward_index` order.

    For pairs that is every chosen sequence, then every rejected one. The model runs on the
    packed rows with their position ids and the attention its implementation takes
    (`packed_attention_inputs`); each reward is the score head's output at the (row, column)
    `reward_index` names.
    """
    head = find_score_head(model)
    if head is None:
        raise PrefdataError(
            "packed batches need a per-token `score` head",
            where=type(model).__name__,
            fix="set padding_free=False",
        )
    inputs = packed_attention_inputs(model, batch)
    captured: dict[str, torch.Tensor] = {}
    handle = head.register_forward_hook(lambda _m, _i, out: captured.__setitem__("logits", out))
    try:
        outputs = model(input_ids=batch["input_ids"], position_ids=batch["position_ids"], **inputs, **kwargs)
    finally:
        handle.remove()
    index = batch["reward_index"].to(captured["logits"].device)
    return captured["logits"][index[:, 0], index[:, 1], 0], outputs


# Implementations that attend span by span over one packed row (`packed_spans`).
SPAN_ATTENTION = ("sdpa", VARLEN_ATTENTION, "flash_attention_2", "flash_attention_3", FLASH_VARLEN)


def packed_attention_inputs(model: nn.Module, batch: dict[str, torch.Tensor]) -> dict[str, Any]:
    """The attention arguments of a packed forward, by the model's attention implementation.

    | implementation              | rows | passes                                               |
    | --------------------------- | ---- | ---------------------------------------------------- |
    | sdpa, prefdata_varlen       | 1    | `packed_spans` (model switched to prefdata_varlen)   |
    | flash_attention_2/3         | 1    | `packed_spans` (switched to `prefdata_flash_varlen`) |
    | flex_attention              | any  | a `BlockMask` from segment and parent ids            |
    | eager, sdpa                 | any  | a 4D mask (additive for eager, boolean for SDPA)     |
    """
    implementation = attention_implementation(model)
    if batch["input_ids"].shape[0] == 1 and implementation in SPAN_ATTENTION:
        if implementation == "sdpa":
            use_varlen_attention(model)
        elif implementation in ("flash_attention_2", "flash_attention_3"):
            use_flash_varlen(model)
        return {"attention_mask": _no_masks(model), "packed_spans": row_spans(batch)}
    if implementation == FLEX_ATTENTION:
        return {"attention_mask": packed_block_mask(batch["segment_ids"], batch["parent_ids"])}
    dtype = next((p.dtype for p in model.parameters() if p.is_floating_point()), torch.float32)
    return {
        "attention_mask": attention_mask_for(batch["segment_ids"], batch["parent_ids"], implementation, dtype)
    }


def _no_masks(model: nn.Module) -> dict[str, None] | None:
    """No mask for any layer type, given as transformers' prepared mask mapping.

    Span attention needs none, and a mapping stops transformers from building an L x L mask for
    the packed row on every forward (it reads packed sequences from the position ids).
    """
    config: Any = getattr(model, "config", None)
    text_config = config.get_text_config() if hasattr(config, "get_text_config") else config
    layer_types = getattr(text_config, "layer_types", None)
    return dict.fromkeys(layer_types) if layer_types else None

"""Prefix-shared attention of one packed row in one variable-length kernel call per layer.

A packed row holds units (`packed_spans`: start column, prefix length, suffix lengths; see
`prefdata_train._data.packing`). Every sequence of a unit is its prefix followed by one suffix,
so each layer is one call of `flash_attn_varlen_func` whose queries are the row as it is and
whose keys are gathered:

| varlen sequence                 | queries (row order) | keys (gathered)                  |
| ------------------------------- | ------------------- | -------------------------------- |
| prefix + first suffix of a unit | those columns       | the same columns                 |
| each further suffix             | its columns         | the unit's prefix, then itself   |
| a run no unit covers (padding)  | those columns       | the same columns                 |

The call is causal. A further suffix has more keys than queries; flash-attention (2.1 and
later) aligns its causal mask bottom-right, so suffix token i sees the whole prefix and suffix
tokens 0..i: what it sees in its own unpacked sequence. Padding runs as sequences of its own so
every output column is defined.

The kernel is flash-attention's on CUDA when installed; elsewhere `reference_varlen`, written
with torch SDPA, has the same semantics (slow: a dense mask; for tests and CPU). Without
`packed_spans` a forward call runs transformers' flash-attention-2 path (SDPA off CUDA), so
padded batches, evaluation and generation-free scoring work on a model switched to it.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F

from prefdata._errors import PrefdataError

FLASH_VARLEN = "prefdata_flash_varlen"
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class VarlenCall:
    """The kernel call of one row: row columns of its keys, in packed order, and sequence bounds.

    The queries are the row's columns in order (sequence i holds cu_seqlens_q[i]:cu_seqlens_q[i+1]).
    """

    keys: torch.Tensor
    cu_seqlens_q: torch.Tensor
    cu_seqlens_k: torch.Tensor
    max_seqlen_q: int
    max_seqlen_k: int


@functools.cache
def flash_attn_available() -> bool:
    """True when `flash_attn` imports and aligns causal masks bottom-right (2.1 and later)."""
    if importlib.util.find_spec("flash_attn") is None:
        return False
    try:
        import flash_attn
    except ImportError:  # installed but built for another torch or CUDA
        return False
    return tuple(int(x) for x in re.findall(r"\d+", flash_attn.__version__)[:2]) >= (2, 1)


def flash_kernel_on(device: torch.device | str) -> bool:
    """Whether attention on `device` runs flash-attention's kernels (else SDPA and the reference)."""
    return torch.device(device).type == "cuda" and flash_attn_available()


def normalise_spans(packed_spans: Sequence[Sequence[Any]]) -> list[tuple[int, int, tuple[int, ...]]]:
    """`packed_spans` as sorted (start, prefix, suffixes).

    Flat rows (start, prefix, n_1, .., n_k) are read too, a 0 meaning no sequence, as in the
    `unit_spans` tensor of `prefdata_train._data.packing.pack_units`.
    """
    spans = []
    for span in packed_spans:
        start, prefix, *rest = span
        suffixes = rest[0] if len(rest) == 1 and isinstance(rest[0], Sequence) else rest
        spans.append((int(start), int(prefix), tuple(int(s) for s in suffixes if s)))
    return sorted(spans)


def plan_call(packed_spans: Sequence[Sequence[Any]], length: int, device: torch.device | str) -> VarlenCall:
    """The kernel call attending a row of `length` columns laid out as `packed_spans`."""
    query_lengths: list[int] = []
    key_runs: list[tuple[int, int]] = []  # (start, length): two per sequence, the first may be empty
    cursor = 0
    for start, prefix, suffixes in normalise_spans(packed_spans):
        if start < cursor or not suffixes or min(suffixes) < 1 or prefix < 0:
            raise PrefdataError(
                f"packed span {(start, prefix, suffixes)} overlaps the previous unit or has no sequence",
                where="flash_varlen_attention",
                fix="build packed_spans with prefdata_train._data.packing.pack_units",
            )
        if start > cursor:  # a run no unit covers
            query_lengths.append(start - cursor)
            key_runs += [(cursor, 0), (cursor, start - cursor)]
        query_lengths.append(prefix + suffixes[0])
        key_runs += [(start, 0), (start, prefix + suffixes[0])]
        column = start + prefix + suffixes[0]
        for suffix in suffixes[1:]:
            query_lengths.append(suffix)
            key_runs += [(start, prefix), (column, suffix)]
            column += suffix
        cursor = column
    if cursor > length:
        raise PrefdataError(
            f"packed spans cover {cursor} columns but the row has {length}",
            where="flash_varlen_attention",
            fix="pass the packed_spans of this row",
        )
    if cursor < length:
        query_lengths.append(length - cursor)
        key_runs += [(cursor, 0), (cursor, length - cursor)]
    key_lengths = [key_runs[i][1] + key_runs[i + 1][1] for i in range(0, len(key_runs), 2)]
    return VarlenCall(
        keys=_columns(key_runs).to(device, non_blocking=True),
        cu_seqlens_q=_cumulative(query_lengths).to(device, non_blocking=True),
        cu_seqlens_k=_cumulative(key_lengths).to(device, non_blocking=True),
        max_seqlen_q=max(query_lengths),
        max_seqlen_k=max(key_lengths),
    )


def _columns(runs: list[tuple[int, int]]) -> torch.Tensor:
    """The columns of consecutive (start, length) runs, concatenated, without a Python loop over them."""
    starts, lengths = torch.tensor(runs, dtype=torch.long).reshape(-1, 2).unbind(1)
    offsets = starts - (lengths.cumsum(0) - lengths)  # column minus packed position, per run
    return torch.repeat_interleave(offsets, lengths) + torch.arange(int(lengths.sum()))


def _cumulative(lengths: list[int]) -> torch.Tensor:
    return F.pad(torch.tensor(lengths, dtype=torch.int32).cumsum(0, dtype=torch.int32), (1, 0))


def reference_varlen(
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    cu_seqlens_q: torch.Tensor,
    cu_seqlens_k: torch.Tensor,
    dropout_p: float = 0.0,
    softmax_scale: float | None = None,
) -> torch.Tensor:
    """`flash_attn_varlen_func(..., causal=True)` in one SDPA call with a dense block mask.

    query (total_q, heads, dim), key/value (total_k, kv_heads, dim); sequence i holds queries
    cu_seqlens_q[i]:cu_seqlens_q[i+1] and keys likewise; causal bottom-right: query j of a
    sequence with q queries and k keys sees its keys 0 .. k - q + j.
    """
    groups = query.shape[1] // key.shape[1]  # query head h reads key head h // groups, as in flash
    key, value = key.repeat_interleave(groups, dim=1), value.repeat_interleave(groups, dim=1)
    q_seq, q_pos = _sequence_positions(cu_seqlens_q.long())
    k_seq, k_pos = _sequence_positions(cu_seqlens_k.long())
    shift = (cu_seqlens_k.diff() - cu_seqlens_q.diff()).long()[q_seq]
    allowed = (q_seq[:, None] == k_seq[None, :]) & (k_pos[None, :] <= (q_pos + shift)[:, None])
    out = F.scaled_dot_product_attention(
        query.transpose(0, 1), key.transpose(0, 1), value.transpose(0, 1),
        attn_mask=allowed.to(query.device), dropout_p=dropout_p, scale=softmax_scale,
    )  # fmt: skip
    return out.transpose(0, 1)


def _sequence_positions(cu_seqlens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per packed token: its sequence index and its position within that sequence."""
    lengths = cu_seqlens.diff()
    sequence = torch.repeat_interleave(torch.arange(len(lengths), device=cu_seqlens.device), lengths)
    return sequence, torch.arange(int(cu_seqlens[-1]), device=cu_seqlens.device) - cu_seqlens[sequence]


def flash_varlen_attention(
    module: Any,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attention_mask: torch.Tensor | None,
    dropout: float = 0.0,
    scaling: float | None = None,
    packed_spans: Sequence[Sequence[Any]] | None = None,
    **kwargs: Any,
) -> tuple[torch.Tensor, None]:
    """Attention of one packed row unit by unit in one varlen call; transformers' own path without spans.

    query (1, heads, L, dim), key/value (1, kv_heads, L, dim); returns (1, L, heads, dim).
    """
    if packed_spans is None:
        return _unpacked_attention(module, query, key, value, attention_mask, dropout, scaling, **kwargs)
    if query.shape[0] != 1 or kwargs.get("sliding_window") or kwargs.get("softcap"):
        raise PrefdataError(
            "prefix-shared flash attention takes one packed row without sliding window or softcap",
            where=f"{type(module).__name__} (batch {query.shape[0]})",
            fix="pack the batch in one row (single_row=True), or use sdpa attention",
        )
    query, key, value = (t[0].transpose(0, 1) for t in (query, key, value))  # (L, heads, dim)
    kernel = _kernel(module, query)
    if kernel is not reference_varlen and query.dtype == torch.float32:
        from transformers.integrations.flash_attention import get_target_dtype

        target = get_target_dtype(query, module)  # autocast's dtype, as transformers' flash path casts
        query, key, value = (t.to(target) for t in (query, key, value))
    call = _planned(packed_spans, query.shape[0], query.device)
    out = kernel(
        query,
        key.index_select(0, call.keys),
        value.index_select(0, call.keys),
        **_kernel_arguments(kernel, call),
        dropout_p=dropout if module.training else 0.0,
        softmax_scale=scaling,
    )
    return out[None], None


def _kernel(module: Any, query: torch.Tensor) -> Any:
    """flash_attn_varlen_func on CUDA half precision (or fp32 under autocast) when installed, else the reference."""
    flash = flash_kernel_on(query.device)
    if flash and query.dtype == torch.float32:
        from transformers.integrations.flash_attention import get_target_dtype

        flash = get_target_dtype(query, module) not in (None, torch.float32)
    if not flash:
        if query.is_cuda:
            _warn_reference_on_cuda()
        return reference_varlen
    from flash_attn import flash_attn_varlen_func

    return flash_attn_varlen_func


@functools.cache
def _warn_reference_on_cuda() -> None:
    logger.warning(
        "%s on CUDA without flash_attn 2.1+ (or in fp32 without autocast): running the dense SDPA "
        "reference kernel, which is slow; install flash-attn and use bf16, or use sdpa attention",
        FLASH_VARLEN,
    )


def _kernel_arguments(kernel: Any, call: VarlenCall) -> dict[str, Any]:
    arguments: dict[str, Any] = {"cu_seqlens_q": call.cu_seqlens_q, "cu_seqlens_k": call.cu_seqlens_k}
    if kernel is not reference_varlen:
        arguments.update(max_seqlen_q=call.max_seqlen_q, max_seqlen_k=call.max_seqlen_k, causal=True)
    return arguments


# Every layer of one forward gets the same `packed_spans` object: plan once per forward, not per layer.
# Holding the object keeps its id from being reused while it is the key.
_last_plan: list[Any] = [None, None]


def _planned(packed_spans: Sequence[Sequence[Any]], length: int, device: torch.device) -> VarlenCall:
    key = (packed_spans, length, device)
    cached = _last_plan[0]
    if cached is None or cached[0] is not packed_spans or cached[1:] != key[1:]:
        _last_plan[:] = [key, plan_call(packed_spans, length, device)]
    return _last_plan[1]


def _unpacked_attention(module, query, key, value, attention_mask, dropout, scaling, **kwargs):
    """Transformers' flash-attention-2 forward on CUDA with flash_attn, its SDPA forward elsewhere."""
    if not flash_kernel_on(query.device):
        from transformers.integrations.sdpa_attention import sdpa_attention_forward

        return sdpa_attention_forward(
            module, query, key, value, attention_mask, dropout=dropout, scaling=scaling, **kwargs
        )
    from transformers.integrations.flash_attention import get_target_dtype
    from transformers.modeling_flash_attention_utils import _flash_attention_forward

    # transformers' flash_attention_forward picks its kernel by the config's implementation name,
    # which is ours here; this is the same call with the name it knows.
    is_causal = kwargs.pop("is_causal", None)
    out = _flash_attention_forward(
        query.transpose(1, 2), key.transpose(1, 2), value.transpose(1, 2), attention_mask,
        query_length=query.shape[2], dropout=dropout,
        is_causal=getattr(module, "is_causal", True) if is_causal is None else is_causal,
        softmax_scale=scaling, target_dtype=get_target_dtype(query, module),
        attn_implementation="flash_attention_2", **kwargs,
    )  # fmt: skip
    return out, None


def _mask(**kwargs: Any) -> Any:
    """The mask transformers builds for the path `_unpacked_attention` takes on the inputs' device."""
    from transformers.masking_utils import flash_attention_mask, sdpa_mask

    return (flash_attention_mask if flash_kernel_on(kwargs.get("device", "cpu")) else sdpa_mask)(**kwargs)


def use_flash_varlen(model: Any) -> None:
    """Register `prefdata_flash_varlen` with transformers and switch `model` to it.

    For models loaded with `attn_implementation="flash_attention_2"` (or SDPA on a machine without
    flash-attention, where the reference kernel runs); forward calls then take `packed_spans`.
    """
    from transformers import AttentionInterface
    from transformers.masking_utils import ALL_MASK_ATTENTION_FUNCTIONS

    AttentionInterface.register(FLASH_VARLEN, flash_varlen_attention)
    ALL_MASK_ATTENTION_FUNCTIONS.register(FLASH_VARLEN, _mask)
    model.config._attn_implementation = FLASH_VARLEN

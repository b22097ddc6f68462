"""Building canonical message-list columns (`list<struct<role, content>>`) from Arrow arrays.

A multi-turn arena row has its user turns in one list and each side's replies in another;
its canonical sides interleave them. Here every output message is named by an index into
one pool of texts (all the user turns, then all the replies), so each column costs one
`take`, whatever the turn counts.

| `--prompt` | prompt   | chosen (winner's replies W, user turns U)   |
| ---------- | -------- | ------------------------------------------- |
| explicit   | `[U1]`   | `[W1, U2, W2, ..., Un, Wn]`                 |
| implicit   | (none)   | `[U1, W1, U2, W2, ..., Un, Wn]`             |
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from prefdata._transforms.batch.arrays import from_numpy, indices, texts
from prefdata._transforms.batch.ranges import expand

_ROLES = texts(["user", "assistant"])
USER, ASSISTANT = 0, 1


def message_lists(pool: pa.Array, content: np.ndarray, roles: np.ndarray, counts: np.ndarray) -> pa.Array:
    """`list<struct<role, content>>` with `counts[i]` messages in row i, message k being
    `{role: ("user", "assistant")[roles[k]], content: pool[content[k]]}`."""
    messages = pa.StructArray.from_arrays(
        [_ROLES.take(from_numpy(roles)), pool.take(indices(content))], names=["role", "content"]
    )
    offsets = np.zeros(len(counts) + 1, dtype=np.int32)
    np.cumsum(counts, out=offsets[1:])
    return pa.ListArray.from_arrays(from_numpy(offsets), messages)


def interleaved(
    user: tuple[np.ndarray, np.ndarray],
    reply: tuple[np.ndarray, np.ndarray],
    turns: np.ndarray,
    *,
    with_first_user: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pool indices, roles and per-row counts of `U1?, W1, U2, W2, ..., Un, Wn`.

    Row i has `turns[i]` user turns, turn k at pool position `user[0][i] + k * user[1][i]`, and as
    many replies placed by `reply` the same way; without `with_first_user` its first user turn is
    left out.
    """
    skip = 0 if with_first_user else 1
    counts = 2 * turns - skip
    row, slot = expand(counts)
    slot += skip  # 0: U1, 1: W1, 2: U2, ...
    is_reply = slot % 2 == 1
    turn = slot // 2
    start = np.where(is_reply, reply[0][row], user[0][row])
    step = np.where(is_reply, reply[1][row], user[1][row])
    roles = np.where(is_reply, ASSISTANT, USER).astype(np.int8)
    return (start + turn * step).astype(np.int64), roles, counts

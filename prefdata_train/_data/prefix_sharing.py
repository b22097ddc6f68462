"""Prefix sharing: a group's common token prefix (its prompt) is run once, not once per sequence.

The sequences of a group (the chosen and rejected sides of a pair, or the k completions of one
prompt) start with the same prompt tokens. The unit of a group (see
`prefdata_train._data.packing`) is then one prefix segment and one suffix per sequence:

| segment          | tokens                  | position ids   | attends to                     |
| ---------------- | ----------------------- | -------------- | ------------------------------ |
| prefix           | ids[:p]                 | 0 .. p-1       | itself, causally               |
| suffix 1         | ids_1[p:]               | p .. n_1-1     | prefix, itself causally        |
| ...              |                         |                |                                |
| suffix k         | ids_k[p:]               | p .. n_k-1     | prefix, itself causally        |

A causal model's states on the prefix do not depend on what follows, so every token sees
exactly what it sees in its own sequence: the rewards are the same. The prefix is found on the
token ids the chat template or tokenizer produced for each full sequence, so a template that
renders the prompt differently when an answer follows cannot make it wrong; groups sharing no
token are packed as separate sequences (and counted by `SharingStats`).
"""

from __future__ import annotations

from collections import Counter

from prefdata_train._data.packing import Segment, Unit, group_unit
from prefdata_train._data.truncation import common_prefix


class SharingStats(Counter):
    """Pairs (groups) seen (`pairs`), packed without a shared prefix (`unshared`), and tokens saved (`saved_tokens`)."""


def shared_prefix_length(*sequences: list[int]) -> int:
    """Length of the prefix all `sequences` share, leaving each at least one token of its own.

    Each sequence's reward is read at its last token, which must sit in its own suffix. A single
    sequence shares nothing.
    """
    if len(sequences) < 2:
        return 0
    first = sequences[0]
    shared = min(common_prefix(first, other) for other in sequences[1:])
    return min(shared, *(len(ids) - 1 for ids in sequences))


def shared_group_unit(sequences: list[list[int]], stats: SharingStats | None = None) -> Unit:
    """The unit of a group with its common prefix run once (one plain segment a sequence when there is none).

    Saved tokens count the prefix once for each sequence beyond the first.
    """
    prefix = max(shared_prefix_length(*sequences), 0)
    if stats is not None:
        stats["pairs"] += 1
        stats["unshared"] += prefix == 0
        stats["saved_tokens"] += prefix * max(len(sequences) - 1, 0)
    if prefix == 0:
        return group_unit(sequences)
    segments = [Segment(list(sequences[0][:prefix]))]
    segments += [Segment(list(ids[prefix:]), start=prefix, parent=0) for ids in sequences]
    return Unit(segments, ends=list(range(1, len(segments))))


def shared_unit(chosen: list[int], rejected: list[int], stats: SharingStats | None = None) -> Unit:
    """The unit of a pair with its common prefix run once (two plain segments when there is none)."""
    return shared_group_unit([chosen, rejected], stats)

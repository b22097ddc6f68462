"""Prefix sharing: a pair's common token prefix (its prompt) is run once, not twice.

Chosen and rejected sequences of a pair start with the same prompt tokens. The unit of a pair
(see `prefdata_train._data.packing`) is then three segments:

| segment          | tokens                  | position ids   | attends to                     |
| ---------------- | ----------------------- | -------------- | ------------------------------ |
| prefix           | ids[:p]                 | 0 .. p-1       | itself, causally               |
| chosen suffix    | chosen_ids[p:]          | p .. c-1       | prefix, itself causally        |
| rejected suffix  | rejected_ids[p:]        | p .. r-1       | prefix, itself causally        |

A causal model's states on the prefix do not depend on what follows, so every token sees
exactly what it sees in its own sequence: the rewards are the same. The prefix is found on the
token ids the chat template or tokenizer produced for each full sequence, so a template that
renders the prompt differently when an answer follows cannot make it wrong; pairs sharing no
token are packed as two separate sequences (and counted by `SharingStats`).
"""

from __future__ import annotations

from collections import Counter

from prefdata_train._data.packing import Segment, Unit, pair_unit
from prefdata_train._data.truncation import common_prefix


class SharingStats(Counter):
    """Pairs seen (`pairs`), packed without a shared prefix (`unshared`), and tokens saved (`saved_tokens`)."""


def shared_prefix_length(chosen: list[int], rejected: list[int]) -> int:
    """Length of the common prefix, leaving each side at least one token of its own.

    Each side's reward is read at its last token, which must sit in its own suffix.
    """
    return min(common_prefix(chosen, rejected), len(chosen) - 1, len(rejected) - 1)


def shared_unit(chosen: list[int], rejected: list[int], stats: SharingStats | None = None) -> Unit:
    """The unit of a pair with its common prefix run once (two plain segments when there is none)."""
    prefix = max(shared_prefix_length(chosen, rejected), 0)
    if stats is not None:
        stats["pairs"] += 1
        stats["unshared"] += prefix == 0
        stats["saved_tokens"] += prefix
    if prefix == 0:
        return pair_unit(chosen, rejected)
    segments = [
        Segment(list(chosen[:prefix])),
        Segment(list(chosen[prefix:]), start=prefix, parent=0),
        Segment(list(rejected[prefix:]), start=prefix, parent=0),
    ]
    return Unit(segments, chosen=1, rejected=2)

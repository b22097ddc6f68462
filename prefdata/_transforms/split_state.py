"""What a split's earlier rows decide for its later ones, kept apart from the converter.

Arrow gives a column one type, so the first row out fixes a split's shape (explicit prompt or
not, text or message lists), each extra message key keeps the kind it first had, and the
template kwargs' type only widens. A `RowConverter` holds configuration only; this object,
created per split (or per chunk converted apart) and passed to it, holds these decisions and
the pairs dropped from rows that still gave others.

| decision      | set by                     | a chunk converted apart agrees when          |
| ------------- | -------------------------- | -------------------------------------------- |
| `shape`       | the first row out          | unset on either side, or equal               |
| `key_kinds`   | the first message with the key | each key both have is of one kind        |
| `kwargs_type` | every row with kwargs (widens) | unset on either side                     |
"""

from __future__ import annotations

import copy
from collections import Counter

import pyarrow as pa

from prefdata._transforms.message_parsing import ExtraKeyKinds

Shape = tuple[bool, bool]  # (explicit prompt, standard text)


class SplitState:
    """The decisions earlier rows of a split made, and the pairs dropped so far."""

    def __init__(self) -> None:
        self.shape: Shape | None = None
        self.kwargs_type: pa.DataType | None = None
        self.key_kinds = ExtraKeyKinds()
        self.pair_drops: Counter[str] = Counter()

    def snapshot(self) -> SplitState:
        """A copy of the decisions, with no pair drops: the state a chunk converted apart starts from."""
        state = SplitState()
        state.shape, state.kwargs_type = self.shape, self.kwargs_type
        state.key_kinds = copy.deepcopy(self.key_kinds)
        return state

    def agrees(self, later: SplitState) -> bool:
        """Whether a chunk that ended in `later`, started from an earlier snapshot of this state,
        converted its rows as it would have from this state (else it is converted again)."""
        if self.shape is not None and later.shape is not None and self.shape != later.shape:
            return False
        if self.kwargs_type is not None and later.kwargs_type is not None:
            return False  # widening depends on where it started: only one side may have seen kwargs
        mine, theirs = self.key_kinds.kinds, later.key_kinds.kinds
        return all(mine[key] == kind for key, kind in theirs.items() if key in mine)

    def adopt(self, later: SplitState) -> None:
        """Take the decisions of an agreeing chunk's state (the first decision of each kind stays)."""
        self.shape = self.shape or later.shape
        if self.kwargs_type is None:
            self.kwargs_type = later.kwargs_type
        for key, kind in later.key_kinds.kinds.items():
            self.key_kinds.kinds.setdefault(key, kind)

    def take_pair_drops(self) -> Counter[str]:
        """The pairs dropped since the last call (counted once, by whoever takes them)."""
        drops, self.pair_drops = self.pair_drops, Counter()
        return drops

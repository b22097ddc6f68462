"""Per-message arrays of a message-list column, shared by the structure checks."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from prefdata._transforms.turn_order import ROLE_CODES
from prefdata._validate.flatten import calls_text, offsets_of, regroup, text_field


@dataclass
class Messages:
    """The flattened messages of one column of a batch."""

    offsets: np.ndarray  # n + 1
    parents: np.ndarray  # row of each message
    roles: pa.Array
    content: pa.Array
    calls: pa.Array  # tool calls serialised, '' when none

    @classmethod
    def of(cls, lists: pa.Array) -> Messages:
        """Flatten a list-of-messages column."""
        flat = pc.list_flatten(lists)
        parents = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False).astype(np.int64)
        return cls(
            offsets_of(lists),
            parents,
            text_field(flat, "role"),
            text_field(flat, "content"),
            calls_text(flat),
        )

    def role_is(self, role: str) -> np.ndarray:
        """Boolean per message."""
        return pc.equal(self.roles, role).to_numpy(zero_copy_only=False)

    def codes(self) -> list[str]:
        """Each row's conversation as `turn_order` codes (`?` for an unknown role)."""
        known = pa.array(list(ROLE_CODES))
        code = pc.take(pa.array(list(ROLE_CODES.values()), pa.large_string()), pc.index_in(self.roles, known))
        calls = pc.greater(pc.binary_length(self.calls), 0)
        code = pc.if_else(pc.and_(pc.equal(code, "a"), calls), "c", pc.fill_null(code, "?"))
        return pc.fill_null(regroup(code, self.offsets, ""), "").to_pylist()  # type: ignore[no-any-return]

    def rows_with(self, mask: np.ndarray) -> np.ndarray:
        """Rows (sorted, unique) having at least one message where `mask` holds."""
        return np.unique(self.parents[mask])

    def first_where(self, mask: np.ndarray) -> np.ndarray:
        """Index of each row's first message where `mask` holds, -1 when none."""
        out = np.full(len(self.offsets) - 1, -1, dtype=np.int64)
        idx = np.flatnonzero(mask)
        rows, first = np.unique(self.parents[idx], return_index=True)
        out[rows] = idx[first]
        return out

    def empty_messages(self) -> np.ndarray:
        """Messages with no text and no tool calls."""
        blank = pc.equal(pc.utf8_length(pc.utf8_trim_whitespace(self.content)), 0)
        no_calls = pc.equal(pc.binary_length(self.calls), 0)
        return pc.and_(blank, no_calls).to_numpy(zero_copy_only=False)

    def empty_rows(self, among: np.ndarray | None = None) -> np.ndarray:
        """Rows with no messages, or a message (among those `among` marks) with no text and no tool calls."""
        bad = np.zeros(len(self.offsets) - 1, dtype=bool)
        bad[np.diff(self.offsets) == 0] = True
        empty = self.empty_messages() if among is None else self.empty_messages() & among
        bad[self.parents[empty]] = True
        return bad

    def last_message_mask(self) -> np.ndarray:
        """Boolean per message: it is the last of its row."""
        mask = np.zeros(len(self.parents), dtype=bool)
        sizes = np.diff(self.offsets)
        mask[(self.offsets[1:] - 1)[sizes > 0]] = True
        return mask

    def empty_turn_rows(self, role_mask: np.ndarray) -> np.ndarray:
        """Rows having an empty message among those `role_mask` marks (no-message rows excluded)."""
        bad = np.zeros(len(self.offsets) - 1, dtype=bool)
        bad[self.parents[self.empty_messages() & role_mask]] = True
        return bad

"""Prompts shared between a train split and an evaluation split (after whitespace normalisation).

A split's role comes from its name, by the keywords convert uses to name splits
(`prefdata._canonical_folder.split_role`): `train_prefs` is a train split, `test_prefs`, `dev`
and `eval` are evaluation splits.

Each row keeps one 64-bit hash of its normalised prompt. With an implicit prompt, the prompt
is the conversation minus its last message (conversational) or the longest common prefix of
chosen and rejected (standard text, the rule TRL's `extract_prompt` uses).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa
import xxhash

from prefdata._canonical_folder import TRAIN_SPLIT, split_role
from prefdata._validate.batch import BatchView
from prefdata._validate.batch_lookup import ViewOf
from prefdata._validate.checks.base import Check
from prefdata._validate.finding_sink import FindingSink
from prefdata._validate.flatten import without_last
from prefdata._validate.hashing import hash_strings, normalise_space
from prefdata._validate.prefix import byte_buffers, common_prefix_bytes

EMPTY = np.uint64(xxhash.xxh3_64_intdigest(b""))


class SplitLeakCheck(Check):
    """`splits.prompt_leak`."""

    def __init__(self, view_of: Callable[[str], ViewOf]) -> None:
        self.view_of = view_of
        self.pending: list[np.ndarray] = []
        self.hashes: dict[str, np.ndarray] = {}
        self.field = "prompt"

    def update(self, view: BatchView, sink: FindingSink) -> None:
        self.field = "prompt" if "prompt" in view.shape.sides else "chosen"
        self.pending.append(prompt_hashes(view))

    def end_split(self, split: str, sink: FindingSink) -> None:
        self.hashes[split] = np.concatenate(self.pending) if self.pending else np.zeros(0, np.uint64)
        self.pending = []

    def finish(self, sink: FindingSink) -> None:
        for train in (s for s in self.hashes if split_role(s) == TRAIN_SPLIT):
            seen, first = np.unique(self.hashes[train], return_index=True)
            for other in (s for s in self.hashes if split_role(s) not in (None, TRAIN_SPLIT)):
                hashes = self.hashes[other]
                leaked = np.flatnonzero(np.isin(hashes, seen) & (hashes != EMPTY))
                if not len(leaked):
                    continue
                # the first train row with each leaked prompt: the row to remove from train
                in_train = first[np.searchsorted(seen, hashes[leaked])]
                self._report(sink, train, other, leaked, in_train)

    def _report(
        self, sink: FindingSink, train: str, other: str, leaked: np.ndarray, in_train: np.ndarray
    ) -> None:
        """Count the evaluation rows; each example names the train row sharing its prompt."""
        code = "splits.prompt_leak"
        sink.mark_rows(code, other, leaked)
        wanted = sink.wants_examples(code)
        examples = []
        if wanted:
            shown, train_rows = leaked[:wanted], in_train[:wanted]
            eval_view, train_view = self.view_of(other)(shown), self.view_of(train)(train_rows)
            for row, train_row in zip(shown.tolist(), train_rows.tolist(), strict=True):
                at = int(np.searchsorted(train_view.rows, train_row))
                named = train_view.example(at, self.field).row
                ex = eval_view.example(int(np.searchsorted(eval_view.rows, row)), self.field)
                ex.excerpt = f"also {train} row {named} (remove it from {train}): {ex.excerpt}"
                examples.append(ex)
        sink.add(code, len(leaked), f"{train}->{other}", examples)


def prompt_hashes(view: BatchView) -> np.ndarray:
    """Hash of each row's whitespace-normalised prompt."""
    if "prompt" in view.shape.sides:
        return hash_strings(normalise_space(view.key("prompt")))
    if view.shape.format == "conversational":
        return hash_strings(normalise_space(without_last(view.side("chosen"))))
    return _common_prefix_hashes(view.key("chosen"), view.key("rejected"))


def _common_prefix_hashes(a: pa.Array, b: pa.Array) -> np.ndarray:
    lcp = common_prefix_bytes(a, b)
    offsets, data = byte_buffers(a)
    raw = data.tobytes()
    return np.fromiter(
        (
            xxhash.xxh3_64_intdigest(raw[o : o + n])
            for o, n in zip(offsets[:-1].tolist(), lcp.tolist(), strict=True)
        ),
        dtype=np.uint64,
        count=len(lcp),
    )

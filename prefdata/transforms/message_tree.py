"""OpenAssistant message trees: ranked sibling replies become preference pairs.

(Being written by a helper; the hook below is what `pairs.RowConverter` calls.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from prefdata.records.options import ConvertOptions
from prefdata.records.spec import MessageTree


@dataclass(frozen=True)
class TreePair:
    """One pair from a tree: the thread so far, the better and the worse reply."""

    prompt: list[dict[str, Any]]
    chosen: list[dict[str, Any]]
    rejected: list[dict[str, Any]]
    margin: float | None = None
    tie: str | None = None


def tree_pairs(row: dict[str, Any], pref: MessageTree, opts: ConvertOptions, key: str) -> list[TreePair]:
    """Every pair of one tree-export row."""
    raise NotImplementedError

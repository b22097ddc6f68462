"""OpenAssistant message trees: ranked sibling replies become preference pairs.

| structure | one row is                                         | read by                          |
| --------- | -------------------------------------------------- | -------------------------------- |
| `tree`    | one tree: `prompt` = root message, nested `replies` | `tree_pairs`                     |
| `flat`    | one message, linked to its parent by `parent_id`   | `assemble_flat`, then `tree_pairs` |

A message has `message_id`, `text`, `role` (`prompter` or `assistant`), `rank` (null, or
0 for the best among its siblings), `deleted` and `synthetic`. Every thread that ends in a
prompter message with two or more ranked assistant replies gives pairs: the thread is the
prompt (prompter -> user), the replies are ordered by rank and paired by `--pairing`.

Deleted and synthetic (machine-written) messages are skipped with everything below them:
a synthetic prompter message is never a prompt, and a tree whose root is synthetic gives
nothing. Unranked replies are never paired, but the threads below them are still read.
A reply whose role does not alternate with its parent's is skipped the same way.

A flat table cannot be read row by row, since a tree spans many rows: the caller gathers
the whole split and `assemble_flat` rebuilds the trees, so memory grows with the split for
this layout only.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from prefdata._transforms.drops import Drop
from prefdata._transforms.fields import number
from prefdata.records.options import ConvertOptions
from prefdata.records.spec import MessageTree

Message = dict[str, Any]
_ROLES = {"prompter": "user", "assistant": "assistant"}
_REPLY_ROLE = {"prompter": "assistant", "assistant": "prompter"}


@dataclass(frozen=True)
class TreePair:
    """One pair from a tree: the thread so far, the better and the worse reply."""

    prompt: list[dict[str, Any]]
    chosen: list[dict[str, Any]]
    rejected: list[dict[str, Any]]
    margin: float | None = None
    tie: str | None = None


@dataclass(frozen=True)
class _Ranked:
    """An assistant reply that can be paired: its rank and its place among its siblings."""

    rank: float
    position: int
    message: Message


def tree_pairs(row: dict[str, Any], pref: MessageTree, opts: ConvertOptions, key: str) -> list[TreePair]:
    """Every pair of one tree-shaped row, thread by thread in depth-first order.

    `key` seeds `best-random` pairing together with the prompter message's id, so a
    rerun picks the same partners. Raises `Drop` when the tree gives no pair.
    """
    root = _root(row)
    pairs: list[TreePair] = []
    for thread, replies in _ranked_threads(root):
        prompt = [_message(m) for m in thread]
        seed = key + str(thread[-1].get("message_id"))
        for better, worse in _pair(replies, opts.pairing, seed):
            tie = "tie" if better.rank == worse.rank else None
            pairs.append(
                TreePair(
                    prompt,
                    [_message(better.message)],
                    [_message(worse.message)],
                    margin=worse.rank - better.rank,
                    tie=tie,
                )
            )
    if not pairs:
        raise Drop("no_pairs", "no prompter message has two ranked, non-deleted, non-synthetic replies")
    return pairs


def _root(row: dict[str, Any]) -> Message:
    """The root message, or why the whole tree cannot be used."""
    root = row.get("prompt")
    if not isinstance(root, dict):
        raise Drop("bad_value", f"`prompt` is {type(root).__name__}, not the root message of a tree")
    if root.get("role") != "prompter":
        raise Drop("bad_value", f"the root message's role is {root.get('role')!r}, expected 'prompter'")
    if root.get("synthetic"):
        raise Drop("synthetic", "the root message is synthetic, so no thread of the tree is human-written")
    if root.get("deleted"):
        raise Drop("deleted", "the root message is deleted, so no thread of the tree can be used")
    return root


def _ranked_threads(root: Message) -> Iterator[tuple[list[Message], list[_Ranked]]]:
    """(thread ending in a prompter message, its rankable replies) for each prompter with two or more."""
    stack: list[list[Message]] = [[root]]  # an explicit stack: deep trees must not hit the recursion limit
    while stack:
        thread = stack.pop()
        node = thread[-1]
        replies = _usable_replies(node)
        if node["role"] == "prompter":
            ranked = [_Ranked(r, i, m) for i, m in enumerate(replies) if (r := _rank(m)) is not None]
            if len(ranked) >= 2:
                yield thread, sorted(ranked, key=lambda x: (x.rank, x.position))
        stack.extend([*thread, m] for m in reversed(replies))


def _usable_replies(node: Message) -> list[Message]:
    """Replies that are neither deleted nor synthetic and whose role follows the parent's."""
    expected = _REPLY_ROLE[node["role"]]
    return [
        m
        for m in node.get("replies") or []
        if isinstance(m, dict)
        and m.get("role") == expected
        and not m.get("deleted")
        and not m.get("synthetic")
    ]


def _rank(message: Message) -> float | None:
    value = number(message.get("rank"), "rank")
    return value if value is not None and math.isfinite(value) else None


def _pair(ranked: list[_Ranked], pairing: str, seed: str) -> list[tuple[_Ranked, _Ranked]]:
    """(better, worse) pairs from replies sorted best first; equal ranks make a tie pair."""
    best, worst = ranked[0], ranked[-1]
    if pairing == "best-worst":
        return [(best, worst)]
    if pairing == "best-random":
        lower = [r for r in ranked if r.rank > best.rank]
        # every reply tied with the best: the one pair left is a tie, as with best-worst
        return [(best, random.Random(seed).choice(lower) if lower else worst)]
    return [(a, b) for n, a in enumerate(ranked) for b in ranked[n + 1 :]]


def _message(m: Message) -> dict[str, Any]:
    return {"role": _ROLES[m["role"]], "content": m.get("text")}


def assemble_flat(rows: list[dict[str, Any]]) -> list[tuple[dict[str, Any], list[int]]]:
    """Rebuild tree-export rows from a flat message table (one message per row).

    Returns, for each root message (`parent_id` null) in order of appearance, a row shaped
    like the tree export (`message_tree_id`, `tree_state`, `prompt` = root with nested
    `replies`, siblings in row order) and the indices of the rows it was built from, in
    depth-first order, so the first index is the root's. A row reachable from no root
    (its parent is missing, it repeats an earlier `message_id`, or it has none) is in no
    tree; the caller reports it.
    """
    first: dict[Any, int] = {}
    for i, row in enumerate(rows):
        first.setdefault(row.get("message_id"), i)
    children: dict[Any, list[int]] = defaultdict(list)
    roots = []
    for i, row in enumerate(rows):
        if row.get("message_id") is None or first[row.get("message_id")] != i:
            continue  # a repeated or missing id: attaching it would make the tree ambiguous
        if row.get("parent_id") is None:
            roots.append(i)
        else:
            children[row["parent_id"]].append(i)
    return [_build_tree(rows, root, children) for root in roots]


def _build_tree(
    rows: list[dict[str, Any]], root: int, children: dict[Any, list[int]]
) -> tuple[dict[str, Any], list[int]]:
    """One tree-export row from the root's row index, and the row indices used, root first."""
    top: Message = {**rows[root], "replies": []}
    indices, stack = [], [(root, top)]
    while stack:
        index, message = stack.pop()
        indices.append(index)
        kids = [(i, {**rows[i], "replies": []}) for i in children.get(rows[index]["message_id"], [])]
        message["replies"] = [m for _, m in kids]
        stack.extend(reversed(kids))
    tree = {
        "message_tree_id": top.get("message_tree_id", top["message_id"]),
        "tree_state": top.get("tree_state"),
        "prompt": top,
    }
    return tree, indices

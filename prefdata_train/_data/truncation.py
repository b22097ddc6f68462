"""Length limits on tokenised pairs: drop long pairs (TRL's way) or truncate them, counting drops.

Every dropped row has a reason, and the counts are kept per dataset in a `DropCounter`:

| reason                        | when                                                           |
| ----------------------------- | -------------------------------------------------------------- |
| `too_long`                    | `truncation_mode="filter"`: chosen or rejected > max_length     |
| `identical_after_truncation`  | `keep_end_of_prompt`: both sides equal once truncated          |
| `tie`                         | the row's `tie` flag is true (no preference to learn from)      |
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from datasets import Dataset, IterableDataset

from prefdata._errors import PrefdataError
from prefdata_train._data.map_cache import map_kwargs, select_rows

TOO_LONG = "too_long"
IDENTICAL = "identical_after_truncation"
TIE = "tie"


class DropCounter(Counter):
    """Dropped rows of one dataset by reason. For a stream it fills up as the stream is read."""


# How to keep pairs that a reason drops, for the error raised when none is left.
KEEP_ADVICE = {
    TOO_LONG: "raise max_length (--max-length) or truncate instead (--truncation-mode keep_end_of_prompt)",
    IDENTICAL: "raise max_length (--max-length) so the answers still differ after truncation",
    TIE: "ties carry no preference to learn from; add pairs with a winner (`prefdata convert --ties drop`)",
}


def no_pairs_left(name: str, counter: DropCounter, max_length: int | None) -> PrefdataError:
    """The error for a dataset that has no pair left to train or evaluate on, saying why."""
    dropped = sum(counter.values())
    if not dropped:
        return PrefdataError(f"the {name} dataset has no rows", fix="pass a dataset with at least one pair")
    reasons = ", ".join(f"{reason}: {n}" for reason, n in sorted(counter.items()))
    limit = f"; max_length is {max_length}" if TOO_LONG in counter or IDENTICAL in counter else ""
    return PrefdataError(
        f"no pairs left in the {name} dataset: all {dropped} were dropped ({reasons}{limit})",
        fix="; ".join(KEEP_ADVICE[reason] for reason in sorted(counter) if reason in KEEP_ADVICE),
    )


def truncate_pair(
    chosen: list[int], rejected: list[int], max_length: int, prompt_length: int | None = None
) -> tuple[list[int], list[int]]:
    """Cut a pair to `max_length` tokens, keeping the end of the prompt and the start of each answer.

    The prompt is the prefix both sides share (capped at `prompt_length` when the prompt is
    explicit). It gives up its first tokens first, but keeps at least `max_length // 2` tokens
    (or all of it when shorter); the completions are then cut at their end to fit.

    >>> truncate_pair([1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 7], max_length=4, prompt_length=4)
    ([3, 4, 5, 6], [3, 4, 7])
    """
    if max(len(chosen), len(rejected)) <= max_length:
        return list(chosen), list(rejected)
    shared = common_prefix(chosen, rejected)
    prompt = shared if prompt_length is None else min(shared, prompt_length)
    longest_answer = max(len(chosen), len(rejected)) - prompt
    keep_prompt = min(prompt, max(max_length - longest_answer, max_length // 2))
    budget = max_length - keep_prompt
    head = list(chosen[prompt - keep_prompt : prompt])
    return head + list(chosen[prompt : prompt + budget]), head + list(rejected[prompt : prompt + budget])


def limit_lengths(
    dataset: Dataset | IterableDataset,
    max_length: int | None,
    mode: str,
    counter: DropCounter,
    num_proc: int | None = None,
) -> Dataset | IterableDataset:
    """Apply `mode` ("filter" or "keep_end_of_prompt") to pairs over `max_length`; count drops."""
    if max_length is not None and mode == "keep_end_of_prompt":
        dataset = dataset.map(
            _truncate_row,
            fn_kwargs={"max_length": max_length},
            **_kwargs(dataset, num_proc),
            **map_kwargs(dataset, "truncate", max_length),
        )
    truncated = max_length is not None and mode == "keep_end_of_prompt"
    if isinstance(dataset, IterableDataset):
        # A stream is read lazily: count as rows go by (one process reads it).
        return dataset.filter(lambda row: _keep(row, max_length, truncated, counter))
    reasons = dataset.map(
        lambda row: {"_drop": _reason(row, max_length, truncated)},
        remove_columns=dataset.column_names,  # only the reasons are read back
        **_kwargs(dataset, num_proc),
        **map_kwargs(dataset, "drop-reasons", max_length, truncated),
    )["_drop"]
    counter.update(r for r in reasons if r is not None)
    return select_rows(dataset, [i for i, r in enumerate(reasons) if r is None])


def _truncate_row(row: dict[str, Any], max_length: int) -> dict[str, Any]:
    chosen, rejected = truncate_pair(
        row["chosen_ids"], row["rejected_ids"], max_length, row.get("prompt_length")
    )
    return {"chosen_ids": chosen, "rejected_ids": rejected}


def _reason(row: dict[str, Any], max_length: int | None, truncated: bool) -> str | None:
    """Why `row` is dropped, or None to keep it (identical pairs count only when truncation made them)."""
    if row.get("tie"):
        return TIE
    if max_length is not None and max(len(row["chosen_ids"]), len(row["rejected_ids"])) > max_length:
        return TOO_LONG
    if truncated and list(row["chosen_ids"]) == list(row["rejected_ids"]):
        return IDENTICAL
    return None


def _keep(row: dict[str, Any], max_length: int | None, truncated: bool, counter: DropCounter) -> bool:
    reason = _reason(row, max_length, truncated)
    if reason is not None:
        counter[reason] += 1
    return reason is None


def _kwargs(dataset: Dataset | IterableDataset, num_proc: int | None) -> dict[str, Any]:
    return {"num_proc": num_proc} if isinstance(dataset, Dataset) else {}


def common_prefix(ids: list[int], other: list[int]) -> int:
    """Number of leading tokens two sequences share."""
    n = 0
    for a, b in zip(ids, other, strict=False):
        if a != b:
            break
        n += 1
    return n

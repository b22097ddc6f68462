"""Items of the list shapes (best-of-N, style lists) read from raw rows, with counted drops.

An item is kept whole or dropped whole: removing one completion from a best-of-N item would
make it easier, and from a style list would leave its matrix incomplete. Drop reasons:

| reason                  | when                                                                 |
| ----------------------- | -------------------------------------------------------------------- |
| `no_chosen`             | chosen is missing, not a list, or empty                              |
| `no_rejected`           | rejected is missing, not a list, or empty                            |
| `empty_response`        | a completion is null, blank text or an empty message list            |
| `bad_completion`        | a completion (or the prompt) is neither text nor a list of messages, |
|                         | or they mix the two (what the tokenizer could not read)              |
| `num_correct_mismatch`  | best-of-N: `num_correct` differs from the number of chosen           |
| `ties_id_unreadable`    | best-of-N, Ties subset: the id is not `ref:<n>` or `tied:<n>`        |
| `unequal_lists`         | style lists: chosen and rejected differ in length                    |
| `style_count_differs`   | style lists: the length differs from the set's (its most common one) |
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from prefdata._errors import PrefdataError
from prefdata_train._evaluation.best_of_n import is_ties, ties_id
from prefdata_train._evaluation.eval_shapes import is_messages

LIST_COLUMNS = ("prompt", "chosen", "rejected")
# What a drop reason means, for a message that names it (the table above, in short).
REASONS = {
    "no_chosen": "chosen missing, not a list, or empty",
    "no_rejected": "rejected missing, not a list, or empty",
    "empty_response": "a completion is null or blank",
    "bad_completion": "a completion or the prompt is neither text nor a list of messages, or they mix the two",
    "num_correct_mismatch": "num_correct differs from the number of chosen",
    "ties_id_unreadable": "a Ties id is not ref:<n> or tied:<n>",
    "unequal_lists": "chosen and rejected differ in length",
    "style_count_differs": "the number of styles differs from the set's",
}


@dataclass
class ListItems:
    """The kept items, in row order, and the count of each drop reason."""

    prompts: list[Any] = field(default_factory=list)
    completions: list[list[Any]] = field(default_factory=list)
    n_chosen: list[int] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    dropped: Counter[str] = field(default_factory=Counter)


def _empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, list) and not value


def _readable(prompt: Any, completions: list[Any]) -> bool:
    """All completions text and the prompt text or null, or all message lists and the prompt too (or null)."""
    if all(isinstance(c, str) for c in completions):
        return prompt is None or isinstance(prompt, str)
    if all(is_messages(c) for c in completions):
        return prompt is None or is_messages(prompt)
    return False


def _problem(row: dict[str, Any], shape: str, k: int | None) -> str | None:
    chosen, rejected = row.get("chosen"), row.get("rejected")
    if not isinstance(chosen, list) or not chosen:
        return "no_chosen"
    if not isinstance(rejected, list) or not rejected:
        return "no_rejected"
    if any(_empty(value) for value in (*chosen, *rejected)):
        return "empty_response"
    if not _readable(row.get("prompt"), [*chosen, *rejected]):
        return "bad_completion"
    if shape == "best-of-n":
        declared = row.get("num_correct")
        if declared is not None and declared != len(chosen):
            return "num_correct_mismatch"
        if is_ties(row.get("subset")) and ties_id(row.get("id")) is None:
            return "ties_id_unreadable"
        return None
    if len(chosen) != len(rejected):
        return "unequal_lists"
    return "style_count_differs" if len(chosen) != k else None


def style_count(rows: list[dict[str, Any]], where: str) -> int:
    """The number of styles k of a style-list set: the most common length of equal-length items."""
    lengths = Counter(
        len(r["chosen"])
        for r in rows
        if isinstance(r.get("chosen"), list)
        and isinstance(r.get("rejected"), list)
        and len(r["chosen"]) == len(r["rejected"])
    )
    k = max(lengths, key=lambda n: (lengths[n], -n)) if lengths else 0
    if k < 2:
        raise PrefdataError(
            f"style lists need at least 2 styles per side; the items have {k}",
            where=where,
            fix="evaluate single completions as pairs (leave --benchmark out)",
        )
    return k


def list_items(rows: list[dict[str, Any]], shape: str, where: str) -> ListItems:
    """Keep the rows that make valid items of `shape`; count every other one under its reason."""
    k = style_count(rows, where) if shape == "style-lists" else None
    items = ListItems()
    for index, row in enumerate(rows):
        reason = _problem(row, shape, k)
        if reason is not None:
            items.dropped[reason] += 1
            continue
        items.prompts.append(row.get("prompt"))
        items.completions.append([*row["chosen"], *row["rejected"]])
        items.n_chosen.append(len(row["chosen"]))
        items.rows.append(index)
    return items

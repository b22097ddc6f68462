"""One function per way a source encodes preference; each returns the pairs to build.

| encoding       | signal                                   | rule                                  |
| -------------- | ---------------------------------------- | ------------------------------------- |
| `paired`       | responses are [chosen, rejected]         | as given; equal scores are a tie      |
| `one_hot`      | a 0/1 column per response, tie columns   | the 1 wins                            |
| `label`        | a column naming the winner               | look the value up                     |
| `index`        | a column holding the winner's index      | pick by index (per axis)              |
| `signed`       | strength in -k..k                        | sign picks, size is margin, 0 ties    |
| `rank`         | a rank per response, lower better        | sort ascending, then pair             |
| `score`        | a score per response, higher better      | sort descending, then pair            |
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from prefdata._transforms.candidates import Example
from prefdata._transforms.domains import domain_value
from prefdata._transforms.drops import Drop
from prefdata._transforms.fields import get_path, number
from prefdata._transforms.message_parsing import is_empty
from prefdata.records.options import ConvertOptions
from prefdata.records.spec import Index, Label, OneHot, Paired, Preference, Rank, Score, Signed


@dataclass(frozen=True)
class Choice:
    """One pair to build: response indices, optional margin, and a tie kind when tied."""

    chosen: int
    rejected: int
    margin: float | None = None
    tie: str | None = None


def paired(
    row: dict[str, Any], pref: Paired, ex: Example | None, opts: ConvertOptions, key: str
) -> list[Choice]:
    tied = "tie" if pref.tie_column and _tie_flag(row, pref.tie_column) else None
    if not pref.scores:
        return [Choice(0, 1, tie=tied)]
    a, b = (number(get_path(row, c), c) for c in pref.scores)
    if a is None or b is None or not math.isfinite(a) or not math.isfinite(b):
        return [Choice(0, 1, tie=tied)]  # a NaN or infinite score says nothing: no margin
    if a < b:  # the row contradicts itself: which side is chosen cannot be trusted
        raise Drop(
            "label_out_of_domain",
            f"`{pref.scores[0]}` {a:g} is below `{pref.scores[1]}` {b:g}: the chosen response scored lower",
        )
    return [Choice(0, 1, a - b, "tie" if a == b else tied)]


def _tie_flag(row: dict[str, Any], column: str) -> bool:
    """A tie flag: true or false (absent or null: not flagged); anything else is not a flag."""
    value = get_path(row, column)
    if value is None or isinstance(value, bool):
        return bool(value)
    raise Drop("bad_value", f"`{column}` is {value!r}, expected true or false")


def one_hot(
    row: dict[str, Any], pref: OneHot, ex: Example | None, opts: ConvertOptions, key: str
) -> list[Choice]:
    for c in pref.tie_columns:
        if _flag(row, c):
            return [_TIE]
    winners = [i for i, c in enumerate(pref.columns) if _flag(row, c)]
    if len(winners) != 1:
        shown = {c: get_path(row, c) for c in pref.columns + pref.tie_columns}
        raise Drop("missing_preference", f"expected exactly one winner flag, got {shown}")
    return [Choice(winners[0], 1 - winners[0])]


_TIE = Choice(0, 1, tie="tie")  # frozen: one shared instance for every tied row
# True and 1 (and 1.0) hash and compare equal, as do False, 0 and 0.0.
_ON = frozenset([1, "1", "true", "True"])
_OFF = frozenset([0, "0", "false", "False", None])


def _flag(row: dict[str, Any], column: str) -> bool:
    value = get_path(row, column)
    try:
        if value in _ON:
            return True
        if value in _OFF:
            return False
    except TypeError:  # unhashable (a list, a dict): not a flag
        pass
    raise Drop("missing_preference", f"`{column}` is {value!r}, expected 0 or 1")


def label(
    row: dict[str, Any], pref: Label, ex: Example | None, opts: ConvertOptions, key: str
) -> list[Choice]:
    if pref.votes:
        return [majority(row, pref)]
    value = get_path(row, pref.column)
    text = str(value) if value is not None else None
    if text in pref.ties:
        return [Choice(0, 1, tie=pref.ties[text])]
    if text in pref.winners:
        winner = pref.winners[text]
        return [Choice(winner, 1 - winner)]
    known = sorted([*pref.winners, *pref.ties])
    raise Drop("missing_preference", f"`{pref.column}` is {value!r}, expected one of {known}")


def majority(row: dict[str, Any], pref: Label) -> Choice:
    """The annotators' majority: a response, or a tie when no response has more than half the votes."""
    counted: list[int | None] = []
    for column in pref.votes:
        value = get_path(row, column)
        text = str(value) if value is not None else None
        if text in pref.winners:
            counted.append(pref.winners[text])
        elif text in pref.ties:
            counted.append(None)
    if not counted:
        shown = {c: get_path(row, c) for c in pref.votes}
        raise Drop("missing_preference", f"no readable vote among {shown}")
    for winner in (0, 1):
        if 2 * counted.count(winner) > len(counted):
            return Choice(winner, 1 - winner)
    return Choice(0, 1, tie="tie")


def index(
    row: dict[str, Any], pref: Index, ex: Example | None, opts: ConvertOptions, key: str
) -> list[Choice]:
    column = pref.axes[opts.axis or pref.default_axis]
    value = get_path(row, column)
    if pref.domain is not None:
        checked = domain_value(value, pref.domain, column)
        value = None if checked is None else int(checked)  # in an integer domain: 1.0 reads as 1
    if value is None:
        raise Drop("missing_preference", f"`{column}` is {get_path(row, column)!r}")
    if pref.values:
        winner = pref.values.get(str(value))
        if winner is None:
            raise Drop(
                "missing_preference", f"`{column}` is {value!r}, expected one of {sorted(pref.values)}"
            )
        return [Choice(winner, 1 - winner)]
    index = _whole(value)
    if index not in (0, 1):  # the value is the index itself: anything but 0 or 1 names no response
        raise Drop("label_out_of_domain", f"`{column}` is {value!r:.60}; expected the response index 0 or 1")
    return [Choice(index, 1 - index)]


def _whole(value: Any) -> int | None:
    """An int, or an exactly integral float, as an int; None for anything else (text, booleans)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        return None
    return int(value)


def signed(
    row: dict[str, Any], pref: Signed, ex: Example | None, opts: ConvertOptions, key: str
) -> list[Choice]:
    raw = get_path(row, pref.column)
    value = number(raw, pref.column) if pref.domain is None else domain_value(raw, pref.domain, pref.column)
    if value is None or not math.isfinite(value):
        raise Drop("missing_preference", f"`{pref.column}` is {get_path(row, pref.column)!r}")
    value -= pref.center  # 0.0 for every built-in: their values and margins are unchanged
    if value == 0:
        return [Choice(0, 1, 0.0, tie="tie")]
    winner = pref.negative_prefers if value < 0 else 1 - pref.negative_prefers
    return [Choice(winner, 1 - winner, abs(value))]


def rank(row: dict[str, Any], pref: Rank, ex: Example, opts: ConvertOptions, key: str) -> list[Choice]:
    if pref.domain is not None:
        ranks = _ranks_in_domain(row, pref, ex)
    elif pref.columns:
        ranks = _column_numbers(row, pref.columns)
    else:
        ranks = [_item_number(ex, i, pref.field, []) for i in range(len(ex.responses))]
    return pair_by_value(ex, [-r if r is not None else None for r in ranks], opts, key)


def _ranks_in_domain(row: dict[str, Any], pref: Rank, ex: Example) -> list[float | None]:
    """Every response's rank, checked against the domain: one rank outside it drops the row."""
    n = len(ex.responses)
    assert pref.domain is not None
    if pref.columns:
        return [domain_value(get_path(row, c), pref.domain, c, n) for c in pref.columns]
    items = ex.items or [None] * n
    where = [f"{pref.field}` of response `{i}" for i in range(n)]
    return [
        domain_value(get_path(it, pref.field), pref.domain, w, n) for it, w in zip(items, where, strict=True)
    ]


def score(row: dict[str, Any], pref: Score, ex: Example, opts: ConvertOptions, key: str) -> list[Choice]:
    if pref.columns:
        scores = _column_numbers(row, pref.columns)
    else:
        scores = [_item_number(ex, i, pref.field, pref.fallback_fields) for i in range(len(ex.responses))]
    return pair_by_value(ex, scores, opts, key)


def _column_numbers(row: dict[str, Any], columns: list[str]) -> list[float | None]:
    """One number per fixed response column (null, non-finite or 'N/A' text: None)."""
    values = [number(get_path(row, c), c) for c in columns]
    return [v if v is not None and math.isfinite(v) else None for v in values]


def _item_number(ex: Example, i: int, path: str, fallback: list[str]) -> float | None:
    item = ex.items[i] if ex.items else None
    value = number(get_path(item, path), path)
    if (value is None or not math.isfinite(value)) and fallback:
        parts = [number(get_path(item, f), f) for f in fallback]
        finite = [p for p in parts if p is not None and math.isfinite(p)]
        value = sum(finite) / len(finite) if finite else None
    return value if value is not None and math.isfinite(value) else None


def pair_by_value(ex: Example, values: list[float | None], opts: ConvertOptions, key: str) -> list[Choice]:
    """Pairs from per-response values where higher is better, by the pairing policy."""
    usable = [(v, i) for i, v in enumerate(values) if v is not None and _has_text(ex, i, opts)]
    if len(usable) < 2:
        raise Drop("fewer_than_two_responses", f"{len(usable)} usable of {len(values)}")
    usable.sort(key=lambda t: (-t[0], t[1]))
    (best, bi), (worst, wi) = usable[0], usable[-1]
    if opts.pairing == "best-worst":
        return [Choice(bi, wi, best - worst, "tie" if best == worst else None)]
    if opts.pairing == "best-random":
        lower = [(v, i) for v, i in usable if v < best]
        if not lower:
            return [Choice(bi, wi, 0.0, "tie")]
        v, i = random.Random(key).choice(lower)
        return [Choice(bi, i, best - v)]
    return [
        Choice(i, j, vi - vj, "tie" if vi == vj else None)
        for n, (vi, i) in enumerate(usable)
        for vj, j in usable[n + 1 :]
    ]


def _has_text(ex: Example, i: int, opts: ConvertOptions) -> bool:
    if ex.raw is not None:
        return isinstance(ex.raw[i], str) and bool(ex.raw[i].strip())
    reply = ex.responses[i]
    if reply is None:
        return False
    # an empty candidate is skipped before pairing: picked as "worst", it would drop the whole row
    return opts.empty != "drop" or (bool(reply) and not any(is_empty(m) for m in reply))


def gives_margin(pref: Preference) -> bool:
    """Whether an encoding carries a strength for each pair (scores, signed strength, ranks).

    One-hot flags, winner labels, indices and bare pairs say which response won, not by how much.
    """
    if isinstance(pref, Paired):
        return bool(pref.scores)
    return not isinstance(pref, (OneHot, Label, Index))


# every encoder: (row, preference spec, example or None, options, seed key) -> pairs to build
Encoder = Callable[[dict[str, Any], Any, Any, ConvertOptions, str], list[Choice]]

ENCODERS: dict[str, Encoder] = {
    "paired": paired,
    "one_hot": one_hot,
    "label": label,
    "index": index,
    "signed": signed,
    "rank": rank,
    "score": score,
}

"""Reading arena-style JSON turn lists (a list of user turns, and one list of replies per side) by batch.

A row is *clean* when the row path would keep it with nothing to say, which is when it is
sure what that path gives: every value decodes to a list of strings, the three lists have
the same length (at least one turn), no turn is null, no reply is empty or blank, the first
user turn is not empty or blank, and the two sides' first replies differ (so the shared
prompt is exactly the first user turn). Every other row is left to the row path.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from prefdata._transforms.batch.arrays import indices, text_bytes, to_bools, valid
from prefdata._transforms.batch.json_lists import Lists, decode
from prefdata._transforms.batch.ranges import expand

# Every character for which `str.isspace()` is true (a test checks the list against Python's).
SPACE_CODES = [*range(0x09, 0x0E), *range(0x1C, 0x21), 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B)]
SPACE_CODES += [0x2028, 0x2029, 0x202F, 0x205F, 0x3000]
# The UTF-8 first bytes of those characters: a text starting with any other byte is not blank.
_SPACE_LEADS = np.zeros(256, dtype=bool)
_SPACE_LEADS[[chr(c).encode()[0] for c in SPACE_CODES]] = True
_SPACE_TEXT = "".join(chr(c) for c in SPACE_CODES)
_HEAD = 64  # characters of a text that may start blank looked at in Arrow
_MAX_POOL = 2**31 - 1  # bytes of text one batch may hold (32-bit string offsets)


@dataclass
class Turns:
    """The clean rows of a batch; element k of a row's turns lies at `pool[start + k * step]`."""

    rows: np.ndarray  # batch row numbers, ascending
    pool: pa.Array
    user: tuple[np.ndarray, np.ndarray]  # (start, step) of each clean row's user turns
    replies: tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]  # the same, per side
    turns: np.ndarray  # user turns (= replies per side) of each clean row


def read_turns(columns: list[pa.Array], candidates: np.ndarray) -> Turns | None:
    """The clean rows among `candidates` (a row mask) of [user turns, replies A, replies B]; None when
    the batch's text is too large for one pool."""
    rows = np.flatnonzero(candidates)
    lists = []
    for column in columns:
        decoded = decode(column, rows)
        lists.append(decoded)
        rows = decoded.rows  # a row not decoded in one column is not clean: skip it in the others
    if sum(lst.pool.nbytes for lst in lists) > _MAX_POOL:
        return None
    parts = [_pick(lst, rows) for lst in lists]
    length = parts[0][2]
    clean = (length > 0) & (parts[1][2] == length) & (parts[2][2] == length)
    for i, (lst, (start, step, count)) in enumerate(zip(lists, parts, strict=True)):
        row, k = expand(np.where(clean, count, 0))
        elements = start[row] + k * step[row]
        flagged = _null_at(lst.pool, elements)
        if i > 0:
            flagged |= _blank_at(lst.pool, elements)  # replies
        clean[row[flagged]] = False
    keep = np.flatnonzero(clean)
    keep = keep[~_blank_at(lists[0].pool, parts[0][0][keep])]  # the first user turn
    keep = keep[_differ(lists[1].pool, lists[2].pool, parts[1][0][keep], parts[2][0][keep])]
    base = np.cumsum([0] + [len(lst.pool) for lst in lists[:-1]])
    pool = pa.concat_arrays([lst.pool for lst in lists])
    where = [(base[i] + start[keep], step[keep]) for i, (start, step, _) in enumerate(parts)]
    return Turns(rows=rows[keep], pool=pool, user=where[0], replies=(where[1], where[2]), turns=length[keep])


def _pick(lists: Lists, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(start, step, length) of `rows`, which are all among `lists.rows`."""
    at = np.searchsorted(lists.rows, rows)
    return lists.start[at], lists.step[at], lists.length[at]


def _null_at(pool: pa.Array, elements: np.ndarray) -> np.ndarray:
    if not pool.null_count or not len(elements):
        return np.zeros(len(elements), dtype=bool)
    return ~valid(pool)[elements]


def _blank_at(pool: pa.Array, elements: np.ndarray) -> np.ndarray:
    """Which of `pool[elements]` are empty or only whitespace (`not t or t.isspace()`); null is not blank.

    Most texts start with a character that is not a space: decided from their first byte. The
    others are decided from their first `_HEAD` characters with the spaces trimmed, and only a
    text longer than that and all spaces so far goes to Python.
    """
    if not len(elements):
        return np.zeros(0, dtype=bool)
    offsets, data = text_bytes(pool)
    begin, end = offsets[elements], offsets[elements + 1]
    maybe = begin == end
    has_text = ~maybe
    maybe[has_text] = _SPACE_LEADS[data[begin[has_text]]]
    out = np.zeros(len(elements), dtype=bool)
    which = np.flatnonzero(maybe)
    if not len(which):
        return out
    at = elements[which]
    heads = pc.utf8_slice_codeunits(pool.take(indices(at)), 0, _HEAD)
    rest, _ = text_bytes(pc.utf8_ltrim(heads, _SPACE_TEXT))
    blank_head = np.diff(rest) == 0  # nothing left: blank, if the head was the whole text
    head_sizes = np.diff(text_bytes(heads)[0])
    whole = head_sizes == (end - begin)[which]
    out[which] = blank_head & whole & valid(heads)
    for i in which[blank_head & ~whole]:  # 64 spaces and more text: rare, decided as the row path does
        text = pool[int(elements[i])].as_py()
        out[i] = not text or text.isspace()
    return out


def _differ(a: pa.Array, b: pa.Array, at_a: np.ndarray, at_b: np.ndarray) -> np.ndarray:
    """`a[at_a] != b[at_b]`, element by element (texts of different sizes differ at once)."""
    oa, _ = text_bytes(a)
    ob, _ = text_bytes(b)
    out = np.ones(len(at_a), dtype=bool)
    check = np.flatnonzero(oa[at_a + 1] - oa[at_a] == ob[at_b + 1] - ob[at_b])
    if len(check):
        out[check] = ~to_bools(pc.equal(a.take(indices(at_a[check])), b.take(indices(at_b[check]))))
    return out

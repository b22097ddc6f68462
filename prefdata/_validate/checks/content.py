"""Content checks on each pair: empty, identical, prefix, length ratio, garbage characters."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from prefdata._validate.batch import BatchView
from prefdata._validate.checks.base import Check
from prefdata._validate.finding_sink import FindingSink
from prefdata._validate.prefix import byte_buffers, strict_prefix

# A pair is flagged when the longer response is at least RATIO times the shorter one and at
# least MIN_CHARS long: "Yes." against a paragraph is common and fine, 20x at length is not.
RATIO = 20.0
MIN_CHARS = 200
GARBAGE = ("\ufffd", "\x00")


class ContentCheck(Check):
    """`content.empty`, `content.empty_prompt`, `content.identical`, `content.prefix`,
    `content.length_ratio`, `content.garbage`."""

    def update(self, view: BatchView, sink: FindingSink) -> None:
        empty = self._empty(view, sink)
        identical = pc.equal(view.key("chosen"), view.key("rejected")).to_numpy(zero_copy_only=False)
        sink.add_rows(
            "content.identical",
            view,
            np.flatnonzero(identical).tolist(),
            lambda i: view.example(i, "chosen"),
        )
        # an empty reply is `content.empty`; calling it a prefix of the other too would count it twice
        prefix = strict_prefix(view.key("chosen"), view.key("rejected")) & ~empty
        sink.add_rows(
            "content.prefix",
            view,
            np.flatnonzero(prefix).tolist(),
            lambda i: view.example(i, _shorter(view, i), _prefix_text(view, i)),
        )
        self._ratio(view, sink)
        self._garbage(view, sink)

    def _empty(self, view: BatchView, sink: FindingSink) -> np.ndarray:
        """Report empty responses and prompt turns; return the rows with an empty response."""
        empty = {side: _empty_rows(view, side) for side in view.shape.sides}
        either = empty["chosen"] | empty["rejected"]
        sink.add_rows(
            "content.empty",
            view,
            np.flatnonzero(either).tolist(),
            lambda i: view.example(i, "chosen" if empty["chosen"][i] else "rejected"),
        )
        # an empty user/system turn inside a completion (implicit prompts, multi-turn replies) is an
        # empty prompt turn, as it is in an explicit prompt, not an empty response
        asking = {side: _empty_user_turns(view, side) for side in ("chosen", "rejected")}
        if "prompt" in empty:
            asking = {"prompt": empty["prompt"], **asking}
        rows = np.logical_or.reduce(list(asking.values()))
        sink.add_rows(
            "content.empty_prompt",
            view,
            np.flatnonzero(rows).tolist(),
            lambda i: view.example(i, next(side for side, hit in asking.items() if hit[i])),
        )
        return either

    def _ratio(self, view: BatchView, sink: FindingSink) -> None:
        c, r = view.char_lengths("chosen"), view.char_lengths("rejected")
        short, long = np.minimum(c, r), np.maximum(c, r)
        bad = (short > 0) & (long >= MIN_CHARS) & (long >= RATIO * short)
        sink.add_rows(
            "content.length_ratio",
            view,
            np.flatnonzero(bad).tolist(),
            lambda i: view.example(i, _shorter(view, i), f"{c[i]} vs {r[i]} characters"),
        )

    def _garbage(self, view: BatchView, sink: FindingSink) -> None:
        hits = {side: _has_garbage(view.key(side)) for side in view.shape.sides}
        rows = np.flatnonzero(np.logical_or.reduce(list(hits.values()))).tolist()
        sink.add_rows("content.garbage", view, rows, lambda i: _garbage_example(view, hits, i))


def _conversational(view: BatchView, side: str) -> bool:
    return view.shape.format == "conversational" and not pa.types.is_null(view.side(side).type)


def _empty_rows(view: BatchView, side: str) -> np.ndarray:
    if _conversational(view, side):
        messages = view.messages(side)
        if side == "prompt":
            return messages.empty_rows()
        # explicit prompt: every reply of the completion counts (user turns: see _empty);
        # implicit: the history is prompt, so only the final reply is the response
        replies = ~_asking(messages) if "prompt" in view.shape.sides else messages.last_message_mask()
        return messages.empty_rows(replies)
    blank = pc.utf8_length(pc.utf8_trim_whitespace(view.content(side)))
    return pc.equal(blank, 0).to_numpy(zero_copy_only=False)


def _has_garbage(values: pa.Array) -> np.ndarray:
    """Rows containing a NUL byte or U+FFFD (EF BF BD), found on the raw UTF-8 buffer at once."""
    offsets, data = byte_buffers(values)
    found = np.zeros(len(values), dtype=bool)
    hits = np.flatnonzero(data == 0)
    lead = np.flatnonzero(data[:-2] == 0xEF) if len(data) > 2 else np.zeros(0, np.int64)
    lead = lead[(data[lead + 1] == 0xBF) & (data[lead + 2] == 0xBD)]
    for at in (hits, lead):
        rows = np.searchsorted(offsets, at, side="right") - 1
        found[rows[(rows >= 0) & (rows < len(values))]] = True
    return found


def _shorter(view: BatchView, i: int) -> str:
    c, r = view.content("chosen")[i].as_py(), view.content("rejected")[i].as_py()
    return "chosen" if len(c) <= len(r) else "rejected"


def _prefix_text(view: BatchView, i: int) -> str:
    side = _shorter(view, i)
    other = "rejected" if side == "chosen" else "chosen"
    short, long = view.content(side)[i].as_py(), view.content(other)[i].as_py()
    return (
        f"{side} ({len(short)} chars) stops where {other} goes on: …{short[-30:]}|{long[len(short) :][:30]}…"
    )


def _garbage_example(view: BatchView, hits: dict[str, np.ndarray], i: int):  # type: ignore[no-untyped-def]
    side = next(s for s, h in hits.items() if h[i])
    text = view.key(side)[i].as_py()
    at = min((text.find(g) for g in GARBAGE if g in text), default=0)
    return view.example(i, side, text[max(0, at - 30) : at + 30])


def _asking(messages) -> np.ndarray:
    return messages.role_is("user") | messages.role_is("system")


def _empty_user_turns(view: BatchView, side: str) -> np.ndarray:
    """Rows with an empty turn that belongs to the prompt: a user/system turn, or (implicit
    prompts) any turn before the final reply."""
    if not _conversational(view, side):
        return np.zeros(len(view), dtype=bool)
    messages = view.messages(side)
    history = _asking(messages) if "prompt" in view.shape.sides else ~messages.last_message_mask()
    return messages.empty_turn_rows(history)

"""Where checks put what they find: a count, a breakdown and the first few examples per code."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

import numpy as np

from prefdata._validate.affected import AffectedRows
from prefdata._validate.codes import CHECKS, SEVERITY_RANK
from prefdata._validate.report import Example, Finding

MAX_EXAMPLES = 5
# Control characters, NUL and U+FFFD are shown escaped (`\x00`, `\ufffd`); other text as is.
_VISIBLE = {c: f"\\x{c:02x}" for c in range(32)} | {0x7F: "\\x7f", 0xFFFD: "\\ufffd", 0x0A: "\\n"}
EXCERPT_CHARS = 80


def excerpt(value: object, limit: int = EXCERPT_CHARS) -> str:
    """A short, single-line, escaped excerpt of a value (NULs and control characters visible)."""
    text = value if isinstance(value, str) else repr(value)
    if not text:
        return "(empty)"
    shown = text.translate(_VISIBLE)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


class RowsOf(Protocol):
    """What `add_rows` needs of a batch view: its split and the split rows of its local rows."""

    split: str
    rows: np.ndarray


class FindingSink:
    """Accumulates findings per check code across batches and splits, and which rows they hit."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.breakdown: dict[str, dict[str, int]] = {}
        self.examples: dict[str, list[Example]] = {}
        self.affected = AffectedRows()

    def add(self, code: str, count: int, key: str, examples: Iterable[Example] = ()) -> None:
        """Add `count` occurrences of `code` under breakdown `key` (a split or split pair)."""
        if code not in CHECKS:
            raise KeyError(f"unknown check code {code!r}")
        if count <= 0:
            return
        self.counts[code] = self.counts.get(code, 0) + count
        per = self.breakdown.setdefault(code, {})
        per[key] = per.get(key, 0) + count
        kept = self.examples.setdefault(code, [])
        for ex in examples:
            if len(kept) >= MAX_EXAMPLES:
                break
            kept.append(ex)

    def wants_examples(self, code: str) -> int:
        """How many more examples `code` can keep."""
        return MAX_EXAMPLES - len(self.examples.get(code, []))

    def add_example(self, code: str, example: Example) -> None:
        """Keep one more example for `code` (counted already) while it has room for one."""
        if self.wants_examples(code) > 0:
            self.examples.setdefault(code, []).append(example)

    def add_rows(
        self, code: str, where: RowsOf | str, rows: list[int], make: Callable[[int], Example]
    ) -> None:
        """Add offending rows (local indices of the view `where`); `make` builds an Example for the
        first few. Given a view, the rows also count towards the distinct rows per severity;
        given only a split name (older callers), they are counted as findings only."""
        split = where if isinstance(where, str) else where.split
        if not isinstance(where, str) and rows:
            self.mark_rows(code, split, where.rows[np.asarray(rows, dtype=np.int64)])
        self.add(code, len(rows), split, (make(i) for i in rows[: self.wants_examples(code)]))

    def mark_rows(self, code: str, split: str, rows: np.ndarray) -> None:
        """Note the 0-based rows of `split` that `code` found (for the distinct-row totals)."""
        self.affected.data(CHECKS[code].severity, split, rows)

    def mark_dropped(self, code: str, split: str, source_rows: Iterable[int] = (), count: int = 0) -> None:
        """Note input rows the converter dropped, by source row or (rows not listed) by count."""
        self.affected.dropped(CHECKS[code].severity, split, source_rows, count)

    def findings(self) -> list[Finding]:
        """The findings, worst severity first, then by code."""
        out = [
            Finding(
                code=code,
                severity=CHECKS[code].severity,
                title=CHECKS[code].title,
                count=n,
                examples=self.examples.get(code, []),
                breakdown=self.breakdown.get(code, {}),
            )
            for code, n in self.counts.items()
        ]
        return sorted(out, key=lambda f: (-SEVERITY_RANK[f.severity], f.code))

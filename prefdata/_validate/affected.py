"""Distinct rows with a finding, per severity: what a user counts ("2 errors in 7 rows").

A row with three problems is one row. Rows are counted in the data that was validated, except
for a raw source, where a user counts source rows: several pairs from one source row (oasst
trees, `--pairing all-pairs`) are one row, and rows the converter dropped are named by their
source row too. Drops a convert output's manifest records are known only by count; each is one
input row with one reason, so counts add up.

Memory: 8 bytes per finding row, deduplicated as it grows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from prefdata._validate.codes import Severity

_COMPACT_AT = 1 << 20  # ids held before deduplicating a list in place

SourceOf = Callable[[str, np.ndarray], np.ndarray]


class AffectedRows:
    """Row ids per (severity, split): data rows, dropped source rows, and drops known by count."""

    def __init__(self) -> None:
        self._data: dict[tuple[Severity, str], list[np.ndarray]] = {}
        self._source: dict[tuple[Severity, str], list[np.ndarray]] = {}
        self._counted: dict[Severity, int] = {}

    def data(self, severity: Severity, split: str, rows: np.ndarray) -> None:
        """Rows (0-based, of the validated split) with a finding at `severity`."""
        _append(self._data.setdefault((severity, split), []), np.asarray(rows, dtype=np.int64))

    def dropped(self, severity: Severity, split: str, source_rows: Iterable[int], count: int = 0) -> None:
        """Dropped input rows: by source row, plus `count` rows known only by their number."""
        ids = np.fromiter(source_rows, dtype=np.int64)
        if len(ids):
            _append(self._source.setdefault((severity, split), []), ids)
        self._counted[severity] = self._counted.get(severity, 0) + count

    def totals(self, source_of: SourceOf | None = None) -> dict[Severity, int]:
        """Distinct rows per severity. With `source_of` (raw sources) data rows are first mapped
        to source rows, so they and the dropped rows are counted in one space."""
        out: dict[Severity, int] = dict(self._counted)
        for key in set(self._data) | set(self._source):
            severity, split = key
            data = _unique(self._data.get(key, []))
            source = _unique(self._source.get(key, []))
            # without `source_of`, data rows and dropped rows are different rows: they add up
            n = len(np.union1d(source_of(split, data), source)) if source_of else len(data) + len(source)
            out[severity] = out.get(severity, 0) + n
        return {s: n for s, n in out.items() if n}


def _append(parts: list[np.ndarray], ids: np.ndarray) -> None:
    parts.append(ids)
    # parts[0] is the deduplicated set after a compaction: compact again once the rest doubles it
    if sum(len(p) for p in parts) > max(_COMPACT_AT, 2 * len(parts[0])):
        parts[:] = [_unique(parts)]


def _unique(parts: list[np.ndarray]) -> np.ndarray:
    return np.unique(np.concatenate(parts)) if parts else np.zeros(0, np.int64)

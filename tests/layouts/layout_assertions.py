"""Shared checks for the per-layout tests: convert a fixture, read its rows, check the accounting.

Each layout test converts its fixture from `tests/fixtures/layouts/<layout>.jsonl` in memory and
asserts exact canonical rows. The accounting check is the contract every layout must keep:
each input row is either the `source_row` of one or more output rows or in the rejects, never
both and never neither, and the manifest's counts agree with both.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from layout_checks import assert_accounted, reject_reasons

import prefdata
from prefdata import ConvertOptions, ConvertResult

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "layouts"


def fixture(layout: str) -> Path:
    """Path of a layout's fixture file."""
    return FIXTURES / f"{layout}.jsonl"


def fixture_rows(layout: str) -> int:
    """Number of rows in a layout's fixture."""
    return sum(1 for line in fixture(layout).read_text(encoding="utf-8").splitlines() if line.strip())


def convert(layout: str, **options: Any) -> ConvertResult:
    """Convert a layout's fixture in memory with the given options (detection picks the spec)."""
    return prefdata.convert(fixture(layout), options=ConvertOptions(**options))


def by_row(result: ConvertResult, split: str = "train") -> dict[int, list[dict[str, Any]]]:
    """Output rows grouped by their `source_row`."""
    out: dict[int, list[dict[str, Any]]] = {}
    for row in result.dataset[split]:
        out.setdefault(row["source_row"], []).append(row)
    return out


def one(result: ConvertResult, source_row: int, split: str = "train") -> dict[str, Any]:
    """The single output row made from `source_row`."""
    rows = by_row(result, split)[source_row]
    assert len(rows) == 1, f"row {source_row} gave {len(rows)} output rows"
    return rows[0]


dropped = reject_reasons  # source_row -> reason of the rejected rows


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


def assistant(text: str) -> dict[str, Any]:
    return {"role": "assistant", "content": text}


def system(text: str) -> dict[str, Any]:
    return {"role": "system", "content": text}


def assert_pair(row: dict[str, Any], prompt: list[dict], chosen: list[dict], rejected: list[dict]) -> None:
    """The row's prompt/chosen/rejected are exactly these message lists."""
    assert row["prompt"] == prompt
    assert row["chosen"] == chosen
    assert row["rejected"] == rejected


def assert_accounting(result: ConvertResult, rows_in: dict[str, int]) -> None:
    """The accounting invariant (see `assert_accounted`), with the expected input rows per split."""
    assert {split: report.rows_in for split, report in result.manifest.splits.items()} == rows_in
    assert_accounted(result)

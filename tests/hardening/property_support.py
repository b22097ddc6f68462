"""What the property tests share: text and option strategies, tool-call replies, the checks.

`check_all` is the property every layout must have: conversion never raises, every input row
is used or rejected exactly once (manifest counts agreeing), `validate` finds no error, and
converting the canonical output again changes nothing.
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st

import prefdata
from prefdata._transforms.drops import REASONS
from prefdata._validate import validate

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SAYINGS = [
    "What is the capital of Peru?",
    "Lima.",
    "Tell me a joke.",
    "Why did the chicken cross the road?",
    "Explain recursion briefly.",
    "A function that calls itself.",
    "Größe? Ça va — 東京 🌍",
    "Sure: 2 + 2 = 4.\nAnything else?",
]
# mostly real text, sometimes empty or blank (about one value in eight)
text = st.sampled_from(SAYINGS + ["", "  "] + SAYINGS * 6)
maybe_text = st.one_of(text, text, text, st.none())
options = st.builds(
    prefdata.ConvertOptions,
    ties=st.sampled_from(["drop", "keep"]),
    prompt=st.sampled_from(["explicit", "implicit"]),
    pairing=st.sampled_from(["best-worst", "best-random", "all-pairs"]),
    margin=st.booleans(),
    seed=st.integers(0, 3),
)


def tool_call(i: int) -> dict[str, Any]:
    return {
        "type": "function",
        "id": f"call_{i}",
        "function": {"name": "get_weather", "arguments": json.dumps({"city": "Lima", "day": i})},
    }


@st.composite
def reply(draw: st.DrawFn, tools: bool = False) -> list[dict[str, Any]]:
    """An assistant completion: a plain reply or (with `tools`) a call, the tool's answer, a reply."""
    if not tools or draw(st.booleans()):
        return [{"role": "assistant", "content": draw(text)}]
    i = draw(st.integers(0, 3))
    return [
        {"role": "assistant", "content": None, "tool_calls": [tool_call(i)]},
        {"role": "tool", "tool_call_id": f"call_{i}", "name": "get_weather", "content": f'{{"temp": {i}}}'},
        {"role": "assistant", "content": draw(text)},
    ]


def _jsonl(rows: list[dict[str, Any]], folder: str) -> Path:
    path = Path(folder) / "rows.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def convert_rows(rows: list[dict[str, Any]], layout: str, opts: prefdata.ConvertOptions):
    with tempfile.TemporaryDirectory() as folder:
        return prefdata.convert(_jsonl(rows, folder), spec=layout, options=opts)


def check_accounting(result: prefdata.ConvertResult, n: int, trees: dict[int, set[int]] | None) -> None:
    """Every input row used or rejected, exactly once; the manifest's counts match.

    Checked from the output alone: an output row built from several input rows (a flat message
    tree) names them all in `source_rows`; `trees` (root row -> the tree's rows), when given,
    is what those lists must say.
    """
    out = result.dataset["train"]
    used = set(out["source_row"]) if len(out) else set()
    if "source_rows" in out.column_names:
        for row, rows in zip(out["source_row"], out["source_rows"], strict=True):
            assert row in rows and rows == sorted(set(rows))
            assert trees is None or set(rows) == trees[row]
        used = {i for rows in out["source_rows"] for i in rows}
    else:
        assert trees is None or not len(out), "a flat table's output names no `source_rows`"
    rejected = [r.source_row for r in result.rejects]
    assert len(rejected) == len(set(rejected)), "a row rejected twice"
    assert not used & set(rejected), "a row both used and rejected"
    assert used | set(rejected) == set(range(n)), "a row neither used nor rejected"
    assert {r.reason for r in result.rejects} <= set(REASONS)
    report = result.manifest.splits["train"]
    assert (report.rows_in, report.rows_out) == (n, len(out))
    assert report.dropped == dict(Counter(r.reason for r in result.rejects))
    event("some rows kept" if len(out) else "every row dropped")
    for reason in report.dropped:
        event(f"dropped: {reason}")


def check_valid(result: prefdata.ConvertResult) -> None:
    """No error-severity finding on any converted row."""
    report = validate(result.dataset)
    errors = [f for f in report.findings if f.severity == "error"]
    assert not errors, errors


def check_idempotent(result: prefdata.ConvertResult, opts: prefdata.ConvertOptions) -> None:
    again = prefdata.convert(result.dataset, options=opts.model_copy(update={"axis": None}))
    first, second = result.dataset["train"], again.dataset["train"]
    assert again.manifest.splits["train"].dropped == {}
    for column in ("prompt", "chosen", "rejected"):
        assert (column in first.column_names) == (column in second.column_names)
        if column in first.column_names:
            assert second[column] == first[column]


def check_all(
    rows: list[dict[str, Any]],
    layout: str,
    opts: prefdata.ConvertOptions,
    trees: dict[int, set[int]] | None = None,
) -> prefdata.ConvertResult:
    """Convert `rows` under `layout` and check every property; returns the result for more checks."""
    result = convert_rows(rows, layout, opts)
    check_accounting(result, len(rows), trees)
    if len(result.dataset["train"]):
        check_valid(result)
        check_idempotent(result, opts)
    return result

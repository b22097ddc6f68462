"""Running every check over every split of a canonical input, batch by batch."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from prefdata._validate.batch import BatchView
from prefdata._validate.batch_lookup import ViewOf
from prefdata._validate.checks.base import Check
from prefdata._validate.checks.content import ContentCheck
from prefdata._validate.checks.duplicates import DuplicateCheck
from prefdata._validate.checks.length_stats import LengthStatsCheck
from prefdata._validate.checks.margins import MarginCheck
from prefdata._validate.checks.splits import SplitLeakCheck
from prefdata._validate.checks.structure import StructureCheck
from prefdata._validate.checks.tools import ToolsCheck
from prefdata._validate.dataset_shape import Shape, read_shape
from prefdata._validate.finding_sink import FindingSink
from prefdata._validate.reading import CanonicalInput
from prefdata._validate.report import Example, SplitStats


@dataclass
class RunResult:
    """What the checks produced."""

    sink: FindingSink
    shape: Shape | None
    stats: dict[str, SplitStats] = field(default_factory=dict)


def run_checks(
    data: CanonicalInput, *, raw: bool = False, token_check: Any = None, extra: list[Check] | None = None
) -> RunResult:
    """Run the checks on `data`; a split whose columns fit no shape gets `structure.shape` only."""
    sink = FindingSink()
    shapes = _shapes(data, sink)
    lengths = LengthStatsCheck()
    checks: list[Check] = [
        StructureCheck(),
        MarginCheck(),
        ToolsCheck(),
        ContentCheck(),
        lengths,
        DuplicateCheck(lambda s: _view_of(data, shapes[s], s, raw)),
        SplitLeakCheck(lambda s: _view_of(data, shapes[s], s, raw)),
    ]
    if token_check is not None:
        checks.append(token_check)
    checks += extra or []
    for split, shape in shapes.items():
        start = 0
        for batch in data.splits[split].batches():
            view = BatchView(batch, shape, split, np.arange(start, start + batch.num_rows), raw)
            for check in checks:
                check.update(view, sink)
            start += batch.num_rows
        for check in checks:
            check.end_split(split, sink)
    for check in checks:
        check.finish(sink)
    return RunResult(sink, next(iter(shapes.values()), None), lengths.split_stats())


def _shapes(data: CanonicalInput, sink: FindingSink) -> dict[str, Shape]:
    """The shape of each split that has one; the others are reported and skipped."""
    shapes: dict[str, Shape] = {}
    for name, split in data.splits.items():
        shape, problems = read_shape(split.schema)
        if shape is None:
            sink.add(
                "structure.shape",
                1,
                name,
                [Example(split=name, row=None, field="columns", excerpt=problems[0])],
            )
        else:
            shapes[name] = shape
    if len(set(shapes.values())) > 1:
        described = ", ".join(f"{n}: {s.format}/{s.prompt}" for n, s in shapes.items())
        sink.add(
            "structure.shape",
            1,
            "*",
            [Example(split="*", row=None, field="columns", excerpt=f"splits differ in shape ({described})")],
        )
    return shapes


def _view_of(data: CanonicalInput, shape: Shape, split: str, raw: bool) -> ViewOf:
    def view(rows: np.ndarray) -> BatchView:
        rows = np.unique(rows)
        return BatchView(data.splits[split].take(rows), shape, split, rows, raw)

    return view

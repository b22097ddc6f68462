"""Which evaluation shape a table has, and which benchmark: detected from its columns, or checked.

| shape          | chosen / rejected              | other columns                      | benchmark     |
| -------------- | ------------------------------ | ---------------------------------- | ------------- |
| pairs          | one completion each            | any (converted by `prefdata`)      | none          |
| subset-pairs   | one completion each            | `subset` (and e.g. `id`)           | rewardbench   |
| best-of-n      | lists (1 chosen, N-1 rejected) | `num_correct`, `subset`, `id`      | rewardbench-2 |
| style-lists    | lists of the same length k     | `domain`                           | rm-bench      |

A completion is a string or a list of messages; a list of those is a list shape. Detection
refuses to guess between the two list shapes when neither marker column is there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from prefdata._errors import PrefdataError

SHAPES = ("pairs", "subset-pairs", "best-of-n", "style-lists")
# benchmark -> (shape, marker columns it needs besides chosen and rejected)
BENCHMARKS: dict[str, tuple[str, tuple[str, ...]]] = {
    "rewardbench": ("subset-pairs", ("subset",)),
    "rewardbench-2": ("best-of-n", ("subset",)),
    "rm-bench": ("style-lists", ("domain",)),
}
BEST_OF_N_MARKERS = ("num_correct", "num_incorrect", "total_completions")
CHOOSE = "choose with --benchmark: " + ", ".join(
    f"{name} ({shape})" for name, (shape, _) in BENCHMARKS.items()
)


def is_messages(value: Any) -> bool:
    """A non-empty list of dicts, each with a `role`."""
    return isinstance(value, list) and bool(value) and all(isinstance(m, dict) and "role" in m for m in value)


def completion_kind(values: Sequence[Any]) -> str:
    """`single` (a string or a message list), `list` (a list of those) or `none` (no value seen)."""
    for value in values:
        if value is None or (isinstance(value, list) and not value):  # an empty list tells nothing
            continue
        if isinstance(value, str) or is_messages(value):
            return "single"
        if isinstance(value, list):
            return "list"
        return "single"  # anything else is for the converter to judge (and refuse)
    return "none"


def _found(columns: Sequence[str], kind: str) -> str:
    holding = {"single": "one completion each", "list": "lists of completions", "none": "no values"}[kind]
    return f"columns seen: {', '.join(columns)}; chosen/rejected hold {holding}"


def detect_shape(columns: Sequence[str], kind: str, where: str) -> tuple[str, str | None]:
    """(shape, benchmark) of a raw table from its column names and the kind of its completions."""
    if kind != "list":
        return ("subset-pairs", "rewardbench") if "subset" in columns else ("pairs", None)
    best_of_n = any(name in columns for name in BEST_OF_N_MARKERS)
    style = "domain" in columns
    if best_of_n != style:
        return ("best-of-n", "rewardbench-2") if best_of_n else ("style-lists", "rm-bench")
    raise PrefdataError(
        "cannot tell whether the lists in chosen/rejected are best-of-N completions or styles of one "
        f"answer ({_found(columns, kind)})",
        where=where,
        fix=CHOOSE,
    )


def check_benchmark(benchmark: str, columns: Sequence[str], kind: str, where: str) -> str:
    """The shape `benchmark` reads; raise when the table's columns do not fit it."""
    if benchmark not in BENCHMARKS:
        raise PrefdataError(
            f"unknown benchmark {benchmark!r}",
            fix=f"use one of {', '.join(BENCHMARKS)}, or leave --benchmark out to detect it",
        )
    shape, markers = BENCHMARKS[benchmark]
    wants_lists = shape != "subset-pairs"
    missing = [name for name in ("chosen", "rejected", *markers) if name not in columns]
    if missing or (kind == "list") != wants_lists:
        need = "lists of completions" if wants_lists else "one completion each"
        raise PrefdataError(
            f"--benchmark {benchmark} reads chosen/rejected holding {need} and column(s) "
            f"{', '.join(markers)}; {_found(columns, kind)}"
            + (f"; missing: {', '.join(missing)}" if missing else ""),
            where=where,
            fix="pick the benchmark this data is, or leave --benchmark out to detect it",
        )
    return shape

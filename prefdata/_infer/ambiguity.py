"""Refusing to guess: when two readings fit the same data, say which, show each, say how to decide."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from prefdata._errors import DetectionError
from prefdata._infer.agreement import outcome
from prefdata._transforms.candidates import read_example
from prefdata.records.spec import UNDECIDED_VALUE, LayoutSpec

UNDECIDED = "# <-- ambiguous: undecided, pick one reading"


class AmbiguousLayoutError(DetectionError):
    """Two or more readings of the data fit its names and values; prefdata does not pick one."""

    def __init__(self, what: str, *, readings: Sequence[str] = (), fix: str = "") -> None:
        self.readings = list(readings)
        super().__init__(what, where="detect", fix=fix)


def ambiguous_choice(what: str, options: Sequence[str]) -> AmbiguousLayoutError:
    """Two equally good columns (or column groups) for one role."""
    shown = "; ".join(options)
    return AmbiguousLayoutError(
        f"ambiguous layout: {len(options)} candidates fit the {what} equally well: {shown}",
        readings=options,
        fix="write a spec file naming the columns (start from `prefdata detect SOURCE --print-spec` of a "
        "similar layout) and pass --spec FILE",
    )


def ambiguous_readings(
    specs: Sequence[tuple[str, LayoutSpec]], sample: Sequence[dict[str, Any]], note: str = ""
) -> AmbiguousLayoutError:
    """Each reading with one sampled row converted under it, and the spec with the undecided fields.

    Every preference field the readings differ on holds `DECIDE` (which no spec loads) and a
    comment with each reading's value, so a spec saved unedited is refused, not applied.
    """
    from prefdata._layouts import spec_to_yaml

    row, index = _telling_row([s for _, s in specs], sample)
    lines = [
        f"ambiguous preference signal: {len(specs)} readings fit the data and disagree on which response wins"
    ]
    if note:
        lines.append(f"  {note}")
    for n, (says, spec) in enumerate(specs, 1):
        lines.append(f"  reading {n}: {says}")
        if row is not None:
            lines.append(f"    sampled row {index} under it: {_outcome(spec, row)}")
    prefs = [spec.preference.model_dump(mode="json", exclude_defaults=True) for _, spec in specs]
    keys = list(dict.fromkeys(k for d in prefs for k in d))
    differing = [k for k in keys if any(d.get(k) != prefs[0].get(k) for d in prefs[1:])]
    yaml_text = _marked(spec_to_yaml(specs[0][1]), differing, prefs)
    lines.append(f"the spec, with the undecided field(s) set to {UNDECIDED_VALUE}:")
    lines += ["    " + line for line in yaml_text.splitlines()]
    shown = ", ".join(f"`preference.{k}`" for k in differing)
    return AmbiguousLayoutError(
        "\n".join(lines),
        readings=[s for s, _ in specs],
        fix=f"save the spec above to a file, replace {UNDECIDED_VALUE} in {shown} with the value of the reading "
        "the dataset's documentation gives (shown in the comment), and pass --spec FILE",
    )


def _marked(yaml_text: str, fields: Sequence[str], prefs: Sequence[dict[str, Any]]) -> str:
    """The spec's YAML with each undecided preference field replaced by the placeholder and a comment."""
    lines = yaml_text.splitlines()
    start = lines.index("preference:") + 1 if "preference:" in lines else len(lines)
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith(" ")), len(lines))
    block = lines[start:end]
    indent = next((len(x) - len(x.lstrip()) for x in block if x.strip()), 2)
    kept: list[str] = []
    skipping = False
    for line in block:
        depth = len(line) - len(line.lstrip())
        if depth == indent:
            skipping = line.strip().split(":")[0] in fields
        if not skipping:
            kept.append(line)
    for key in fields:
        values = "; ".join(
            f"reading {n}: {json.dumps(p[key]) if key in p else '(not set: delete this line)'}"
            for n, p in enumerate(prefs, 1)
        )
        kept.append(f"{' ' * indent}{key}: {UNDECIDED_VALUE}  {UNDECIDED}: {values}")
    return "\n".join(lines[:start] + kept + lines[end:])


def _telling_row(specs: list[LayoutSpec], sample: Sequence[dict[str, Any]]) -> tuple[Any, int]:
    """A sampled row whose outcome differs between readings (else the first row)."""
    for i, row in enumerate(sample):
        outcomes = {_outcome(s, row) for s in specs}
        if len(outcomes) == len(specs):
            return row, i
    return (sample[0], 0) if sample else (None, 0)


def _outcome(spec: LayoutSpec, row: dict[str, Any]) -> str:
    """`chosen = output_1 ('text...'), rejected = output_2` for one row under one spec."""
    got = outcome(spec, row)
    if got.dropped:
        return f"dropped ({got.dropped})"
    if got.pair is None:
        return "a tie"
    ex = read_example(row, spec)
    return f"chosen = {_side(spec, ex, got.pair[0])}, rejected = {_side(spec, ex, got.pair[1])}"


def _side(spec: LayoutSpec, ex: Any, i: int) -> str:
    resp = spec.responses
    where = f"`{resp.columns[i]}`" if resp is not None and resp.columns else f"candidate {i}"
    reply = ex.responses[i] if ex.responses else None
    text = str(reply[-1].get("content") if reply else "")[:40]
    return f"{where} ({text!r})"

"""Refusing to guess: when two readings fit the same data, say which, show each, say how to decide."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from prefdata.errors import DetectionError
from prefdata.records.options import ConvertOptions
from prefdata.records.spec import LayoutSpec
from prefdata.transforms.candidates import read_example
from prefdata.transforms.drops import Drop
from prefdata.transforms.encodings import ENCODERS

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
    field: str, specs: Sequence[tuple[str, LayoutSpec]], sample: Sequence[dict[str, Any]]
) -> AmbiguousLayoutError:
    """Each reading with one sampled row converted under it, and the spec with `field` marked."""
    from prefdata.layouts import spec_to_yaml

    row, index = _telling_row([s for _, s in specs], sample)
    lines = [
        f"ambiguous preference signal: {len(specs)} readings fit the data and disagree on which response wins"
    ]
    for n, (says, spec) in enumerate(specs, 1):
        lines.append(f"  reading {n}: {says}")
        if row is not None:
            lines.append(f"    sampled row {index} under it: {_outcome(spec, row)}")
    yaml_text = _marked(spec_to_yaml(specs[0][1]), field)
    lines.append("inferred spec (reading 1), with the undecided field marked:")
    lines += ["    " + line for line in yaml_text.splitlines()]
    return AmbiguousLayoutError(
        "\n".join(lines),
        readings=[s for s, _ in specs],
        fix=f"save the spec above to a file, set `{field}` to the reading the dataset's documentation gives, "
        "and pass --spec FILE",
    )


def _marked(yaml_text: str, field: str) -> str:
    """The spec's YAML with the undecided field's line marked (added when YAML left it out as a default)."""
    lines = yaml_text.splitlines()
    hits = [i for i, line in enumerate(lines) if line.strip().startswith(field + ":")]
    for i in hits:
        lines[i] += f"  {UNDECIDED}"
    if not hits:
        at = lines.index("preference:") + 1 if "preference:" in lines else len(lines)
        lines.insert(at, f"  {field}: ?  {UNDECIDED}")
    return "\n".join(lines)


def _telling_row(specs: list[LayoutSpec], sample: Sequence[dict[str, Any]]) -> tuple[Any, int]:
    """A sampled row whose outcome differs between readings (else the first row)."""
    for i, row in enumerate(sample):
        outcomes = {_outcome(s, row) for s in specs}
        if len(outcomes) == len(specs):
            return row, i
    return (sample[0], 0) if sample else (None, 0)


def _outcome(spec: LayoutSpec, row: dict[str, Any]) -> str:
    """`chosen = output_1 ('text...'), rejected = output_2` for one row under one spec."""
    try:
        ex = read_example(row, spec)
        choices = ENCODERS[spec.preference.encoding](row, spec.preference, ex, ConvertOptions(), "0")
    except (Drop, KeyError, TypeError, ValueError) as exc:
        return f"dropped ({exc})"
    c = choices[0]
    if c.tie:
        return "a tie"
    return f"chosen = {_side(spec, ex, c.chosen)}, rejected = {_side(spec, ex, c.rejected)}"


def _side(spec: LayoutSpec, ex: Any, i: int) -> str:
    resp = spec.responses
    where = f"`{resp.columns[i]}`" if resp is not None and resp.columns else f"candidate {i}"
    reply = ex.responses[i] if ex.responses else None
    text = str(reply[-1].get("content") if reply else "")[:40]
    return f"{where} ({text!r})"

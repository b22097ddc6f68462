"""Trying readings on the sampled rows: which response each picks, where two disagree, what each drops.

Two signals in one source (a `label` and `score_1`/`score_2`; a candidate `rank` and `score`)
are only trusted together: when they name different winners on any sampled row, inference
refuses rather than pick one (`ambiguity.py`). A reading that drops too many sampled rows is
refused before anything is converted (the same limit the whole-split guard applies).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from prefdata._transforms.candidates import read_example
from prefdata._transforms.drops import Drop
from prefdata._transforms.encodings import ENCODERS
from prefdata._transforms.pairs import RowConverter
from prefdata._transforms.split_state import SplitState
from prefdata.records.options import ConvertOptions
from prefdata.records.spec import LayoutSpec

# drop reasons that are a reading's answer, not a failure to read the row
NOT_CONTRADICTING = frozenset({"tie", "tie_both_bad"})
# drop reasons that say nothing of the reading (an empty reply is empty under any reading): a
# sample is judged without them, so that a small file with one empty reply still gets a reading
# (its conversion is still held to the whole-split guard, which counts them)
DATA_QUALITY = frozenset({"empty_response", "empty_prompt", "identical", "deleted", "synthetic"})


@dataclass(frozen=True)
class Outcome:
    """What one reading makes of one row: the first pair's (chosen, rejected), a tie, or a drop."""

    pair: tuple[int, int] | None = None
    tie: bool = False
    dropped: str = ""


def outcome(spec: LayoutSpec, row: dict[str, Any]) -> Outcome:
    """The first pair `spec` builds from `row` (with default options)."""
    try:
        ex = read_example(row, spec)
        choices = ENCODERS[spec.preference.encoding](row, spec.preference, ex, ConvertOptions(), "0")
    except Drop as exc:
        return Outcome(dropped=exc.reason)
    except (KeyError, TypeError, ValueError) as exc:
        return Outcome(dropped=f"bad_value ({exc})")
    if not choices:
        return Outcome(dropped="no_pairs")
    first = choices[0]
    return Outcome(tie=True) if first.tie else Outcome(pair=(first.chosen, first.rejected))


def disagreeing_rows(specs: Sequence[LayoutSpec], sample: Sequence[dict[str, Any]]) -> list[int]:
    """Sampled rows on which two of `specs` both pick a winner, and not the same one."""
    out = []
    for i, row in enumerate(sample):
        winners = {o.pair[0] for o in (outcome(s, row) for s in specs) if o.pair is not None}
        if len(winners) > 1:
            out.append(i)
    return out


def agreeing_rows(specs: Sequence[LayoutSpec], sample: Sequence[dict[str, Any]]) -> int:
    """Sampled rows on which every one of `specs` picks the same winner."""
    n = 0
    for row in sample:
        outs = [outcome(s, row) for s in specs]
        if all(o.pair is not None for o in outs) and len({o.pair[0] for o in outs if o.pair}) == 1:
            n += 1
    return n


def sample_drops(spec: LayoutSpec, sample: Sequence[dict[str, Any]], columns: Sequence[str]) -> Counter[str]:
    """Drop reason -> sampled rows a conversion under `spec` drops because of how it reads them.

    Ties (the reading's answer) and data-quality drops (`DATA_QUALITY`) are not counted.
    """
    converter = RowConverter(spec, ConvertOptions(), columns)
    state = SplitState()
    drops: Counter[str] = Counter()
    for i, row in enumerate(sample):
        try:
            converter.convert(row, "sample", i, state)
        except Drop as exc:
            if exc.reason not in NOT_CONTRADICTING and exc.reason not in DATA_QUALITY:
                drops[exc.reason] += 1
        except (KeyError, TypeError, ValueError):
            drops["bad_value"] += 1
    return drops

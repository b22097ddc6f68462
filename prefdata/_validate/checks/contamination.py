"""`splits.contamination`: training prompts that share an n-gram with an evaluation set's prompts.

Run only with `prefdata validate DATA --against EVAL...`. The index, the texts and the matching
are `prefdata mix`'s own (`prefdata._mix.ngram_index`): a prompt `mix` would drop as
contaminated is the prompt this check reports, and no other.
"""

from __future__ import annotations

import pyarrow as pa

from prefdata._mix.ngram_index import Contamination, NgramIndex
from prefdata._mix.pair_text import prompt_texts
from prefdata._mix.textnorm import normalise
from prefdata._validate.batch import BatchView
from prefdata._validate.checks.base import Check
from prefdata._validate.finding_sink import FindingSink, excerpt
from prefdata._validate.report import Example


class ContaminationCheck(Check):
    """Reports each row whose prompt is found in the evaluation index, naming the evaluation row."""

    def __init__(self, index: NgramIndex) -> None:
        self.index = index

    def update(self, view: BatchView, sink: FindingSink) -> None:
        prompts = normalise(prompt_texts(pa.Table.from_batches([view.batch]))).to_pylist()
        hits: dict[int, Contamination] = {}
        for i, prompt in enumerate(prompts):
            hit = self.index.find(prompt)
            if hit is not None:
                hits[i] = hit
        sink.add_rows("splits.contamination", view, list(hits), lambda i: _example(view, i, hits[i]))


def _example(view: BatchView, i: int, hit: Contamination) -> Example:
    """The training row, then where the evaluation prompt is and the words they share (never cut off)."""
    shown = view.example(i, "prompt")
    where = f"{hit.eval_row.origin} split {hit.eval_row.split} row {hit.eval_row.row}"
    return shown.model_copy(update={"excerpt": f"{where}: shares {excerpt(hit.ngram, 120)!r}"})

"""Inferring a layout spec for a source that no built-in spec matches, or refusing to guess.

Layers (each module imports only those above it, and records/layouts/transforms):

| module         | decides                                                                |
| -------------- | ---------------------------------------------------------------------- |
| `names.py`     | name families: prompt names, position markers, chosen/rejected stems   |
| `values.py`    | what sampled values are: text, message lists, records, numbers, labels |
| `roles.py`     | which columns are the prompt and which the candidate responses         |
| `signal.py`    | every reading of the preference signal that fits                       |
| `ambiguity.py` | refusing when readings disagree, with an example row under each        |
| `refusals.py`  | saying what a source with no pairs is (SFT, unpaired feedback, ...)    |
| `guard.py`     | checking every converted row against the inferred reading              |

From names: which column may be the prompt (`prompt`, `instruction`, `input`, `question`,
`history`, `system`, ...), which columns are one family of responses (names that differ only in
a position marker: `output_1`/`output_2`, `response_a`/`_b`; or `chosen*`/`rejected*` stems),
and which column may name the winner (`label`, `winner`, `preference`, `choice`, ...). From values:
that a response column holds replies (text, a message list, one message; long, varied text
beats short repeated names like `model_a`), what a label's value set is, and whether numbers
are positions, a scale between two responses, or scores.

Confidence: a role is taken only when one candidate fits best; two equally good candidates,
or two readings of a signal that disagree on the winner of some row (a label {0, 1, 2} with
responses `1` and `2`: "0-based, 2 ties" or "1-based, 0 ties"), are refused with the word
*ambiguous*, each reading shown on a sampled row, and the spec printed with the field to decide.
A direction is never taken from a name alone: a label's values must name the responses'
markers, a stem pair must be `chosen`/`rejected`-like, a signed scale's sign is never guessed.

Evidence: every decision (prompt, responses, preference) is a `Decision` with the names and
values behind it; `prefdata detect` prints them and the manifest records them with the spec.
Rows are checked too: a row the reading does not cover is dropped with its reason, and when
more than `Inference.max_contradicting_share` of a split's rows are, conversion stops.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from prefdata.infer.ambiguity import AmbiguousLayoutError, ambiguous_readings
from prefdata.infer.names import norm
from prefdata.infer.refusals import no_pairs
from prefdata.infer.roles import find_prompt, find_responses
from prefdata.infer.signal import find_signal
from prefdata.infer.values import profile
from prefdata.records.inference import Decision, Inference
from prefdata.records.manifest import LayoutScore
from prefdata.records.spec import LayoutSpec, Match
from prefdata.transforms.fields import columns_read

__all__ = ["AmbiguousLayoutError", "infer_layout"]


def infer_layout(
    columns: Sequence[str], sample: Sequence[dict[str, Any]], scores: Sequence[LayoutScore] = ()
) -> Inference:
    """A spec for a source no built-in spec matches, with the evidence for each decision.

    Raises `AmbiguousLayoutError` when the data allows readings that disagree, and
    `DetectionError` when it holds no pairs (saying what it is instead).
    """
    profiles = {c: profile(c, sample) for c in columns}
    found = find_responses(profiles)
    if found is None:
        raise no_pairs(columns, profiles, scores)
    prompt, prompt_decision = find_prompt(profiles, found.used)
    used = found.used | {p.column.split(".")[0] for p in prompt}
    readings = find_signal(found, profiles, used)
    if not readings:
        raise no_pairs(columns, profiles, scores, why="responses found, but no column says which is better")

    tools = next((c for c in columns if norm(c) in ("tools", "functions") and c not in used), None)

    def spec_for(pref: Any) -> LayoutSpec:
        spec = LayoutSpec(
            name="inferred",
            description="inferred from column names and sampled values",
            match=Match(columns=["_"]),
            prompt=prompt,
            responses=found.responses,
            preference=pref,
            tools=tools,
        )
        read = [c for c in columns_read(spec) or [] if c in columns]
        return spec.model_copy(update={"match": Match(columns=read)})

    if len(readings) > 1:
        field = "column" if len({r.column for r in readings}) > 1 else _differing_field(readings)
        raise ambiguous_readings(field, [(r.says, spec_for(r.preference)) for r in readings], sample)
    reading = readings[0]
    decisions = [d for d in (found.decision, prompt_decision) if d is not None]
    decisions.append(Decision(part="preference", choice=reading.says, evidence=reading.evidence))
    if tools:
        decisions.append(
            Decision(part="tools", choice=f"`{tools}`", evidence=[f"`{tools}` is named like tool schemas"])
        )
    return Inference(spec=spec_for(reading.preference), decisions=decisions, sampled_rows=len(sample))


def _differing_field(readings: Sequence[Any]) -> str:
    dumps = [r.preference.model_dump() for r in readings]
    keys = [k for k in dumps[0] if any(d.get(k) != dumps[0][k] for d in dumps[1:])]
    return keys[0] if keys else "encoding"

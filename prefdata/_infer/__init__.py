"""Inferring a layout spec for a source that no built-in spec matches, or refusing to guess.

Layers (each module imports only those above it, and records/layouts/transforms):

| module         | decides                                                                |
| -------------- | ---------------------------------------------------------------------- |
| `names.py`     | name families: prompt names, position markers, chosen/rejected stems   |
| `values.py`    | what sampled values are: text, message lists, records, numbers, labels |
| `roles.py`     | which columns are the prompt and which the candidate responses         |
| `signal.py`    | every reading of the preference signal that fits                       |
| `agreement.py` | trying readings on sampled rows: winners, disagreements, drops          |
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
A name that may mean "lower is better" or "the worse one" (`harm_score_a`, `more_harmful`) is
never read (see `names.bad_words`); several signals are taken only when they agree on every
sampled row, and a reading that drops more of the sample than a conversion may is refused.

Evidence: every decision (prompt, responses, preference) is a `Decision` with the names and
values behind it; `prefdata detect` prints them and the manifest records them with the spec.
Rows are checked too: a row the reading does not cover is dropped with its reason, and when
more than `Inference.max_contradicting_share` of a split's rows are, conversion stops.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from prefdata._errors import DetectionError
from prefdata._infer.agreement import agreeing_rows, disagreeing_rows, sample_drops
from prefdata._infer.ambiguity import AmbiguousLayoutError, ambiguous_readings
from prefdata._infer.names import norm
from prefdata._infer.refusals import no_pairs
from prefdata._infer.roles import drop_restated_prompt, find_prompt, find_responses
from prefdata._infer.signal import Reading, Skipped, find_signal
from prefdata._infer.values import profile
from prefdata._transforms.fields import columns_read
from prefdata.records.inference import Decision, Inference
from prefdata.records.manifest import LayoutScore
from prefdata.records.spec import LayoutSpec, Match

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
    prompt, prompt_decision = drop_restated_prompt(*find_prompt(profiles, found.used), found, sample)
    used = found.used | {p.column.split(".")[0] for p in prompt}
    signals = find_signal(found, profiles, used)
    readings = signals.readings
    if not readings:
        raise _unread(columns, profiles, scores, signals.skipped)

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

    reading, agreement = _one_reading(readings, spec_for, sample)
    spec = spec_for(reading.preference)
    _check_sample(spec, sample, columns, Inference.model_fields["max_contradicting_share"].default)
    decisions = [d for d in (found.decision, prompt_decision) if d is not None]
    evidence = reading.evidence + agreement + [f"{s} (not used)" for s in signals.skipped]
    decisions.append(Decision(part="preference", choice=reading.says, evidence=evidence))
    if tools:
        decisions.append(
            Decision(part="tools", choice=f"`{tools}`", evidence=[f"`{tools}` is named like tool schemas"])
        )
    return Inference(spec=spec, decisions=decisions, sampled_rows=len(sample))


def _one_reading(
    readings: Sequence[Reading], spec_for: Callable[[Any], LayoutSpec], sample: Sequence[dict[str, Any]]
) -> tuple[Reading, list[str]]:
    """The reading to take, with the agreement of the others as evidence; refuses when they disagree.

    Several readings of one column (a label read 0- or 1-based) are always refused: their
    mappings differ even where the sample does not show it. Readings of different signals (a
    label and per-response scores) are taken together only when no sampled row sets them apart.
    """
    if len(readings) == 1:
        return readings[0], []
    specs = [(r.says, spec_for(r.preference)) for r in readings]
    if len({r.column for r in readings}) < len(readings):
        raise ambiguous_readings(specs, sample)
    bad = disagreeing_rows([s for _, s in specs], sample)
    if bad:
        note = (
            f"{len(readings)} signals are present and name different winners on {len(bad)} of "
            f"{len(sample)} sampled rows (rows {', '.join(map(str, bad[:5]))})"
        )
        raise ambiguous_readings(specs, sample, note)
    same = agreeing_rows([s for _, s in specs], sample)
    others = "; ".join(r.says for r in readings[1:])
    return readings[0], [f"agrees with the other signal(s) on all {same} sampled rows both decide: {others}"]


def _check_sample(
    spec: LayoutSpec, sample: Sequence[dict[str, Any]], columns: Sequence[str], max_share: float
) -> None:
    """Refuse a reading that already fails on more of the sample than a conversion may drop."""
    drops = sample_drops(spec, sample, columns)
    bad = sum(drops.values())
    if sample and bad > max_share * len(sample):
        reasons = ", ".join(f"{r} {n}" for r, n in drops.most_common())
        raise DetectionError(
            f"the inferred layout does not hold on the sample: it drops {bad} of {len(sample)} sampled rows "
            f"({reasons}); the limit is {max_share:.0%}",
            where="detect",
            fix="check what the rows hold, write a spec naming the columns (--spec FILE), or filter the "
            "source to the rows that carry a preference",
        )


def _unread(
    columns: Sequence[str],
    profiles: dict[str, Any],
    scores: Sequence[LayoutScore],
    skipped: Sequence[Skipped],
) -> DetectionError:
    """No reading fits: ambiguous when a candidate was left unread for its unknown direction."""
    unsure = [s for s in skipped if s.unsure]
    if unsure:
        return AmbiguousLayoutError(
            "ambiguous preference signal: no column can be read without guessing its direction: "
            + "; ".join(str(s) for s in unsure),
            readings=[str(s) for s in unsure],
            fix="write a spec saying which response each value prefers (see README: Your own layout) and "
            "pass --spec FILE",
        )
    mixed = [
        f"`{c}` mixes value types ({', '.join(sorted({type(v).__name__ for v in p.values if v is not None}))}) "
        "and is not read (give each column values of one type, or name it in a spec)"
        for c, p in profiles.items()
        if p.kind == "mixed"
    ]
    why = "; ".join(["responses found, but no column says which is better", *map(str, skipped), *mixed])
    return no_pairs(columns, profiles, scores, why=why)

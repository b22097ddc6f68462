"""Choosing a layout spec from a source's columns and sampled values, and saying why.

Built-in specs are scored first and win wherever one matches; only when none does is a spec
inferred (`prefdata._infer`), or the source refused as ambiguous or as holding no pairs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import orjson

from prefdata._infer import infer_layout
from prefdata._infer.names import RESPONSE_WORDS, SCORE_WORDS, has_word, marker_words, stem_partner
from prefdata._infer.roles import marker_families
from prefdata._infer.values import numeric
from prefdata._transforms.fields import get_path
from prefdata.records.manifest import DetectionResult, LayoutScore
from prefdata.records.spec import LayoutSpec, ValueCheck

PASS_RATE = 0.9  # share of sampled non-null values a value test must accept


def _json(value: Any) -> Any:
    if not isinstance(value, str):
        return None
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        return None


def _is_messages(v: Any, key: str = "role") -> bool:
    return isinstance(v, list) and bool(v) and all(isinstance(m, dict) and key in m for m in v)


CHECKS: dict[str, Callable[[Any, ValueCheck], bool]] = {
    "string": lambda v, c: isinstance(v, str),
    "number": lambda v, c: isinstance(v, (int, float)) and not isinstance(v, bool),
    "integer": lambda v, c: isinstance(v, int) and not isinstance(v, bool),
    "bool": lambda v, c: isinstance(v, bool),
    "messages": lambda v, c: _is_messages(v),
    "sharegpt": lambda v, c: _is_messages(v, "from"),
    "json_messages": lambda v, c: _is_messages(_json(v)),
    "json_turns": lambda v, c: (
        isinstance(j := _json(v), list) and all(t is None or isinstance(t, str) for t in j)
    ),
    "hh_text": lambda v, c: isinstance(v, str) and "\n\nHuman:" in v and "\n\nAssistant:" in v,
    "extra_id_text": lambda v, c: isinstance(v, str),
    "struct": lambda v, c: isinstance(v, dict) and all(f in v for f in c.fields),
    "list_of_struct": lambda v, c: (
        isinstance(v, list) and all(isinstance(i, dict) and all(f in i for f in c.fields) for i in v)
    ),
    "one_of": lambda v, c: v in c.values or str(v) in {str(x) for x in c.values},
}


def score_spec(spec: LayoutSpec, columns: Sequence[str], sample: Sequence[dict[str, Any]]) -> LayoutScore:
    """How well `spec` fits: 0 unless every column and value test holds."""
    present = set(columns)
    result = LayoutScore(name=spec.name, score=0.0)
    missing = [c for c in spec.match.columns if c not in present]
    result.failed += [f"column `{c}` missing" for c in missing]
    result.failed += [f"column `{c}` present" for c in spec.match.absent if c in present]
    result.matched += [f"column `{c}`" for c in spec.match.columns if c in present]
    for check in spec.match.values:
        ok, why = _run_check(check, sample)
        (result.matched if ok else result.failed).append(why)
    clash = _labels_for_responses(spec, columns, sample)
    if clash:
        result.failed.append(clash)
    if not result.failed:
        result.score = 1 + len(spec.match.columns) + 2 * len(spec.match.values) + 0.1 * spec.priority
    return result


def _labels_for_responses(spec: LayoutSpec, columns: Sequence[str], sample: Sequence[dict[str, Any]]) -> str:
    """Why the spec's response columns hold labels, not replies ('' when they do not).

    `chosen: "B"` beside `response_a`/`response_b` names a response; taking "B" as the reply
    would lose both real replies. Such a row is inferred instead (`chosen` read as a label).
    """
    if spec.responses is None or not spec.responses.columns:
        return ""
    others = [c for c in columns if c not in spec.responses.columns]
    markers = {m.marker.lower() for fam in marker_families(others) for m in fam}
    for col in spec.responses.columns if markers else []:
        values = [v for v in (get_path(r, col) for r in sample) if v is not None]
        named = [v for v in values if _names_marker(v, markers)]
        if values and len(named) >= PASS_RATE * len(values):
            shown = sorted({str(v) for v in named})[:4]
            return f"`{col}` holds {shown}, which name the columns marked {sorted(markers)}, not replies"
    return ""


def _unfit_when_scores_unread(
    scores: Sequence[LayoutScore],
    specs: Sequence[LayoutSpec],
    columns: Sequence[str],
    sample: Sequence[dict[str, Any]],
) -> None:
    """When every fitting spec would ignore the scores of both sides, none fits (inference reads them).

    A spec that reads them (`ultrafeedback-binarized`) still wins over TRL's, which stay runners-up.
    """
    fitting = [(score, spec) for score, spec in zip(scores, specs, strict=True) if score.score > 0]
    clashes = [_unread_scores(spec, columns, sample) for _, spec in fitting]
    if not fitting or not all(clashes):
        return
    for (score, _), clash in zip(fitting, clashes, strict=True):
        score.failed.append(clash)
        score.score = 0.0


def _unread_scores(spec: LayoutSpec, columns: Sequence[str], sample: Sequence[dict[str, Any]]) -> str:
    """Why a paired spec that reads no scores does not fit a source that scores both sides ('' when it fits).

    `score_chosen`/`score_rejected` (or `chosen-rating`/`rejected-rating`, ...) say which pairs
    are ties (equal scores) and which are out of order; a layout that ignores them writes a tie
    as a preference. Such a source is inferred instead, where the scores are read.
    """
    pref = spec.preference
    if pref.encoding != "paired" or pref.scores or spec.responses is None or not spec.responses.columns:
        return ""
    present = set(columns)
    for col in columns:
        partner = stem_partner(col)
        if partner is None or partner[0] not in present or not has_word(col, SCORE_WORDS):
            continue
        values = [get_path(r, c) for r in sample for c in (col, partner[0])]
        if numeric(values):
            return f"`{col}`/`{partner[0]}` score the two responses, and this layout does not read scores"
    return ""


def _names_marker(value: Any, markers: set[str]) -> bool:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return False
    return marker_words(str(value), RESPONSE_WORDS) in markers


def _run_check(check: ValueCheck, sample: Sequence[dict[str, Any]]) -> tuple[bool, str]:
    values = [v for v in (get_path(r, check.column) for r in sample) if v is not None]
    test = CHECKS[check.kind]
    bad = [v for v in values if not test(v, check)]
    label = f"`{check.column}` is {check.kind}" + (f" {check.values}" if check.values else "")
    if not values:
        return False, f"{label}: every sampled value is null"
    if len(bad) > (1 - PASS_RATE) * len(values):
        return False, f"{label}: {len(bad)}/{len(values)} sampled values are not, e.g. {str(bad[0])[:60]!r}"
    return True, f"{label} ({len(values) - len(bad)}/{len(values)} sampled)"


def detect_layout(
    columns: Sequence[str], sample: Sequence[dict[str, Any]], specs: Sequence[LayoutSpec]
) -> DetectionResult:
    """The best-fitting spec, with the runner-up and the evidence; else an inferred spec.

    Refuses non-preference data and data whose layout is ambiguous (see `prefdata._infer`).
    """
    scores = [score_spec(s, columns, sample) for s in specs]
    _unfit_when_scores_unread(scores, specs, columns, sample)
    scores.sort(key=lambda s: -s.score)
    best = scores[0] if scores else None
    if best is None or best.score <= 0:
        inference = infer_layout(columns, sample, scores)
        reason = "inferred: " + "; ".join(f"{d.part}: {d.choice}" for d in inference.decisions)
        return DetectionResult(
            layout="inferred",
            runner_up=None,
            scores=scores,
            columns=list(columns),
            reason=reason,
            inference=inference,
        )
    rest = scores[1:]
    runner = next((s for s in rest if s.score > 0), None) or max(
        rest, key=lambda s: len(s.matched) - len(s.failed), default=None
    )
    reason = f"{best.name}: " + "; ".join(best.matched)
    return DetectionResult(
        layout=best.name, runner_up=runner, scores=scores, columns=list(columns), reason=reason
    )

"""Readings of the preference signal: every way the sampled values can say which response wins.

Each candidate signal gives zero or more readings; inference takes one only when exactly one
fits (`ambiguity.py` refuses otherwise). A label is read against the responses' position
markers: its values must name positions (`1`/`2`, `A`/`B`, `model_a`, `"A>B"`), and at most
one value may be left over (read as a tie). Numbers name positions by a base (0 or 1); when
the markers themselves are numbers and the labels are exactly those numbers, that base is the
only reading. Otherwise every base (and, for two responses and labels {0, 1}, the SHP-style
flag "1 means the first") that covers the most positions is a reading.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from prefdata._infer.names import (
    LABEL_WORDS,
    RESPONSE_WORDS,
    SCORE_WORDS,
    TIE_NAME_WORDS,
    TIE_WORDS,
    TieKind,
    bad_words,
    has_word,
    marker_words,
    number_direction,
    one_response_named,
    tokens,
    winner_name_problem,
)
from prefdata._infer.roles import Found, marker_families, stem_pairs
from prefdata._infer.values import Profile, common_fields, label_key, numeric
from prefdata.records.spec import Label, Paired, Preference, Rank, Score, Signed

_COMPARE = re.compile(r"^\s*([A-Za-z0-9_ ]+?)\s*(>>|>|=|==|<<|<)\s*([A-Za-z0-9_ ]+?)\s*$")
_NULLISH = frozenset({"", "none", "null", "n/a", "na", "nan", "-"})
MAX_UNKNOWN = 0.05  # share of sampled label values that may go unread (their rows are dropped)
VOTER_WORDS = frozenset(
    {"annotator", "annotation", "judge", "rater", "worker", "labeler", "labeller", "vote"}
)


@dataclass
class Reading:
    """One way to read the preference: the spec part, in words, with its evidence."""

    preference: Preference
    says: str
    evidence: list[str] = field(default_factory=list)
    column: str = ""
    explicit: bool = False  # its values name a response by themselves (`Response A`, `A>B`)


@dataclass
class Skipped:
    """A column that could carry the signal but was not read, and why (`unsure`: its direction is unknown)."""

    column: str
    why: str
    unsure: bool = False

    def __str__(self) -> str:
        return f"`{self.column}` was not read: {self.why}"


@dataclass
class Signals:
    """Every reading that fits, and every candidate left unread with the reason."""

    readings: list[Reading] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def find_signal(found: Found, profiles: dict[str, Profile], used: set[str]) -> Signals:
    """Every reading of the preference signal that fits the names and sampled values.

    Labels, per-response number columns and candidate fields are all collected: two of them
    that disagree are refused by the caller, never one picked over the other.
    """
    out = Signals()
    if found.kind == "stems":
        out.readings.append(_paired(found, profiles))
    elif found.kind == "list":
        _item_readings(found, out)
    else:
        free = {c: p for c, p in profiles.items() if c not in used}
        _label_readings(found, free, out)
        _number_family_readings(found, free, out)
    return out


def _paired(found: Found, profiles: dict[str, Profile]) -> Reading:
    good, bad = found.stems
    chosen, rejected = found.responses.columns
    scores = [
        (a, b)
        for a, b, *_ in stem_pairs(profiles)
        if has_word(a, SCORE_WORDS) and numeric(profiles[a].values) and numeric(profiles[b].values)
    ]
    evidence = [f"`{chosen}` holds the preferred response by its name (`{good}` vs `{bad}`)"]
    if len(scores) == 1:
        evidence.append(f"`{scores[0][0]}`/`{scores[0][1]}` are their scores (equal scores are a tie)")
        return Reading(Paired(encoding="paired", scores=list(scores[0])), "chosen/rejected by name", evidence)
    return Reading(Paired(encoding="paired"), "chosen/rejected by name", evidence)


def _label_readings(found: Found, free: dict[str, Profile], out: Signals) -> None:
    markers = [m.marker for m in found.markers]
    voters: set[str] = set()
    for fam in marker_families(list(free)):
        cols = [m.column for m in fam]
        if [m.marker for m in fam] == markers or not all(free[c].labels for c in cols):
            continue  # the responses' own family (scores, model names), or not labels
        if not has_word(fam[0].stem, VOTER_WORDS | LABEL_WORDS):
            continue
        voters |= set(cols)
        bad = bad_words(fam[0].stem)
        if bad:  # may name the losers: never read as votes for a winner
            out.skipped.append(
                Skipped("/".join(cols), f"the name's `{bad[0]}` may say they name the worse response", True)
            )
        elif len(markers) == 2:
            out.readings += _vote_readings(cols, free, markers)
    for col, prof in free.items():
        if col in voters or (not prof.labels and prof.kind != "number"):
            continue
        named = has_word(col, LABEL_WORDS)
        readings = label_readings(col, prof, markers, True) if len(markers) == 2 else []
        problem = winner_name_problem(col)
        one = one_response_named(col, markers)
        if readings and one and (named or _explicit(readings)):
            out.skipped.append(Skipped(col, _about_one_response(one), True))
        elif readings and problem and (bad_words(col) or named or _explicit(readings)):
            out.skipped.append(Skipped(col, f"its values name the responses, but {problem}", True))
        elif readings and named:
            out.readings += readings
        elif readings and _explicit(readings):
            out.readings += [r for r in readings if r.preference.encoding == "label"]
        elif named and not readings and prof.kind in ("text", "number", "bool") and prof.labels:
            out.skipped.append(
                Skipped(col, _why_not_label(prof, markers) + _names_values_of(prof, free, markers))
            )


def _about_one_response(word: str) -> str:
    if word in TIE_NAME_WORDS:
        return f"its name's `{word}` says it flags ties, so its values do not name the winning response"
    return (
        f"its values may name a response, but its name names one response (`{word}`): they may say "
        "whether that response is the better one (1: yes), not which position wins"
    )


def _names_values_of(prof: Profile, free: dict[str, Profile], markers: Sequence[str]) -> str:
    """A hint when a label's values are the values of a column family (`winner` holding model names)."""
    keys = {k for k in prof.labels if k.lower() not in _NULLISH and k.lower() not in TIE_WORDS}
    for fam in marker_families(list(free)):
        cols = [m.column for m in fam]
        if [m.marker for m in fam] != list(markers) or not keys:
            continue
        if keys <= {label_key(v) for c in cols for v in free[c].values}:
            return (
                f"; they are values of {'/'.join(f'`{c}`' for c in cols)}: a winner named by such a value is "
                f"not matched to its response here; map it to {'/'.join(f'`{c}`' for c in cols)} first"
            )
    return ""


def _explicit(readings: list[Reading]) -> bool:
    """Values that name a response without a label name: `Response A`, `A>B` (not a bare `A` or `1`)."""
    return any(r.explicit for r in readings)


def _why_not_label(prof: Profile, markers: Sequence[str]) -> str:
    values = sorted(prof.labels)[:6]
    if len(markers) != 2:
        return (
            f"it looks like a label ({values}), but a label is read between two responses, not {len(markers)}"
        )
    if prof.kind == "bool":
        return "it holds true/false, and which response `true` prefers is not read from a name"
    return f"its values {values} do not name the responses' markers {list(markers)}"


def _vote_readings(cols: list[str], free: dict[str, Profile], markers: list[str]) -> list[Reading]:
    merged = Profile(cols[0], free[cols[0]].kind, [v for c in cols for v in free[c].values])
    merged.labels = sum((free[c].labels for c in cols), Counter())
    out = []
    for r in label_readings(cols[0], merged, markers, True):
        if isinstance(r.preference, Label):
            pref = r.preference.model_copy(update={"votes": cols})
            evidence = [
                *r.evidence,
                f"{len(cols)} annotator columns: the majority wins, no majority is a tie",
            ]
            out.append(Reading(pref, f"majority of {', '.join(cols)}: " + r.says, evidence, cols[0]))
    return out


def label_readings(col: str, prof: Profile, markers: Sequence[str], named: bool) -> list[Reading]:
    """Readings of one column as a label naming a response among `markers`."""
    signed = any(k.startswith("-") for k in prof.labels)
    if prof.kind == "number" and (not prof.labels or signed or any("." in k for k in prof.labels)):
        return _scale_readings(col, prof, markers) if named else []
    keys = dict(prof.labels)
    if all(_is_int(k) for k in keys):
        return _numeric_readings(col, keys, markers) if named else []
    winners: dict[str, int] = {}
    ties: dict[str, TieKind] = {}
    unknown: list[str] = []
    explicit = False
    for key in keys:
        pos, tie, spelled = _text_position(key, markers)
        if pos is not None:
            winners[key] = pos
            explicit |= spelled
        elif tie is not None:
            ties[key] = tie
        elif key.lower() not in _NULLISH:
            unknown.append(key)
    if not winners or not (named or explicit):
        return []
    share = sum(keys[k] for k in unknown) / max(1, sum(keys.values()))
    if share > MAX_UNKNOWN:
        return []
    evidence = [f"`{col}` values {sorted(keys)} name the responses' markers {list(markers)}"]
    if unknown:
        evidence.append(f"values {unknown} are not understood: their rows are dropped")
    pref = Label(encoding="label", column=col, winners=winners, ties=ties)
    return [Reading(pref, f"`{col}` names the preferred response", evidence, col, explicit)]


def _is_int(key: str) -> bool:
    return bool(re.fullmatch(r"-?\d+", key))


def _text_position(key: str, markers: Sequence[str]) -> tuple[int | None, TieKind | None, bool]:
    """(position, tie kind, spelled out) of a text label value."""
    low = key.strip().lower()
    if low in TIE_WORDS:
        return None, TIE_WORDS[low], False
    lowered = [m.lower() for m in markers]
    m = _COMPARE.match(key)
    if m:
        a, op, b = (marker_words(m[1], RESPONSE_WORDS), m[2], marker_words(m[3], RESPONSE_WORDS))
        if a in lowered and b in lowered and a != b:
            if op in ("=", "=="):
                return None, "tie", True
            first = lowered.index(a) if op.startswith(">") else lowered.index(b)
            return first, None, True
        return None, None, False
    words = tokens(key)
    if low in lowered:
        return lowered.index(low), None, False
    if len(words) == 2 and words[0] in RESPONSE_WORDS and words[1] in lowered:
        return lowered.index(words[1]), None, True
    return None, None, False


def _numeric_readings(col: str, keys: dict[str, int], markers: Sequence[str]) -> list[Reading]:
    values = sorted(int(k) for k in keys)
    n = len(markers)
    base_m = int(markers[0]) if markers[0].isdigit() else None
    candidates: list[tuple[str, dict[int, int], dict[int, TieKind], bool]] = []
    if base_m is not None and set(values) <= set(range(base_m, base_m + n)):
        candidates.append((f"a {base_m}-based position", {v: v - base_m for v in values}, {}, True))
    else:
        for base in (0, 1):
            mapped = {v: v - base for v in values if 0 <= v - base < n}
            left = [v for v in values if v not in mapped]
            if len(left) <= 1 and mapped:
                tied: dict[int, TieKind] = {left[0]: "tie"} if left else {}
                says = f"{base}-based position" + (f", {left[0]} is a tie" if left else "")
                candidates.append((f"a {says}", mapped, tied, base == base_m))
        # a sample showing only 0 (or only 1) does not tell an index from SHP's flag either
        if n == 2 and set(values) <= {0, 1}:
            flag = {v: 1 - v for v in values}
            candidates.append(("1 means the first response is preferred, 0 the second", flag, {}, False))
    if not candidates:
        return []
    most = max(len(set(c[1].values())) for c in candidates)
    out = []
    for says, mapped, ties, names_markers in candidates:
        # a reading in which each value is the marker it equals (`1` is `response_1`) is never
        # passed over for one covering more positions: with responses `response_0`/`response_1`,
        # a label {1, 2} read 1-based would make `1` name `response_0`
        if len(set(mapped.values())) < most and not names_markers:
            continue
        winners = {f: p for v, p in mapped.items() for f in (str(v), f"{v}.0")}
        tie_map = {f: k for v, k in ties.items() for f in (str(v), f"{v}.0")}
        shown = ", ".join(f"{v} -> `{markers[p]}`" for v, p in mapped.items())
        evidence = [f"`{col}` takes values {values}; responses are marked {list(markers)}", shown]
        pref = Label(encoding="label", column=col, winners=winners, ties=tie_map)
        out.append(Reading(pref, f"`{col}`: {says}", evidence, col))
    return out


def _scale_readings(col: str, prof: Profile, markers: Sequence[str]) -> list[Reading]:
    nums = [float(v) for v in prof.values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if len(markers) != 2 or not nums:
        return []
    lo, hi = min(nums), max(nums)
    if markers[0].isdigit():
        m0, m1 = float(markers[0]), float(markers[1])
        if m0 <= lo and hi <= m1 and lo < hi:
            center = (m0 + m1) / 2
            evidence = [
                f"`{col}` takes values from {lo:g} to {hi:g} between the markers {m0:g} and {m1:g}",
                f"nearer {m0:g} prefers `{markers[0]}`, {center:g} is a tie",
            ]
            pref = Signed(encoding="signed", column=col, center=center, negative_prefers=0)
            return [Reading(pref, f"`{col}` is a scale from response {m0:g} to {m1:g}", evidence, col)]
    if lo < 0 < hi:
        return [
            Reading(
                Signed(encoding="signed", column=col, negative_prefers=side),
                f"`{col}` is a signed scale: negative prefers `{markers[side]}`",
                [f"`{col}` takes values from {lo:g} to {hi:g}; nothing in the data says which sign is which"],
                col,
            )
            for side in (0, 1)
        ]
    return []


def _number_family_readings(found: Found, free: dict[str, Profile], out: Signals) -> None:
    markers = [m.marker for m in found.markers]
    for fam in marker_families(list(free)):
        if [m.marker for m in fam] != markers or not all(numeric(free[m.column].values) for m in fam):
            continue
        cols = [m.column for m in fam]
        values = [v for c in cols for v in free[c].values]
        direction = _number_reading(fam[0].stem, values, "/".join(cols), out)
        evidence = [f"{', '.join(f'`{c}`' for c in cols)} carry the responses' markers and hold numbers"]
        if direction == "lower":
            rank = Rank(encoding="rank", columns=cols)
            out.readings.append(
                Reading(rank, "rank per response (lower is better)", evidence, "/".join(cols))
            )
        elif direction == "higher":
            score = Score(encoding="score", columns=cols)
            out.readings.append(
                Reading(score, "score per response (higher is better)", evidence, "/".join(cols))
            )


def _number_reading(name: str, values: Sequence[Any], shown: str, out: Signals) -> str | None:
    """`lower`/`higher` for numbers under `name`, or None (recorded in `out.skipped` when unsure)."""
    direction, why = number_direction(name, allow_rank=not _not_ranks(values))
    if direction == "unknown":
        out.skipped.append(Skipped(shown, f"it holds a number per response, but {why}", True))
        return None
    return None if direction == "none" else direction


def _not_ranks(values: Sequence[Any]) -> bool:
    """Values no rank takes: fractions or negative numbers (so a `ranking_score` of 9.5 is a score)."""
    for v in values:
        try:
            x = float(str(v).strip()) if not isinstance(v, (int, float)) else float(v)
        except ValueError:
            continue
        if x < 0 or not x.is_integer():
            return True
    return False


def _item_readings(found: Found, out: Signals) -> None:
    col = found.responses.list_column
    for name, values in found.item_fields.items():
        last = name.split(".")[-1]
        if not numeric(values):
            continue
        direction = _number_reading(last, values, f"{col}[].{name}", out)
        if direction is None:
            continue
        evidence = [f"items of `{col}` carry `{name}`, numbers"]
        if direction == "lower":
            pref: Preference = Rank(encoding="rank", field=name)
            says = f"`{name}` ranks the candidates (lower is better)"
        else:
            pref = Score(encoding="score", field=name)
            says = f"`{name}` scores the candidates (higher is better)"
        out.readings.append(Reading(pref, says, evidence, name))


__all__ = ["Reading", "Signals", "Skipped", "common_fields", "find_signal", "label_key"]

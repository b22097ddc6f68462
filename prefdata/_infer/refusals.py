"""Saying what a source is when it yields no pairs, and what would make a near layout match."""

from __future__ import annotations

from collections.abc import Sequence

from prefdata._errors import DetectionError
from prefdata._infer.names import LABEL_WORDS, PROMPT_NAMES, has_word, norm
from prefdata._infer.roles import marker_families, strength
from prefdata._infer.values import Profile
from prefdata.records.manifest import LayoutScore

EXPECTED = "expected two or more responses to one prompt and a preference signal (e.g. `chosen`/`rejected`)"
FEEDBACK_WORDS = frozenset(
    {"label", "thumbs", "feedback", "liked", "like", "is_good", "good", "kto", "upvote", "desirable"}
)
SINGLE_RESPONSE = frozenset({"completion", "response", "output", "answer", "reply", "chosen", "generation"})


def no_pairs(
    columns: Sequence[str], profiles: dict[str, Profile], scores: Sequence[LayoutScore], why: str = ""
) -> DetectionError:
    """The refusal for a source in which no responses (or no signal) were found."""
    kind, fix = _kind(columns, profiles, responses_found=bool(why))
    found = ", ".join(f"`{c}`" for c in columns) or "no columns"
    near = _near(scores)
    hint = f"; nearest layout `{near.name}` would match if: {'; '.join(near.failed)}" if near else ""
    detail = f" ({why})" if why else ""
    return DetectionError(
        f"not preference data: {kind}{detail}. Found columns {found}; {EXPECTED}{hint}",
        where="detect",
        fix=fix,
    )


def _kind(columns: Sequence[str], profiles: dict[str, Profile], responses_found: bool) -> tuple[str, str]:
    mixed_forms = [c for c, p in profiles.items() if p.kind == "mixed" and _text_and_lists(p.values)]
    if mixed_forms:
        return (
            f"{', '.join(f'`{c}`' for c in mixed_forms)} mix text and message lists across rows, and a "
            "layout reads one form per column",
            "write each column's values in one form (all text, or all message lists), then convert again",
        )
    names = {norm(c): c for c in columns}
    conversations = [c for c, p in profiles.items() if p.kind in ("messages", "sharegpt", "json_messages")]
    singles = [c for n, c in names.items() if n in SINGLE_RESPONSE]
    feedback = [
        c for c, p in profiles.items() if p.kind == "bool" or (has_word(c, FEEDBACK_WORDS) and p.is_label)
    ]
    pairs_fix = (
        "this data cannot yield preference pairs; if the same prompt has other rated responses elsewhere, "
        "join them into one row per prompt, or describe such a layout in a spec file (--spec FILE)"
    )
    if singles and feedback:
        return (
            f"this looks like unpaired feedback: one response per row (`{singles[0]}`) rated on its own "
            f"(`{feedback[0]}`), with no second response to the same prompt to compare it with",
            pairs_fix,
        )
    rated = [c for c, p in profiles.items() if p.kind == "number" and c not in singles]
    if singles and rated:
        return (
            f"this looks like ratings of single responses: one response per row (`{singles[0]}`) with "
            f"its own scores ({', '.join(f'`{c}`' for c in rated[:5])}), no second response to compare it with",
            pairs_fix,
        )
    retrieval = _retrieval(names)
    if retrieval:
        return retrieval
    if "messages" in names and len(conversations) <= 1:
        return (
            "this looks like SFT conversation data (a `messages` column) with no preference signal",
            pairs_fix,
        )
    if "prompt" in names and "completion" in names:
        return (
            "this looks like prompt/completion (SFT) data: one response per prompt, nothing to compare",
            pairs_fix,
        )
    prompts = [c for n, c in names.items() if n in PROMPT_NAMES]
    if singles and prompts and len(conversations) == 0:
        return (
            f"this looks like instruction/response (SFT) data: one response (`{singles[0]}`) to each prompt "
            f"(`{prompts[0]}`), nothing to compare",
            pairs_fix,
        )
    if len(conversations) == 1 and len(profiles) <= 3:
        return (
            f"this looks like SFT conversation data (one conversation per row in `{conversations[0]}`)",
            pairs_fix,
        )
    judged = _judgments_only(profiles) if not responses_found else ""
    if judged:
        return (
            f"this looks like judgments without the judged responses: {judged} name the compared "
            "models or positions, but no column holds the responses' text",
            "join the responses into the rows (one column per response), or convert the source the "
            "judgments were made on",
        )
    return (
        "no built-in layout matches, and no pair of responses with a preference signal could be inferred",
        "describe the layout in a spec file and pass --spec FILE (see README: Your own layout)",
    )


# retrieval / contrastive-learning triplets: a positive is relevant to the query, not a preferred reply
CONTRASTIVE = (("positive", "negative"), ("pos", "neg"), ("positives", "negatives"))


def _retrieval(names: dict[str, str]) -> tuple[str, str] | None:
    for good, bad in CONTRASTIVE:
        if good in names and bad in names:
            shown = ", ".join(f"`{c}`" for c in names.values())
            return (
                f"this looks like retrieval or contrastive data ({shown}): `{names[good]}` is a text "
                f"that matches the anchor or query and `{names[bad]}` one that does not, not a preferred and a "
                "rejected reply to a prompt",
                f"if `{names[good]}` really is the preferred reply, convert with a spec: responses columns "
                f"[{names[good]}, {names[bad]}] and preference encoding `paired` (see README: Your own layout), "
                "passed with --spec FILE",
            )
    return None


def _judgments_only(profiles: dict[str, Profile]) -> str:
    has_label = any(has_word(c, LABEL_WORDS) and p.is_label for c, p in profiles.items())
    for fam in marker_families(list(profiles)):
        if has_label and all(strength(profiles[m.column]) < 1 for m in fam):
            return " and ".join(f"`{m.column}`" for m in fam)
    return ""


def _near(scores: Sequence[LayoutScore]) -> LayoutScore | None:
    """A built-in layout one failed test away from matching (only then is it worth naming)."""
    close = [s for s in scores if len(s.failed) == 1 and len(s.matched) >= 2]
    return max(close, key=lambda s: len(s.matched), default=None)


def _text_and_lists(values: Sequence[object]) -> bool:
    """Some sampled values are text and some are lists (of messages)."""
    return any(isinstance(v, str) for v in values) and any(isinstance(v, list) for v in values)

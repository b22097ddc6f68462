"""Column-name families: prompt names, position markers, chosen/rejected stems, signal names.

Names alone never decide a preference's direction; they say which columns may hold which
role, and the sampled values then have to agree (see `values.py`, `signal.py`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

_TOKEN = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")

# prompt roles, in the order their pieces are read into the prompt
SYSTEM_NAMES = frozenset({"system", "system_prompt", "system_message", "sys"})
HISTORY_NAMES = frozenset(
    {"history", "context", "conversation", "conversations", "dialog", "dialogue", "chat_history", "messages"}
)
PROMPT_NAMES = frozenset(
    {
        "prompt",
        "instruction",
        "instructions",
        "question",
        "query",
        "post",
        "input",
        "user_prompt",
        "user_input",
        "user_query",
        "problem",
        "prompt_text",
        "question_body",
        "turns",
    }
)
# words that make a column a per-response number (score_0, rating_a, chosen_score, ...)
SCORE_WORDS = frozenset({"score", "scores", "rating", "ratings", "reward", "rewards", "points", "grade"})
RANK_WORDS = frozenset({"rank", "ranking", "ranks"})
# names of a column that names the preferred response
LABEL_WORDS = frozenset(
    {
        "label",
        "labels",
        "winner",
        "preference",
        "preferred",
        "pref",
        "choice",
        "better",
        "best",
        "judgment",
        "judgement",
        "verdict",
        "result",
        "gold",
        "vote",
        "selected",
        "selection",
        "win",
        "answer",
        "correct",
        "outcome",
        "chosen",
    }
)
# a column whose name has one of these may name the response that LOST: never read as a winner
NEGATIVE_WORDS = frozenset(
    {
        "worse",
        "worst",
        "loser",
        "losing",
        "lose",
        "lost",
        "loss",
        "rejected",
        "reject",
        "dispreferred",
        "unpreferred",
        "nonpreferred",
        "bad",
        "incorrect",
        "wrong",
        "less",
        "not",
        "non",
        "least",
    }
)
# words saying what a column measures is bad: a number under such a name may be lower-is-better,
# and a label under it may name the worse response (`harm_score_a`, `more_harmful`, `toxicity_rating`)
BAD_WORDS = frozenset(
    {
        "harm",
        "harms",
        "harmful",
        "harmfulness",
        "toxic",
        "toxicity",
        "hallucinated",
        "hallucination",
        "hallucinations",
        "unsafe",
        "danger",
        "dangerous",
        "offensive",
        "bias",
        "biased",
        "error",
        "errors",
        "cost",
        "costs",
        "penalty",
        "risk",
        "risky",
        "perplexity",
        "ppl",
        "distance",
        "regret",
        "loss",
        "losses",
        "violence",
        "violent",
        "severity",
        "flagged",
        "refusal",
    }
)
_BAD_PREFIXES = ("violat", "hallucinat", "toxic", "harmful")
# qualifiers that leave a score name plain ("higher is better" is then read from the score word)
SCORE_QUALIFIERS = frozenset(
    {"overall", "avg", "average", "mean", "total", "final", "human", "pm", "preference", "quality"}
)
# label words that say the column names the preferred response (not just "a choice")
DIRECTED_WORDS = frozenset(
    {"winner", "preference", "preferred", "pref", "better", "best", "gold", "selected", "win", "chosen"}
)
# words that say nothing about what a label column picks (`orig_preference`, `better_response_id`)
NEUTRAL_WORDS = frozenset(
    {"orig", "original", "final", "human", "gt", "ground", "truth", "overall", "id", "idx", "index", "is"}
)
# chosen/rejected stems: the first word of each pair marks the preferred side
STEM_PAIRS = (
    ("chosen", "rejected"),
    ("accepted", "rejected"),
    ("preferred", "dispreferred"),
    ("preferred", "rejected"),
    ("better", "worse"),
    ("winner", "loser"),
    ("good", "bad"),
)
# words before a position marker that still name a response in a label value ("model_a")
RESPONSE_WORDS = frozenset(
    {
        "model",
        "response",
        "output",
        "answer",
        "assistant",
        "completion",
        "conversation",
        "summary",
        "candidate",
        "option",
        "generation",
        "resp",
    }
)
# words that name one response by its place: a label named with one (`first_better`) is about that response
ORDINAL_WORDS = frozenset({"first", "second", "third", "left", "right", "former", "latter"})
# a column named with one of these flags ties (`winner_tie` 0/1): its 0 is not "the first response"
TIE_NAME_WORDS = frozenset({"tie", "ties", "tied", "draw", "draws"})
TieKind = Literal["tie", "tie_both_bad"]
TIE_WORDS: dict[str, TieKind] = {
    "tie": "tie",
    "draw": "tie",
    "equal": "tie",
    "same": "tie",
    "equivalent": "tie",
    "both good": "tie",
    "tie (bothbad)": "tie_both_bad",
    "tie(bothbad)": "tie_both_bad",
    "both bad": "tie_both_bad",
    "both_bad": "tie_both_bad",
    "bothbad": "tie_both_bad",
    "neither": "tie_both_bad",
}


def tokens(name: str) -> list[str]:
    """`chosenResponse_2` -> ['chosen', 'response', '2']."""
    return [t.lower() for t in _TOKEN.findall(name)]


def norm(name: str) -> str:
    """Lower-case words joined by `_`: `Chosen Response` -> `chosen_response`."""
    return "_".join(tokens(name))


@dataclass(frozen=True)
class Marked:
    """A column name split into a stem and a position marker (`output_1` -> `output`, `_`, `1`)."""

    column: str
    stem: str
    sep: str
    marker: str

    @property
    def family(self) -> tuple[str, str, bool, bool]:
        """Columns of one family differ only in the marker (same stem, separator, marker kind and case)."""
        return (self.stem, self.sep, self.marker.isdigit(), self.marker.isupper())

    @property
    def position(self) -> int:
        """The marker's order: a=0, b=1; digits as numbers (the base is the family's smallest)."""
        return int(self.marker) if self.marker.isdigit() else ord(self.marker.lower()) - ord("a")


_MARKED = re.compile(r"^(?P<stem>.*?[A-Za-z])(?P<sep>[_\- ]?)(?P<marker>\d{1,2}|[A-Da-d])$")


def marked(column: str) -> Marked | None:
    """The column's position marker, if its name ends in one.

    A letter marker needs a separator (`model_a`) or a case change (`responseA`), so that
    words ending in a, b, c or d (`data`, `word`) are not split.
    """
    m = _MARKED.match(column)
    if m is None:
        return None
    stem, sep, marker = m["stem"], m["sep"], m["marker"]
    if marker.isalpha() and not sep and not (marker.isupper() and stem[-1].islower()):
        return None
    return Marked(column, stem, sep, marker)


def stem_partner(column: str) -> tuple[str, str, str] | None:
    """For a chosen-side name, the rejected-side name and the pair's two words.

    `chosen_response` -> (`rejected_response`, `chosen`, `rejected`); case and separators kept.
    """
    for good, bad in STEM_PAIRS:
        m = re.search(rf"(?<![a-z]){good}(?![a-z])", column, flags=re.I)
        if m is None:
            continue
        word = m.group(0)
        other = bad.upper() if word.isupper() else bad.capitalize() if word[0].isupper() else bad
        return column[: m.start()] + other + column[m.end() :], good, bad
    return None


def has_word(column: str, words: frozenset[str]) -> bool:
    """One of the name's words is in `words`."""
    return any(t in words for t in tokens(column))


def marker_words(text: str, words: frozenset[str]) -> str:
    """`Model A` / `response_1` / `a` -> the marker (`a`, `1`), lower-cased; the text itself otherwise."""
    parts = tokens(text)
    if len(parts) == 2 and parts[0] in words:
        return parts[1]
    return text.strip().lower()


def bad_words(name: str) -> list[str]:
    """The name's words that may say it measures or names something bad (`harm`, `worse`, `violates`)."""
    return [
        t
        for t in tokens(name)
        if t in NEGATIVE_WORDS or t in BAD_WORDS or any(t.startswith(p) for p in _BAD_PREFIXES)
    ]


def number_direction(name: str, allow_rank: bool = True) -> tuple[str, str]:
    """How a per-response number under `name` orders responses: `higher`, `lower`, `unknown`, or `none`.

    `none`: not named like a score, a rank or something bad. `unknown` comes with the reason: a word that may say
    lower is better (`harm_score`), both a rank and a score word (`ranking_score`, unless
    `allow_rank` is False because the values cannot be ranks), or a word besides the score word
    that may say what is measured (`length_score`). Only a plain score name (`score`, `rating_a`,
    `overall_score`) is read higher-is-better; see README "Inferred layouts".
    """
    words = [t for t in tokens(name) if not t.isdigit()]
    score = [t for t in words if t in SCORE_WORDS]
    rank = [t for t in words if t in RANK_WORDS]
    bad = bad_words(name)
    if bad:
        return "unknown", f"the name's `{bad[0]}` may mean that lower is better"
    if not score and not rank:
        return "none", ""
    if rank and score:
        if allow_rank:
            return "unknown", f"the name has a rank word (`{rank[0]}`, lower is better) and a score word " + (
                f"(`{score[0]}`, higher is better)"
            )
        return "higher", ""
    if rank:
        return "lower", ""
    other = [t for t in words if t not in SCORE_WORDS and t not in SCORE_QUALIFIERS]
    if other:
        return "unknown", f"the name's `{other[0]}` may say what is measured, and whether lower is better"
    return "higher", ""


def winner_name_problem(name: str) -> str:
    """Why a column with this name may not be read as naming the preferred response ('' when it may).

    A name that says so (`winner`, `better_response_id`) or a plain label name (`label`, `choice`,
    `score` holding verdicts) may; one with a word that may name the worse response (`worse_one`,
    `more_harmful`) or with any other word that may qualify what is picked (`toxicity_judgment`,
    `humor_choice`) may not: when in doubt, a spec decides.
    """
    bad = bad_words(name)
    if bad:
        return f"its name's `{bad[0]}` may say it names the worse response"
    words = tokens(name)
    if any(t in DIRECTED_WORDS for t in words):
        return ""
    known = LABEL_WORDS | NEUTRAL_WORDS | SCORE_WORDS | RESPONSE_WORDS
    other = [t for t in words if t not in known and not t.isdigit() and len(t) > 1]
    if other:
        return f"its name's `{other[0]}` may say what kind of choice it is, not that it names the better response"
    return ""


def one_response_named(name: str, markers: Sequence[str]) -> str:
    """The word by which `name` names ONE of the responses (`0` in `is_response_0_better`), or ''.

    Such a column says something about that response (`1`: it is the better one), so its values
    are not positions: a 0/1 under `is_response_0_better` read as a 0-based position is flipped.
    A tie word (`winner_tie`) counts too: that column flags ties, and its 0 names no response.
    """
    own = {m.lower() for m in markers}
    return next((t for t in tokens(name) if t in own or t in ORDINAL_WORDS or t in TIE_NAME_WORDS), "")

"""Which columns hold the prompt and which the candidate responses.

Responses are looked for in this order, and the first family found is taken:

| family          | names                                          | values                         |
| --------------- | ---------------------------------------------- | ------------------------------ |
| chosen/rejected | `chosen*` / `rejected*` (and other stem pairs) | text, messages, one message    |
| position marked | `output_1`/`output_2`, `response_a`/`_b`, ...   | text, messages, one message    |
| candidate list  | any name                                       | list of texts/records/messages |

Among several families of one kind, the one whose values look most like replies (message
lists, then long varied text) is taken; two equally good families are ambiguous.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from prefdata._infer.names import (
    HISTORY_NAMES,
    PROMPT_NAMES,
    SYSTEM_NAMES,
    Marked,
    marked,
    norm,
    stem_partner,
)
from prefdata._infer.values import AGREE, Profile, common_fields
from prefdata._transforms.fields import get_path
from prefdata.records.inference import Decision
from prefdata.records.spec import Piece, Responses

T = TypeVar("T")
FORMATS: dict[str, Any] = {
    "text": "text",
    "messages": "messages",
    "sharegpt": "sharegpt",
    "json_messages": "json_messages",
    "message": "sharegpt_message",
    "sharegpt_message": "sharegpt_message",
}
TEXT_FIELDS = ("text", "response", "content", "output", "completion", "answer", "generation", "value")


@dataclass
class Found:
    """The responses found: where they are, the spec part, and their position markers."""

    kind: str  # "stems", "markers", "list"
    responses: Responses
    markers: list[Marked] = field(default_factory=list)
    stems: tuple[str, str] = ("", "")
    item_fields: dict[str, list] = field(default_factory=dict)
    decision: Decision | None = None

    @property
    def used(self) -> set[str]:
        cols = set(self.responses.columns) | {self.responses.list_column or ""}
        return {c.split(".")[0] for c in cols if c}


def strength(p: Profile) -> float:
    """How much a column's values look like replies: message lists, then long varied text."""
    if p.kind in ("messages", "sharegpt", "json_messages"):
        return 3.0
    if p.kind in ("message", "sharegpt_message"):
        return 2.5
    if p.kind != "text":
        return 0.0
    varied = p.distinct >= 0.5 * len(p.values) if p.values else False
    return 2.0 if p.mean_length >= 20 and varied else 1.0 if varied else 0.2


def stem_pairs(profiles: dict[str, Profile]) -> list[tuple[str, str, str, str]]:
    """(chosen column, rejected column, good word, bad word) for every stem pair present."""
    out = []
    for col in profiles:
        partner = stem_partner(col)
        if partner and partner[0] in profiles:
            out.append((col, partner[0], partner[1], partner[2]))
    return out


def marker_families(columns: Sequence[str]) -> list[list[Marked]]:
    """Groups of two or more columns that differ only in a contiguous run of position markers."""
    groups: dict[tuple, list[Marked]] = {}
    for col in columns:
        m = marked(col)
        if m is not None:
            groups.setdefault(m.family, []).append(m)
    out = []
    for group in groups.values():
        group.sort(key=lambda m: m.position)
        pos = [m.position for m in group]
        contiguous = len(group) >= 2 and pos == list(range(pos[0], pos[0] + len(pos)))
        # digits may start at 0 or 1; letters start at a
        if contiguous and (pos[0] == 0 or (pos[0] == 1 and group[0].marker.isdigit())):
            out.append(group)
    return out


def _best(options: list[tuple[float, T]], what: str) -> T | None:
    from prefdata._infer.ambiguity import ambiguous_choice

    if not options:
        return None
    options.sort(key=lambda t: -t[0])
    if len(options) > 1 and options[0][0] == options[1][0]:
        raise ambiguous_choice(what, [_shown(o[1]) for o in options if o[0] == options[0][0]])
    return options[0][1]


def _shown(option: object) -> str:
    """An option as the columns it names (`response_a`/`response_b`), not as Python's repr."""
    if isinstance(option, list):  # a family of marked columns
        return "/".join(f"`{m.column}`" for m in option)
    if isinstance(option, tuple) and isinstance(option[-1], dict):  # (list column, text field, ...)
        return f"`{option[0]}` (items' `{option[1]}`)"
    if isinstance(option, tuple):  # (chosen column, rejected column, good word, bad word)
        return "/".join(f"`{c}`" for c in option[:2])
    return f"`{option}`"


def find_responses(profiles: dict[str, Profile]) -> Found | None:
    """The response columns, by the table in the module docstring; None when there are none."""
    stems = []
    for good_col, bad_col, good, bad in stem_pairs(profiles):
        a, b = profiles[good_col], profiles[bad_col]
        if a.is_response and b.is_response and a.kind == b.kind and min(strength(a), strength(b)) >= 1:
            stems.append((min(strength(a), strength(b)), (good_col, bad_col, good, bad)))
    pick = _best(stems, "chosen/rejected response columns")
    if pick is not None:
        good_col, bad_col, good, bad = pick
        fmt = FORMATS[profiles[good_col].kind]
        found = Found("stems", Responses(columns=[good_col, bad_col], format=fmt), stems=(good, bad))
        found.decision = Decision(
            part="responses",
            choice=f"`{good_col}` is the chosen response, `{bad_col}` the rejected one ({fmt})",
            evidence=[f"the names differ only in `{good}`/`{bad}`", f"values are {profiles[good_col].kind}"],
        )
        return found
    return _marked_responses(profiles) or _list_responses(profiles)


def _marked_responses(profiles: dict[str, Profile]) -> Found | None:
    options: list[tuple[float, list[Marked]]] = []
    for fam in marker_families(list(profiles)):
        profs = [profiles[m.column] for m in fam]
        if all(p.is_response for p in profs) and len({p.kind for p in profs}) == 1:
            score = min(strength(p) for p in profs)
            if score >= 1:
                options.append((score, fam))
    best = _best(options, "response columns")
    if best is None:
        return None
    fam = best
    cols = [m.column for m in fam]
    kind = profiles[cols[0]].kind
    found = Found("markers", Responses(columns=cols, format=FORMATS[kind]), markers=list(fam))
    found.decision = Decision(
        part="responses",
        choice=f"responses in {', '.join(f'`{c}`' for c in cols)} ({FORMATS[kind]}), in marker order",
        evidence=[
            "the names differ only in the position marker " + "/".join(m.marker for m in fam),
            f"values are {kind}"
            + (f", {profiles[cols[0]].mean_length:.0f} characters on average" if kind == "text" else ""),
        ],
    )
    return found


def _list_responses(profiles: dict[str, Profile]) -> Found | None:
    options: list[tuple[float, tuple[str, str, str, dict[str, list[Any]]]]] = []
    for col, p in profiles.items():
        # lists of bare texts or message lists carry no per-candidate signal to pair them by
        if p.kind != "records":
            continue
        if sum(len(v) if isinstance(v, list) else 2 for v in p.values) < 2 * len(p.values):
            continue  # lists of one candidate compare nothing
        if True:
            items = [i for v in p.values for i in v]
            fields = common_fields(items)
            text = next(
                (
                    f
                    for f in TEXT_FIELDS
                    if f in fields and all(isinstance(x, str) for x in fields[f] if x is not None)
                ),
                None,
            )
            if text is None:
                continue
            options.append((2.0, (col, text, "text", fields)))
    pick = _best(options, "candidate list column")
    if pick is None:
        return None
    col, text, fmt, fields = pick
    resp = Responses(list_column=col, field=text, format=FORMATS[fmt])
    found = Found("list", resp, item_fields=fields)
    found.decision = Decision(
        part="responses",
        choice=f"candidates are the items of `{col}`" + (f", text in `{text}`" if text else ""),
        evidence=[f"`{col}` holds lists of {profiles[col].kind} with two or more items"],
    )
    return found


PROMPT_ORDER = (SYSTEM_NAMES, HISTORY_NAMES, PROMPT_NAMES)
PROMPT_KINDS = {"text", "messages", "sharegpt", "json_messages", "message", "sharegpt_message"}


def find_prompt(profiles: dict[str, Profile], used: set[str]) -> tuple[list[Piece], Decision]:
    """Prompt pieces in order (system, history/context, the prompt itself), merged where they are text."""
    chosen: list[tuple[int, int, str]] = []
    for col, p in profiles.items():
        if col in used or (p.kind not in PROMPT_KINDS and p.kind != "mapping"):
            continue
        name = norm(col)
        last = name.rsplit("_", 1)[-1]  # `orig_instruction` reads as `instruction`
        for rank, family in enumerate(PROMPT_ORDER):
            word = name if name in family else last if last in family else None
            if word is not None:
                chosen.append((rank, PROMPT_PRIORITY.index(word) if word in PROMPT_PRIORITY else 99, col))
                break
    chosen.sort()
    chosen = [(r, i, c) for r, i, c in chosen if profiles[c].kind != "mapping" or _text_path(profiles[c])]
    if not chosen:
        return [], Decision(
            part="prompt",
            choice="no prompt column: the responses hold whole dialogues (the prompt is what they share)",
            evidence=["no column is named like a prompt (prompt, instruction, input, question, ...)"],
        )
    pieces: list[Piece] = []
    paths = {
        c: c + "." + _text_path(profiles[c]) if profiles[c].kind == "mapping" else c for _, _, c in chosen
    }
    kinds = {c: "text" if profiles[c].kind == "mapping" else profiles[c].kind for _, _, c in chosen}
    texts = [paths[c] for r, _, c in chosen if r > 0 and kinds[c] == "text"]
    for rank, _, col in chosen:
        kind = kinds[col]
        if rank == 0 and kind == "text":
            pieces.append(Piece(column=col, role="system", optional=True))
        elif kind != "text":
            pieces.append(Piece(column=col, format=FORMATS[kind]))
        elif paths[col] == texts[0]:
            pieces.append(_text_piece(texts))
    evidence = [
        f"`{paths[c]}` is named like a {('system prompt', 'history', 'prompt')[r]} ({kinds[c]})"
        for r, _, c in chosen
    ]
    if len(texts) > 1:
        evidence.append("text prompt columns joined into one user turn, blank ones left out")
    return pieces, Decision(
        part="prompt", choice=", ".join(f"`{paths[c]}`" for *_, c in chosen), evidence=evidence
    )


PROMPT_PRIORITY = (
    "history",
    "context",
    "conversation",
    "conversations",
    "messages",
    "instruction",
    "prompt",
    "question",
    "query",
    "post",
    "input",
)


def _text_path(p: Profile) -> str:
    """The text field of a mapping prompt (`question.full_text`), or '' when it has none."""
    fields = common_fields(p.values)
    for name in ("full_text", "text", "content", "body", "question", "prompt"):
        if name in fields and all(isinstance(v, str) for v in fields[name] if v is not None):
            return name
    return ""


def _text_piece(texts: list[str]) -> Piece:
    if len(texts) == 1:
        return Piece(column=texts[0], role="user")
    # Alpaca style: instruction, then input when there is one; every non-blank subset, longest first
    templates = ["\n\n".join("{" + c + "}" for c in texts)]
    templates += ["{" + c + "}" for c in texts]
    return Piece(column=texts[0], format="template", role="user", template=templates, blank_is_missing=True)


def drop_restated_prompt(
    pieces: list[Piece], decision: Decision, found: Found, sample: Sequence[dict[str, Any]]
) -> tuple[list[Piece], Decision]:
    """Leave out a text prompt that the responses' whole dialogues already open with.

    argilla's ultrafeedback-binarized-preferences-cleaned has `prompt` (a string) beside `chosen`/
    `rejected` message lists that start with that same user turn; read as a prompt it would come
    twice. The prompt is then what the dialogues share, as in the `ultrafeedback-binarized` layout.
    """
    texts = [p for p in pieces if p.format == "text" and p.role == "user"]
    if len(texts) != 1 or found.responses.format != "messages" or not found.responses.columns:
        return pieces, decision
    col, first = texts[0].column, found.responses.columns[0]
    seen = same = 0
    for row in sample:
        prompt, dialogue = get_path(row, col), get_path(row, first)
        if not isinstance(prompt, str) or not isinstance(dialogue, list) or not dialogue:
            continue
        seen += 1
        opening = next((m for m in dialogue if isinstance(m, dict) and m.get("role") != "system"), {})
        same += opening.get("role") == "user" and str(opening.get("content", "")).strip() == prompt.strip()
    if not seen or same < AGREE * seen:
        return pieces, decision
    kept = [p for p in pieces if p is not texts[0]]
    evidence = [
        *decision.evidence,
        f"`{col}` repeats the first user turn of `{first}` on {same} of {seen} sampled rows: not read, "
        "the prompt is what the responses' dialogues share",
    ]
    choice = (
        ", ".join(f"`{p.column}`" for p in kept) or "no prompt column: the responses hold whole dialogues"
    )
    return kept, Decision(part="prompt", choice=choice, evidence=evidence)

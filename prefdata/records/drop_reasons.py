"""Every reason a row or pair can be dropped: the one registry that the transforms, convert's
summary, the rejects file, the manifest and validate read.

| field         | meaning                                                                        |
| ------------- | ------------------------------------------------------------------------------ |
| `name`        | as written to `rejects.jsonl` and to the manifest's `dropped` counts           |
| `description` | one line, printed by `prefdata convert` and in the errors of `--empty error`... |
| `check`       | validate's check code for a raw source's row the converter dropped for it      |
| `is_tie`      | a tie, not a fault: validate reports it under `content.tie` (info)             |

Validating a raw source, a dropped row is a problem of the source itself, so an empty or
identical reply gets the code a canonical row with it gets (`content.empty`,
`content.identical`). Validating a convert output, the row is gone from the data: a tie is
still `content.tie`, every other reason is `convert.dropped` (`DropReason.output_check`).
A name not registered here (a tie kind a user spec invents, a rejects file of another
version) reads as a plain `convert.dropped` reason without a description (`drop_reason`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

TIE_CHECK = "content.tie"
DROPPED_CHECK = "convert.dropped"


@dataclass(frozen=True)
class DropReason:
    """One stable drop reason (see the module docstring for the fields)."""

    name: str
    description: str
    check: str = DROPPED_CHECK
    is_tie: bool = False

    @property
    def output_check(self) -> str:
        """The check code a drop recorded in a convert output's manifest is reported under."""
        return TIE_CHECK if self.is_tie else DROPPED_CHECK


_REASONS = (
    DropReason("tie", "the source marks the pair as a tie (see --ties)", TIE_CHECK, is_tie=True),
    DropReason(
        "tie_both_bad",
        "the source marks the pair as a tie in which both responses are bad",
        TIE_CHECK,
        is_tie=True,
    ),
    DropReason("empty_response", "a response is empty or null", "content.empty"),
    DropReason("empty_prompt", "the prompt is empty or null"),
    DropReason("identical", "chosen and rejected are identical", "content.identical"),
    DropReason("missing_preference", "the preference signal is null or not a known value"),
    DropReason(
        "label_out_of_domain",
        "the preference signal is outside the values the layout publishes (see --labels)",
    ),
    DropReason(
        "no_margin",
        "the pair has no usable margin (null, NaN or infinite), and a margin column needs one on "
        "every row (TRL reads a number from each)",
    ),
    DropReason("fewer_than_two_responses", "fewer than two usable responses to compare"),
    DropReason("turn_mismatch", "prompt and response turn lists do not line up"),
    DropReason("no_shared_prompt", "chosen and rejected share no prompt turns"),
    DropReason("bad_value", "a value has the wrong type or cannot be parsed"),
    DropReason("unknown_role", "a message has a role that is not system/user/assistant/tool"),
    DropReason(
        "turn_order",
        "the dialogue's turns are out of order (a reply to nothing, two turns of one role in a row, "
        "a completion that does not start or end with a reply); see prefdata._transforms.turn_order",
    ),
    DropReason("no_pairs", "no ranked sibling replies to pair"),
    DropReason(
        "synthetic",
        "the message tree's root is synthetic (machine-written): the tree holds no human preference",
    ),
    DropReason("deleted", "the message tree's root message is deleted"),
    DropReason(
        "orphan_message",
        "a message-table row is reachable from no root message in its split (missing parent, "
        "repeated or missing message_id)",
    ),
    # `prefdata mix`: pairs of converted sources it leaves out
    DropReason(
        "duplicate", "the same pair (or prompt, with `dedup: prompts`) is kept from an earlier source or row"
    ),
    DropReason(
        "contaminated",
        "the prompt shares an n-gram with an evaluation prompt (listed in contamination.jsonl)",
    ),
)

DROP_REASONS: Mapping[str, DropReason] = MappingProxyType({reason.name: reason for reason in _REASONS})


def drop_reason(name: str) -> DropReason:
    """The registered reason `name`, or an unregistered one read as `convert.dropped`."""
    return DROP_REASONS.get(name) or DropReason(name, "")

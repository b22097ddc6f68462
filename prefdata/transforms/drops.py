"""The one way a transform says "this row (or pair) cannot be used"."""

from __future__ import annotations

# Stable drop reasons, as written to rejects.jsonl and the manifest.
REASONS = {
    "tie": "the source marks the pair as a tie (see --ties)",
    "tie_both_bad": "the source marks the pair as a tie in which both responses are bad",
    "empty_response": "a response is empty or null",
    "empty_prompt": "the prompt is empty or null",
    "identical": "chosen and rejected are identical",
    "missing_preference": "the preference signal is null or not a known value",
    "label_out_of_domain": "the preference signal is outside the values the layout publishes (see --labels)",
    "no_margin": "the pair has no usable margin (null, NaN or infinite), and a margin column needs one on "
    "every row (TRL reads a number from each)",
    "fewer_than_two_responses": "fewer than two usable responses to compare",
    "turn_mismatch": "prompt and response turn lists do not line up",
    "no_shared_prompt": "chosen and rejected share no prompt turns",
    "bad_value": "a value has the wrong type or cannot be parsed",
    "unknown_role": "a message has a role that is not system/user/assistant/tool",
    "turn_order": "the dialogue's turns are out of order (a reply to nothing, two turns of one role in a row, "
    "a completion that does not start or end with a reply); see prefdata.transforms.turn_order",
    "no_pairs": "no ranked sibling replies to pair",
    "synthetic": "the message tree's root is synthetic (machine-written): the tree holds no human preference",
    "deleted": "the message tree's root message is deleted",
    "orphan_message": "a message-table row is reachable from no root message in its split (missing parent, "
    "repeated or missing message_id)",
}


class Drop(Exception):
    """Raised by a transform to drop the current row or pair with a stable `reason`."""

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason, self.detail = reason, detail
        super().__init__(f"{reason}: {detail}" if detail else reason)

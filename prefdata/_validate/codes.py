"""The registry of check codes: one severity and one title per code, used by every renderer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class CheckInfo:
    """What a check code means."""

    severity: Severity
    title: str


CHECKS: dict[str, CheckInfo] = {
    "structure.shape": CheckInfo("error", "columns do not match one of TRL's four shapes"),
    "structure.roles": CheckInfo("error", "message with an unknown role"),
    "structure.turn_order": CheckInfo("error", "turns out of order"),
    "structure.tool_reply": CheckInfo("error", "tool message that answers no tool call"),
    "structure.tool_call": CheckInfo("error", "tool call whose arguments are not a JSON object"),
    "structure.tools_schema": CheckInfo("error", "`tools` entry that is not a valid function JSON schema"),
    "structure.margin": CheckInfo("error", "margin that is NaN or infinite"),
    "margin.null": CheckInfo("error", "null margin (TRL's RewardTrainer cannot batch it)"),
    "margin.negative": CheckInfo("warning", "negative margin: chosen scored below rejected"),
    "content.empty": CheckInfo("error", "empty or null response"),
    "content.empty_prompt": CheckInfo("warning", "empty or null prompt"),
    "content.identical": CheckInfo("error", "chosen identical to rejected"),
    "content.prefix": CheckInfo("warning", "one non-empty response a strict prefix of the other"),
    "content.duplicate": CheckInfo("warning", "exact duplicate pair"),
    "content.contradiction": CheckInfo("warning", "same prompt with A over B and B over A"),
    "content.length_ratio": CheckInfo("warning", "extreme length ratio between chosen and rejected"),
    "content.garbage": CheckInfo("warning", "replacement characters (U+FFFD) or NUL bytes"),
    "content.tie": CheckInfo("info", "tie dropped by the converter"),
    "convert.dropped": CheckInfo("warning", "row the converter dropped"),
    "folder.features": CheckInfo("error", "Arrow columns that differ from the split's dataset_info.json"),
    "folder.changed": CheckInfo(
        "error", "data that differs from what its prefdata.json and state.json record"
    ),
    "splits.prompt_leak": CheckInfo("warning", "prompt shared between a train and an evaluation split"),
    "splits.contamination": CheckInfo(
        "error", "prompt sharing an n-gram with an evaluation set given to --against"
    ),
    "tokens.too_long": CheckInfo("warning", "pair longer than --max-length tokens"),
    "tokens.identical_after_truncation": CheckInfo(
        "error", "pair identical after truncation to --max-length"
    ),
    "tokens.pad_is_eos": CheckInfo("warning", "pad token equal to the EOS token"),
    "tokens.no_chat_template": CheckInfo(
        "error", "conversational data but the tokenizer has no chat template"
    ),
    "tokens.template_error": CheckInfo("error", "row the chat template cannot render"),
}

SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}

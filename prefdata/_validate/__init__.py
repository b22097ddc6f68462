"""Validate preference data before training: `prefdata validate PATH` and `validate()`.

`validate` reads a canonical dataset (what `prefdata convert` writes, or any `save_to_disk`,
parquet or jsonl data in one of TRL's four shapes) batch by batch, or a raw source through
the same mapping `convert` uses, and reports every problem it finds under a stable code.
Exit status of the command: 0 when no finding is at error severity (`--fail-on warning`
also counts warnings), 1 otherwise, 2 when the input cannot be read.

| code | severity | finds |
| --- | --- | --- |
| `structure.shape` | error | columns or types fit none of the four shapes; splits differ in shape |
| `structure.roles` | error | a message role other than system, user, assistant, tool |
| `structure.turn_order` | error | assistant turn replying to nothing; prompt ending on assistant turn (1) |
| `structure.tool_reply` | error | a tool message with no earlier tool call (or an unknown `tool_call_id`) |
| `structure.tool_call` | error | a tool call with no name or whose `arguments` are not a JSON object |
| `structure.tools_schema` | error | `tools` not a JSON list; a function without name or bad `parameters` |
| `structure.margin` | error | a `margin` that is NaN, infinite or not a number |
| `margin.null` | error | a null `margin` (TRL's RewardTrainer cannot batch it; prefdata-train can) |
| `margin.negative` | warning | a `margin` below 0: chosen scored below rejected (flipped pair or sign) |
| `content.empty` | error | chosen/rejected null, blank or without messages, or a reply with no text nor call (4) |
| `content.empty_prompt` | warning | a blank prompt turn: in the prompt, a user/system turn of a reply, history (4) |
| `content.identical` | error | chosen equal to rejected |
| `content.prefix` | warning | one response a strict prefix of the other (an empty one is `content.empty`) |
| `content.duplicate` | warning | a pair (prompt, chosen, rejected) already seen in the split |
| `content.contradiction` | warning | the same prompt with A over B in one row and B over A in another |
| `content.length_ratio` | warning | the longer response ≥ 20x the shorter one and ≥ 200 characters |
| `content.garbage` | warning | U+FFFD replacement characters or NUL bytes |
| `content.tie` | info | a raw row the converter dropped as a tie (3) |
| `convert.dropped` | warning | a raw row the converter dropped for another reason (given in the excerpt) (3) |
| `folder.features` | error | a split's Arrow columns differ from its `dataset_info.json` (7) |
| `folder.changed` | error | the data differs from what prefdata wrote: file digest, rows, splits or columns (7) |
| `splits.prompt_leak` | warning | an eval split's prompt also in a train split (2), counted per split pair (5) |
| `splits.contamination` | error | with `--against`: a prompt sharing an n-gram with an evaluation prompt (6) |
| `tokens.too_long` | warning | prompt + response longer than `--max-length` tokens |
| `tokens.identical_after_truncation` | error | chosen and rejected identical once cut to `--max-length` |
| `tokens.pad_is_eos` | warning | the tokenizer's pad token is its EOS token |
| `tokens.no_chat_template` | error | conversational data, but the tokenizer has no chat template |
| `tokens.template_error` | error | a row the chat template fails on, or renders without its tool calls |

(1) before an assistant completion; also a completion starting with a user or system turn.
(2) a split's role comes from a keyword of its name, the keywords convert names splits by
(`prefdata._canonical_folder.split_role`): train/training for train splits; test/testing/eval/
evaluation/validation/valid/dev/val for eval splits. For raw
sources, rows are source rows, and `convert`'s drop reasons map to codes (`empty_response`
to `content.empty`, `identical` to `content.identical`, `tie` and `tie_both_bad` to
`content.tie`; each reason's code is registered in `prefdata.records.drop_reasons`).
(3) for a folder written by `convert`, the drops its `prefdata.json` records, counted per
split and reason, with the first rows of `rejects.jsonl` as examples (by source row).
(4) with an explicit prompt every assistant turn of chosen/rejected is a reply; with implicit
prompts only the final turn is, and blank earlier turns are prompt turns.
(5) each example also names the first train row with that prompt: the row to remove.
(6) `prefdata mix`'s own index and normalisation (`prefdata._mix.ngram_index`); each example names
the evaluation file, split and row, and the shared words.
(7) for a `save_to_disk` folder: its files checked against one another, so data edited in place
(rows removed, a column added, `chosen` and `rejected` renamed into each other) is not taken for
clean data (`prefdata._validate.folder_integrity`).

The report counts, per split, the pairs validated and (for a raw source or a convert output)
the input rows they came from, and per severity the distinct rows with a finding (a row with
two problems is one row; for a raw source, source rows). `validate` takes one path; the CLI
takes several (see `prefdata._cli.validate_command`). A manifest beside a folder that is unreadable or
of the wrong shape, or a `dataset_dict.json` listing a split outside the folder, stops the run
(see `prefdata._validate.manifest_reading`, `prefdata._canonical_folder`).

Memory does not grow with the text: set-like checks (duplicates, contradictions, split
leaks) keep 8-byte hashes per row; lengths are kept as histograms.
"""

from __future__ import annotations

from prefdata._validate.api import validate
from prefdata._validate.report import Example, Finding, ValidationReport

__all__ = ["Example", "Finding", "ValidationReport", "validate"]

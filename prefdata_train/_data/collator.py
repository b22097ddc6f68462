"""`DataCollatorForPreference`: pads tokenised preference pairs into one batch, chosen rows first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from prefdata._errors import PrefdataError
from prefdata_train._data.packing import pack_units, pair_unit
from prefdata_train._data.prefix_sharing import SharingStats, shared_unit


@dataclass
class DataCollatorForPreference:
    """Stack the chosen then the rejected sequences of `examples`, padded on the right.

    Each example holds `chosen_ids` and `rejected_ids` (lists of token ids) and may hold
    `margin`. For a batch of n pairs the output rows are:

    | rows      | input_ids                  | attention_mask        |
    | --------- | -------------------------- | --------------------- |
    | 0 .. n-1  | chosen_ids + pad           | 1 on tokens, 0 on pad |
    | n .. 2n-1 | rejected_ids + pad         | 1 on tokens, 0 on pad |

    `margin` (shape n) is returned when any example has one; a missing or None margin counts
    as 0.0, so rows with and without a margin may share a batch (TRL reads the first row only).

    With `padding_free` the batch is packed instead (`prefdata_train._data.packing.pack_units`: ids,
    position, segment and parent ids, `reward_index`), with `prefix_sharing` each pair's common
    prefix once (`prefdata_train._data.prefix_sharing`), with `single_row` all in one row (for
    `prefdata_train._modeling.varlen_attention`); `num_tokens` is then the count of real tokens
    of the chosen and rejected sequences, as the padded mask would sum to.

    >>> collator = DataCollatorForPreference(pad_token_id=0)
    >>> batch = collator([{"chosen_ids": [1, 2, 3], "rejected_ids": [4, 5], "margin": 0.5},
    ...                   {"chosen_ids": [6, 7], "rejected_ids": [8]}])
    >>> batch["input_ids"].tolist()
    [[1, 2, 3], [6, 7, 0], [4, 5, 0], [8, 0, 0]]
    >>> batch["margin"].tolist()
    [0.5, 0.0]
    """

    pad_token_id: int
    pad_to_multiple_of: int | None = None
    return_tensors: str = "pt"
    padding_free: bool = False
    prefix_sharing: bool = False
    single_row: bool = False

    def __post_init__(self) -> None:
        self.sharing_stats = SharingStats()

    def __call__(self, examples: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        if self.return_tensors != "pt":
            raise PrefdataError(
                f"return_tensors={self.return_tensors!r} is not supported",
                where="DataCollatorForPreference",
                fix='use return_tensors="pt"',
            )
        if self.padding_free:
            batch = self._pack(examples)
        else:
            sequences = [list(e["chosen_ids"]) for e in examples] + [
                list(e["rejected_ids"]) for e in examples
            ]
            input_ids, attention_mask = self._pad(sequences)
            batch = {"input_ids": input_ids, "attention_mask": attention_mask}
        if any(e.get("margin") is not None for e in examples):
            margins = [0.0 if e.get("margin") is None else float(e["margin"]) for e in examples]
            batch["margin"] = torch.tensor(margins, dtype=torch.float)
        return batch

    def _pack(self, examples: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        """One packed batch (see `prefdata_train._data.packing`), each pair a unit."""
        if self.prefix_sharing:
            units = [shared_unit(e["chosen_ids"], e["rejected_ids"], self.sharing_stats) for e in examples]
        else:
            units = [pair_unit(e["chosen_ids"], e["rejected_ids"]) for e in examples]
        batch = pack_units(units, self.pad_token_id, self.pad_to_multiple_of, self.single_row)
        real = sum(len(e["chosen_ids"]) + len(e["rejected_ids"]) for e in examples)
        batch["num_tokens"] = torch.tensor(real, dtype=torch.long)
        return batch

    def _pad(self, sequences: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
        """Right-pad `sequences` to the batch length (rounded up to `pad_to_multiple_of`)."""
        length = max(len(s) for s in sequences)
        if self.pad_to_multiple_of:
            length = -(-length // self.pad_to_multiple_of) * self.pad_to_multiple_of
        input_ids = torch.full((len(sequences), length), self.pad_token_id, dtype=torch.long)
        attention_mask = torch.zeros((len(sequences), length), dtype=torch.long)
        for row, seq in enumerate(sequences):
            input_ids[row, : len(seq)] = torch.tensor(seq, dtype=torch.long)
            attention_mask[row, : len(seq)] = 1
        return input_ids, attention_mask

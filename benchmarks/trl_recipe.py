"""The TRL documentation's recipe for arena-human-preference-55k, as plain `datasets` code.

Usage: ``python benchmarks/trl_recipe.py INPUT.parquet OUT_DIR``

This is the baseline side of ``bench_convert.py``. It follows the documented steps one by
one, as a user would type them: load the parquet file, filter out ties, one ``map`` that
decodes the JSON turn lists and picks chosen/rejected from the *first turn only*, a second
``map`` that turns the strings into conversational messages, ``select_columns`` and
``save_to_disk``. Later turns are lost, which is the behaviour prefdata is compared against.

| input column      | example                  | recipe output |
| ----------------- | ------------------------ | ------------- |
| prompt            | '["Hi", "And then?"]'    | prompt = [{"role": "user", "content": "Hi"}] |
| response_a / _b   | '["Hello!", "Then..."]'  | chosen / rejected = [{"role": "assistant", ...}] |
| winner_model_a/_b | 1 / 0                    | picks chosen |
| winner_tie        | 1                        | row filtered out |
"""

from __future__ import annotations

import json
import sys
from typing import Any

from datasets import load_dataset


def first_turn_pair(row: dict[str, Any]) -> dict[str, Any]:
    """Plain-text prompt/chosen/rejected from the first turn; the winner's reply is chosen."""
    prompt = json.loads(row["prompt"])[0]
    reply_a = json.loads(row["response_a"])[0]
    reply_b = json.loads(row["response_b"])[0]
    a_won = row["winner_model_a"] == 1
    return {
        "prompt": prompt,
        "chosen": reply_a if a_won else reply_b,
        "rejected": reply_b if a_won else reply_a,
    }


def as_messages(row: dict[str, Any]) -> dict[str, Any]:
    """Wrap the three strings as one-message conversations (TRL's conversational format)."""
    return {
        "prompt": [{"role": "user", "content": row["prompt"]}],
        "chosen": [{"role": "assistant", "content": row["chosen"]}],
        "rejected": [{"role": "assistant", "content": row["rejected"]}],
    }


def main(argv: list[str]) -> None:
    """Run the recipe on one parquet file and save the result to OUT_DIR."""
    source, out_dir = argv
    dataset = load_dataset("parquet", data_files=source, split="train")
    dataset = dataset.filter(lambda row: row["winner_tie"] != 1)
    dataset = dataset.map(first_turn_pair)
    dataset = dataset.map(as_messages)
    dataset = dataset.select_columns(["prompt", "chosen", "rejected"])
    dataset.save_to_disk(out_dir)


if __name__ == "__main__":
    main(sys.argv[1:])

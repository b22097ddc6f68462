"""Small canonical preference folders (what `prefdata convert` writes) for the CLI tests."""

from __future__ import annotations

import json
from pathlib import Path

from datasets import Dataset, DatasetDict

QUESTIONS = [
    "What is the capital of France?",
    "How do I boil an egg?",
    "Name a prime number.",
    "Is the sky blue?",
]
GOOD = ["Paris is the capital.", "Boil it for nine minutes.", "Seven is prime.", "Yes, on a clear day."]
BAD = ["I do not know.", "Put it in the freezer.", "Nine is prime.", "No, it is green."]


def standard_split(n: int, offset: int = 0) -> Dataset:
    """`n` standard explicit-prompt pairs with `source`, `margin` (some null) and `source_row`."""
    return Dataset.from_dict(
        {
            "prompt": [f"Q: {QUESTIONS[i % 4]} A:" for i in range(n)],
            "chosen": [f" {GOOD[i % 4]}" + " Indeed." * (i % 3) for i in range(n)],
            "rejected": [f" {BAD[i % 4]}" for i in range(n)],
            "source": ["forum" if i % 3 else "chat" for i in range(n)],
            "margin": [None if i % 5 == 0 else float(i % 4) for i in range(n)],
            "source_row": [offset + i for i in range(n)],
        }
    )


def write_manifest(path: Path, fmt: str, prompt: str) -> None:
    """A minimal `prefdata.json` beside the data, as convert writes one."""
    (path / "prefdata.json").write_text(json.dumps({"format": fmt, "prompt": prompt, "splits": {}}))


def write_standard(path: Path, n_train: int = 24, n_test: int = 8) -> Path:
    """Canonical folder with `train` and `test` standard splits."""
    DatasetDict({"train": standard_split(n_train), "test": standard_split(n_test, 1000)}).save_to_disk(
        str(path)
    )
    write_manifest(path, "standard", "explicit")
    return path


def conversational_split(n: int, role: str = "assistant") -> Dataset:
    """`n` conversational explicit-prompt pairs; the answers carry `role` (for broken-data tests)."""
    call = {"type": "function", "function": {"name": "lookup", "arguments": '{"city": "Paris"}'}, "id": "c1"}
    return Dataset.from_list(
        [
            {
                "prompt": [{"role": "user", "content": QUESTIONS[i % 4], "tool_calls": None}],
                "chosen": [{"role": role, "content": GOOD[i % 4], "tool_calls": [call] if i == 0 else None}],
                "rejected": [{"role": role, "content": BAD[i % 4], "tool_calls": None}],
            }
            for i in range(n)
        ]
    )


def write_conversational(path: Path, n: int = 8, role: str = "assistant") -> Path:
    """Canonical folder with one conversational `train` split."""
    DatasetDict({"train": conversational_split(n, role)}).save_to_disk(str(path))
    write_manifest(path, "conversational", "explicit")
    return path

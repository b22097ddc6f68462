"""Small canonical datasets written to tmp folders, clean or with one planted defect."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from datasets import Dataset, DatasetDict


def clean_standard(n: int = 6) -> list[dict[str, Any]]:
    """Explicit-prompt standard rows with no defect."""
    return [
        {
            "prompt": f"Question {i}: what is {i} + {i}?",
            "chosen": f"It is {2 * i}.",
            "rejected": f"Probably {2 * i + 1}, I think.",
        }
        for i in range(n)
    ]


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


def assistant(text: str | None, calls: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"role": "assistant", "content": text, "tool_calls": calls}


def call(name: str, arguments: str, call_id: str = "c1") -> dict[str, Any]:
    return {"type": "function", "function": {"name": name, "arguments": arguments}, "id": call_id}


def tool(text: str, call_id: str | None = "c1") -> dict[str, Any]:
    return {"role": "tool", "content": text, "tool_call_id": call_id}


def clean_conversational(n: int = 4) -> list[dict[str, Any]]:
    """Explicit-prompt conversational rows, one with a well-formed tool call and reply."""
    rows = [
        {
            "prompt": [user(f"Hello {i}")],
            "chosen": [assistant(f"Hi, how can I help with {i}?")],
            "rejected": [assistant(f"Go away {i}.")],
        }
        for i in range(n)
    ]
    rows[0]["chosen"] = [assistant(None, [call("add", '{"a": 1, "b": 2}')]), tool("3"), assistant("It is 3.")]
    for r in rows:
        r["tools"] = json.dumps(
            [
                {
                    "type": "function",
                    "function": {
                        "name": "add",
                        "description": "Add two numbers.",
                        "parameters": {
                            "type": "object",
                            "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
                            "required": ["a", "b"],
                        },
                    },
                }
            ]
        )
        for side in ("prompt", "chosen", "rejected"):
            r[side] = [{**{"tool_calls": None, "tool_call_id": None}, **m} for m in r[side]]
    return rows


def save(tmp_path: Path, splits: dict[str, list[dict[str, Any]]], name: str = "data") -> Path:
    """Write a DatasetDict with `save_to_disk`; return its folder."""
    out = tmp_path / name
    DatasetDict({k: Dataset.from_list(v) for k, v in splits.items()}).save_to_disk(str(out))
    return out


@pytest.fixture
def write(tmp_path: Path):  # type: ignore[no-untyped-def]
    """`write(rows)` or `write({"train": rows, "test": rows})` -> folder."""
    counter = iter(range(1000))

    def _write(data: Any) -> Path:
        splits = data if isinstance(data, dict) else {"train": data}
        return save(tmp_path, splits, f"data{next(counter)}")

    return _write

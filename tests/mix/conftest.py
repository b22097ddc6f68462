"""Sources and evaluation sets for the mix tests, built from the real samples in ../shared/data."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

import prefdata

UNRELATED = [
    "Describe the migration of arctic terns across the southern ocean during the long polar winter months "
    "and explain how they navigate without landmarks",
    "Write a sonnet about a lighthouse keeper who collects broken compasses from every ship that passes "
    "his rocky island in the north sea",
    "Zähle die Brücken von Königsberg auf und erkläre warum man sie nicht alle genau einmal überqueren "
    "kann ohne eine doppelt zu gehen",
]


def user(text: str) -> list[dict]:
    return [{"role": "user", "content": text}]


def reply(text: str) -> list[dict]:
    return [{"role": "assistant", "content": text}]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


_WORDS = [
    "amber",
    "basil",
    "cedar",
    "dune",
    "ember",
    "fjord",
    "grove",
    "harbor",
    "iris",
    "juniper",
    "kelp",
    "lagoon",
    "meadow",
    "nectar",
    "orchid",
    "pebble",
    "quarry",
    "reef",
    "sage",
    "tundra",
    "umber",
    "valley",
    "willow",
    "yarrow",
    "zephyr",
]


def generated_rows(n: int) -> list[dict]:
    """TRL conversational pairs whose prompts share no run of 5 words (seeded, so always the same)."""
    rng = random.Random(0)
    return [
        {
            "prompt": user(f"request {i}: " + " ".join(rng.choice(_WORDS) for _ in range(24))),
            "chosen": reply(f"Here is the summary of warehouse {i}, with the three largest costs."),
            "rejected": reply(f"I cannot help with warehouse {i}."),
        }
        for i in range(n)
    ]


@pytest.fixture(scope="session")
def hh_pairs(hh_sample):
    """The real hh-rlhf sample converted in memory (conversational, explicit prompt)."""
    return prefdata.convert(hh_sample).dataset["train"]


@pytest.fixture(scope="session")
def oasst_pairs(oasst_sample):
    return prefdata.convert(oasst_sample).dataset["train"]


def prompt_text(messages: list[dict]) -> str:
    return "\n".join(m["content"] or "" for m in messages)


def long_prompt_rows(pairs, min_words: int, count: int, single_turn: bool = True) -> list[int]:
    """Rows whose prompt is one user turn of at least `min_words` words (first `count` of them)."""
    found = []
    for i, row in enumerate(pairs):
        prompt = row["prompt"]
        if single_turn and len(prompt) != 1:
            continue
        if len(prompt_text(prompt).split()) >= min_words:
            found.append(i)
        if len(found) == count:
            break
    return found

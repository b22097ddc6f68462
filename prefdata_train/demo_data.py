"""The demo's raw source: an arena-style preference set generated offline.

It has the arena-human-preference-55k layout (JSON turn lists, one-hot winner columns) and
its traps: ties, multi-turn conversations, `[null]` responses. The preference is learnable by
a tiny model: the preferred reply answers the question on topic and politely, the other one
brushes it off or wanders.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

TOPICS = [
    "baking bread",
    "the water cycle",
    "learning guitar",
    "saving money",
    "planting tomatoes",
    "training a puppy",
    "running a marathon",
    "writing a resume",
    "cleaning a laptop",
    "brewing tea",
    "reading maps",
    "fixing a bike tire",
    "painting a room",
    "studying for exams",
    "making soup",
    "starting a blog",
    "caring for cats",
    "choosing running shoes",
    "learning chess",
    "packing for travel",
]
GOOD = [
    "Happy to help with {t}. Start with the basics, take it step by step, and check your progress as you go.",
    "Great question about {t}! The key ideas are preparation, patience and practice; here is a short plan.",
    "Sure. For {t}, first gather what you need, then follow a simple routine, and adjust based on results.",
    "Good idea to ask about {t}. A clear first step is to learn the fundamentals, then practise a little daily.",
]
BAD = [
    "No idea. Ask someone else.",
    "Why would anyone care about that? Figure it out yourself.",
    "I once saw a movie about space pirates. Anyway, whatever.",
    "That is boring. Next question.",
]
ASK = [
    "How do I get better at {t}?",
    "Can you explain {t} to me?",
    "Any tips for {t}?",
    "What should I know about {t}?",
]
FOLLOW = [
    "Thanks. What is the most common mistake?",
    "Could you make that shorter?",
    "And how long does it take?",
]


def demo_rows(n: int, seed: int) -> list[dict]:
    """`n` arena-style rows: about 15% multi-turn, 8% ties, 3% null responses."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        topic = rng.choice(TOPICS)
        turns = [rng.choice(ASK).format(t=topic)]
        if rng.random() < 0.15:
            turns.append(rng.choice(FOLLOW))
        good = [rng.choice(GOOD).format(t=topic) for _ in turns]
        bad = [rng.choice(BAD) for _ in turns]
        if rng.random() < 0.03:
            bad = [None] * len(turns)
        a_wins = rng.random() < 0.5
        tie = rng.random() < 0.08
        rows.append(
            {
                "id": i,
                "model_a": "model-x",
                "model_b": "model-y",
                "prompt": json.dumps(turns),
                "response_a": json.dumps(good if a_wins else bad),
                "response_b": json.dumps(bad if a_wins else good),
                "winner_model_a": int(a_wins and not tie),
                "winner_model_b": int(not a_wins and not tie),
                "winner_tie": int(tie),
            }
        )
    return rows


def write_demo_source(
    folder: str | Path, *, train_rows: int = 1200, test_rows: int = 300, seed: int = 0
) -> Path:
    """Write `train-*.parquet` and `test-*.parquet` into `folder` (splits by file name)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for split, n, s in (("train", train_rows, seed), ("test", test_rows, seed + 1)):
        pq.write_table(pa.Table.from_pylist(demo_rows(n, s)), folder / f"{split}-00000-of-00001.parquet")
    return folder

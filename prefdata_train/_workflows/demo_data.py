"""The demo's raw source: an arena-style preference set generated offline.

It has the arena-human-preference-55k layout (JSON turn lists, one-hot winner columns) and
its traps: ties, multi-turn conversations, `[null]` responses. The preference is learnable by
a tiny model: the preferred reply helps, politely; the other one brushes the question off.

It is also a fair test of what the model learns:

- every prompt is different (topic x question x asker x time), so the data has no duplicate
  pairs and the test split shares no prompt with the train split;
- length says nothing: either reply is short or long at random, so "the longer answer wins"
  is right about half the time (the demo prints that baseline beside the model's accuracy).
"""

from __future__ import annotations

import itertools
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
ASK = [
    "How do I get better at {t}?",
    "Can you explain {t} to me?",
    "Any tips for {t}?",
    "What should I know about {t}?",
]
WHO = [
    "I am a complete beginner.",
    "I tried once and gave up.",
    "My friend recommended it.",
    "I have a small budget.",
    "I live in a tiny flat.",
    "I am a student.",
    "I am retired now.",
    "My kids want to join in.",
    "I work night shifts.",
    "I get bored easily.",
]
WHEN = [
    "I have ten minutes a day.",
    "I have the whole weekend.",
    "I want to start this week.",
    "There is no rush.",
    "I need it done by Friday.",
    "I can spare an hour each evening.",
    "Only mornings work for me.",
    "I am free in the summer.",
]
FOLLOW = [
    "Thanks. What is the most common mistake?",
    "Could you make that shorter?",
    "And how long does it take?",
]
# Short and long replies of both kinds, so that length does not tell which one is preferred.
GOOD = {
    "short": [
        "Sure: start small with {t} and practise daily.",
        "Happy to help. Learn the basics of {t} first.",
        "Good plan. Take {t} one step at a time.",
    ],
    "long": [
        "Happy to help with {t}. Start with the basics, take it step by step, and check your progress as you go.",
        "Great question about {t}! The key ideas are preparation, patience and practice; here is a short plan.",
        "Sure. For {t}, first gather what you need, then follow a simple routine, and adjust based on results.",
    ],
}
BAD = {
    "short": [
        "No idea about {t}. Go and ask somebody else, ok.",
        "Who cares about {t}? Next question, then.",
        "Whatever, {t}. Sort it out yourself.",
    ],
    "long": [
        "Why would anyone care about {t}? I am not going to explain it, so go and look it up somewhere else.",
        "I once saw a movie about space pirates, which was far more fun than {t}. Anyway, whatever, ask me later.",
        "Honestly {t} is a waste of time and I do not feel like answering, so stop asking me about it, mate.",
    ],
}


def _prompts(n: int, rng: random.Random) -> list[tuple[str, str]]:
    """`n` different (topic, first question) pairs, drawn without replacement."""
    combos = list(itertools.product(TOPICS, ASK, WHO, WHEN))
    if n > len(combos):
        raise ValueError(f"the demo generates at most {len(combos)} different prompts, asked for {n}")
    return [(topic, f"{ask.format(t=topic)} {who} {when}") for topic, ask, who, when in rng.sample(combos, n)]


def _reply(kind: dict[str, list[str]], topic: str, rng: random.Random) -> str:
    return rng.choice(kind[rng.choice(("short", "long"))]).format(t=topic)


def _row(i: int, topic: str, question: str, rng: random.Random) -> dict:
    turns = [question]
    if rng.random() < 0.15:
        turns.append(rng.choice(FOLLOW))
    good = [_reply(GOOD, topic, rng) for _ in turns]
    bad: list[str | None] = [_reply(BAD, topic, rng) for _ in turns]
    if rng.random() < 0.03:
        bad = [None] * len(turns)
    a_wins = rng.random() < 0.5
    tie = rng.random() < 0.08
    return {
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


def demo_splits(train_rows: int, test_rows: int, seed: int) -> dict[str, list[dict]]:
    """Arena-style rows of both splits: about 15% multi-turn, 8% ties, 3% null responses.

    All prompts are different, so no test prompt is a train prompt.
    """
    rng = random.Random(seed)
    prompts = _prompts(train_rows + test_rows, rng)
    rows = [_row(i, topic, question, rng) for i, (topic, question) in enumerate(prompts)]
    return {"train": rows[:train_rows], "test": rows[train_rows:]}


def write_demo_source(
    folder: str | Path, *, train_rows: int = 1200, test_rows: int = 300, seed: int = 0
) -> Path:
    """Write `train-*.parquet` and `test-*.parquet` into `folder` (splits by file name)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for split, rows in demo_splits(train_rows, test_rows, seed).items():
        pq.write_table(pa.Table.from_pylist(rows), folder / f"{split}-00000-of-00001.parquet")
    return folder

"""One tiny reward model + tokenizer per session, built offline, and small preference datasets."""

from __future__ import annotations

import gzip
import itertools
import json
from pathlib import Path

import pytest
from cli_data import BAD, GOOD, QUESTIONS  # one set of toy pairs for every trainer test
from datasets import Dataset

from prefdata_train._workflows.tiny_model import build_tiny_model

HH_SAMPLE = Path(__file__).resolve().parents[3] / "shared" / "data" / "hh-rlhf-harmless-base-test.jsonl.gz"


def _training_texts() -> list[str]:
    """Local text for the tokenizer: the test rows plus a slice of the hh-rlhf sample."""
    texts = QUESTIONS + GOOD + BAD
    with gzip.open(HH_SAMPLE, "rt", encoding="utf-8") as handle:
        for line in itertools.islice(handle, 200):
            row = json.loads(line)
            texts += [row["chosen"], row["rejected"]]
    return texts


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    """Folder holding a tiny Qwen3 reward model (hidden 32, 1 layer) and its tokenizer."""
    out = tmp_path_factory.mktemp("tiny-rm")
    return build_tiny_model(out, _training_texts(), vocab_size=600, hidden_size=32, num_layers=1, seed=0)


def standard_rows(n: int = 8) -> list[dict]:
    """`n` standard pairs with an explicit prompt."""
    return [
        {"prompt": f"Q: {QUESTIONS[i % 4]} A:", "chosen": f" {GOOD[i % 4]}", "rejected": f" {BAD[i % 4]}"}
        for i in range(n)
    ]


def conversational_rows(n: int = 8) -> list[dict]:
    """`n` conversational pairs with an explicit prompt."""
    return [
        {
            "prompt": [{"role": "user", "content": QUESTIONS[i % 4]}],
            "chosen": [{"role": "assistant", "content": GOOD[i % 4]}],
            "rejected": [{"role": "assistant", "content": BAD[i % 4]}],
        }
        for i in range(n)
    ]


@pytest.fixture
def standard_dataset() -> Dataset:
    return Dataset.from_list(standard_rows())


@pytest.fixture
def conversational_dataset() -> Dataset:
    return Dataset.from_list(conversational_rows())

"""Decontamination: which training prompts share an n-gram of words with an evaluation prompt.

The evaluation prompts' n-grams go into one in-memory index (a dict keyed by the n-gram's
words, so a match is exact, never a hash collision), with the vocabulary of those prompts.
Training prompts stream past it: a window of n words can only match when every word of it is
in that vocabulary, so most prompts are ruled out word by word without building a window.
A prompt shorter than n words matches only an evaluation prompt with the same normalised text.

One implementation for `prefdata mix` (drops) and `prefdata validate --against` (findings).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from prefdata._mix.textnorm import normalise, words


@dataclass(frozen=True)
class EvalRow:
    """Where an evaluation prompt comes from: the evaluation set and its input row."""

    origin: str
    split: str
    row: int


@dataclass(frozen=True)
class Contamination:
    """A training prompt found in an evaluation set: the row it matched and the shared words."""

    eval_row: EvalRow
    ngram: str


class NgramIndex:
    """The n-grams of evaluation prompts (normalised texts, see `prefdata._mix.textnorm`)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.grams: dict[tuple[str, ...], EvalRow] = {}
        self.short: dict[str, EvalRow] = {}
        self.vocabulary: set[str] = set()
        self.prompts = 0

    def add(self, normalised: str, where: EvalRow) -> None:
        """Index one evaluation prompt (the first evaluation row that has an n-gram is the one reported)."""
        tokens = words(normalised)
        if not tokens:
            return
        self.prompts += 1
        self.short.setdefault(normalised, where)
        self.vocabulary.update(tokens)
        for i in range(len(tokens) - self.n + 1):
            self.grams.setdefault(tuple(tokens[i : i + self.n]), where)

    def find(self, normalised: str) -> Contamination | None:
        """The first n-gram of a training prompt found in the index, or None."""
        exact = self.short.get(normalised)
        if exact is not None:
            return Contamination(exact, normalised)
        tokens = words(normalised)
        n, vocabulary, run = self.n, self.vocabulary, 0
        if len(tokens) < n:
            return None
        for end, token in enumerate(tokens, 1):
            if token not in vocabulary:
                run = 0
                continue
            run += 1
            if run >= n:
                gram = tuple(tokens[end - n : end])
                hit = self.grams.get(gram)
                if hit is not None:
                    return Contamination(hit, " ".join(gram))
        return None


def build_index(against: list[str], n: int, base: Path) -> NgramIndex:
    """The n-gram index of the prompts of evaluation sets (paths relative to `base` when they exist there)."""
    from prefdata._mix.inputs import eval_prompts

    index = NgramIndex(n)
    for path in against:
        prompts = eval_prompts(path, base)
        texts = normalise(pa.array([text for _, _, text in prompts.rows], pa.large_string())).to_pylist()
        for (split, row, _), text in zip(prompts.rows, texts, strict=True):
            index.add(text, EvalRow(prompts.origin, split, row))
    return index

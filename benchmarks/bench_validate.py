"""Benchmark `prefdata validate` on generated canonical pairs (not a test).

    python benchmarks/bench_validate.py [--rows 1000000] [--token-rows 200000] [--out bench-out]

Writes N standard pairs (and a conversational variant) to parquet, validates each in a
subprocess, and prints wall time, pairs/s, CPU seconds and peak RSS (getrusage(RUSAGE_CHILDREN)
taken by a small launcher process, so each line's peak is that run's own); then
validates with `--tokenizer` on a tiny word-level fast tokenizer built here, standard and
conversational (the latter also renders the chat template). Texts average 92 characters
(prompt) and 160 (each response): shorter than real data (hh-rlhf's responses average
650-700), so real data costs more per pair; tokenizing costs about 0.1 µs per character.
Targets: < 20 s for 1M pairs on 2 cores without a tokenizer; >= 20,000 pairs/s with one
(standard data).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

WORDS = np.array(
    [
        "the",
        "a",
        "cat",
        "dog",
        "sat",
        "ran",
        "on",
        "under",
        "mat",
        "tree",
        "quickly",
        "slowly",
        "because",
        "it",
        "was",
        "happy",
        "sad",
        "why",
        "how",
        "what",
    ]
)


def _texts(rng: np.random.Generator, n: int, low: int, high: int) -> pa.Array:
    lengths = rng.integers(low, high, n)
    words = WORDS[rng.integers(0, len(WORDS), int(lengths.sum()))]
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    lists = pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), pa.array(words))
    return pa.compute.binary_join(lists, " ")


def write_standard(path: Path, n: int, seed: int = 0) -> None:
    """N explicit-prompt standard pairs, written in row groups of 100k."""
    rng = np.random.default_rng(seed)
    with pq.ParquetWriter(
        path, pa.schema([("prompt", pa.string()), ("chosen", pa.string()), ("rejected", pa.string())])
    ) as writer:
        for start in range(0, n, 100_000):
            m = min(100_000, n - start)
            ids = pa.array([f"#{i} " for i in range(start, start + m)])
            prompt = pa.compute.binary_join_element_wise(ids, _texts(rng, m, 8, 30), "")
            writer.write_table(
                pa.table(
                    {"prompt": prompt, "chosen": _texts(rng, m, 10, 60), "rejected": _texts(rng, m, 10, 60)}
                )
            )


def write_conversational(source: Path, path: Path) -> None:
    """The same pairs as message lists."""
    msg = pa.struct([("role", pa.string()), ("content", pa.string())])
    with pq.ParquetWriter(
        path, pa.schema([(c, pa.list_(msg)) for c in ("prompt", "chosen", "rejected")])
    ) as writer:
        for batch in pq.ParquetFile(source).iter_batches(100_000):
            n = batch.num_rows
            cols = {}
            for col, role in (("prompt", "user"), ("chosen", "assistant"), ("rejected", "assistant")):
                roles = pa.array([role] * n)
                structs = pa.StructArray.from_arrays([roles, batch.column(col)], fields=list(msg))
                cols[col] = pa.ListArray.from_arrays(pa.array(np.arange(n + 1, dtype=np.int32)), structs)
            writer.write_table(pa.table(cols))


def build_tokenizer(folder: Path) -> Path:
    """A word-level fast tokenizer over the benchmark's words."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {w: i for i, w in enumerate(["<unk>", "<pad>", "</s>", *WORDS.tolist()])}
    backend = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tok = PreTrainedTokenizerFast(
        tokenizer_object=backend, unk_token="<unk>", eos_token="</s>", pad_token="<pad>"
    )
    tok.chat_template = "{% for m in messages %}<{{ m['role'] }}>{{ m['content'] }}</s>{% endfor %}"
    tok.save_pretrained(str(folder))
    return folder


# The validation runs under a small launcher: a child forked straight from this (large)
# process would count this process's pages in its own peak RSS.
LAUNCHER = """
import resource, subprocess, sys
code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(usage.ru_maxrss, usage.ru_utime + usage.ru_stime, code)
"""


def run(label: str, rows: int, *args: str) -> None:
    """Validate in a subprocess; print wall time, pairs/s, CPU seconds and its peak RSS."""
    cmd = [sys.executable, "-m", "prefdata._cli", "validate", *args, "--json"]
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", LAUNCHER, *cmd],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    wall = time.perf_counter() - start
    maxrss, cpu, code = done.stdout.split()
    if code == "2" or done.returncode:
        raise SystemExit(done.stderr)
    print(
        f"{label:<34} {rows:>9,} pairs  {wall:7.2f} s  {rows / wall:>10,.0f} pairs/s  "
        f"cpu {float(cpu):6.1f} s  peak RSS {int(maxrss) / 1024:,.0f} MiB  exit {code}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--token-rows", type=int, default=200_000)
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    std, conv = args.out / "standard.parquet", args.out / "conversational.parquet"
    small, small_conv = args.out / "tokens.parquet", args.out / "tokens-conversational.parquet"
    write_standard(std, args.rows)
    write_conversational(std, conv)
    write_standard(small, args.token_rows, seed=1)
    write_conversational(small, small_conv)
    tok = build_tokenizer(args.out / "tokenizer")
    run("standard", args.rows, str(std))
    run("conversational", args.rows, str(conv))
    tokens = ("--tokenizer", str(tok), "--max-length", "64")
    run("standard --tokenizer --max-length", args.token_rows, str(small), *tokens)
    # Conversational data adds a chat-template rendering per side and row (Jinja, in Python).
    run("conversational --tokenizer ...", args.token_rows, str(small_conv), *tokens)


if __name__ == "__main__":
    main()

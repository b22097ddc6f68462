"""Benchmark reward training: `trl.RewardTrainer` against `prefdata_train.RewardTrainer`, same arguments.

Usage::

    python benchmarks/bench_train.py [--pairs 512] [--steps 40] [--repeat 1] [--out bench-out/]

One run builds a tiny reward model locally (a byte-level BPE tokenizer trained on the sample,
vocabulary up to 32,000; Qwen3 layout, hidden 128, 4 layers, fp32) and trains it twice per data
set, once with each trainer, each in a fresh subprocess so that its peak memory is its own:

- `hh`: the first `--pairs` pairs of the real sample ../shared/data/hh-rlhf-harmless-base-test.jsonl.gz
  (multi-turn dialogues; chosen and rejected share the whole dialogue up to the last answer);
- `short-prompt`: synthetic pairs with a one-line explicit prompt and answers of 5-160 words, where
  prefix sharing has little to share and the gain should be smaller.

Both trainers get the identical `RewardConfig` keyword arguments (batch 8, `--steps` steps,
fp32, no gradient checkpointing, CPU, seed 0, pad token `<|pad|>` so both read each reward at the
last real token); prefdata runs with its defaults (padding-free batches, prefix sharing). Timing
is `trainer.train()` wall time; pairs/s = steps x batch / time; tokens/s counts real tokens
(chosen + rejected, as TRL's `num_tokens`). Memory is the worker's peak RSS (ru_maxrss) and its
rise during training. The per-step losses of both trainers are compared (max |difference|), and
the tokens each trainer fed the model are counted per real token. Results go to OUT/train.json.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
HH_SAMPLE = REPO.parent / "shared" / "data" / "hh-rlhf-harmless-base-test.jsonl.gz"
BATCH = 8
sys.path.insert(0, str(REPO))  # the package is used from the checkout, installed or not
WORDS = ["the", "a", "of", "to", "and", "in", "is", "it", "you", "that", "for", "on"]


def hh_rows(n: int) -> list[dict[str, str]]:
    """The first `n` pairs of the hh-rlhf sample (implicit prompt)."""
    with gzip.open(HH_SAMPLE, "rt", encoding="utf-8") as handle:
        return [
            {k: row[k] for k in ("chosen", "rejected")}
            for row in map(json.loads, itertools.islice(handle, n))
        ]


def short_prompt_rows(n: int, seed: int = 0) -> list[dict[str, str]]:
    """`n` synthetic pairs: a one-line question, two answers of 5 to 160 words."""
    rng = random.Random(seed)

    def text(low: int, high: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high)))

    return [
        {
            "prompt": f"Human: {text(4, 12)}?\n\nAssistant:",
            "chosen": f" {text(5, 160)}.",
            "rejected": f" {text(5, 160)}.",
        }
        for _ in range(n)
    ]


def datasets(pairs: int) -> dict[str, list[dict[str, str]]]:
    return {"hh": hh_rows(pairs), "short-prompt": short_prompt_rows(pairs)}


def build_model(out: Path) -> int:
    """Build the benchmark model in `out`; return its parameter count."""
    from transformers import AutoModelForSequenceClassification

    from prefdata_train._workflows.tiny_model import build_tiny_model

    rows = hh_rows(10_000)
    texts = [r[side] for r in rows for side in ("chosen", "rejected")]
    texts += [" ".join(r.values()) for r in short_prompt_rows(200, seed=1)]
    build_tiny_model(out, texts, vocab_size=32_000, hidden_size=128, num_layers=4, arch="qwen3", seed=0)
    return sum(p.numel() for p in AutoModelForSequenceClassification.from_pretrained(out).parameters())


class CountingCollator:
    """Wraps a collator to count the token slots it hands the model (padding included)."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.slots = inner, 0

    def __call__(self, examples):
        batch = self.inner(examples)
        self.slots += batch["input_ids"].numel()
        return batch


def worker(side: str, data: str, pairs: int, steps: int, model_dir: str, out: str) -> None:
    """Train with one trainer and write its measurements to `out` (runs in its own process)."""
    import torch
    from datasets import Dataset
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    if side == "trl":
        from trl import RewardConfig, RewardTrainer
    else:
        from prefdata_train import RewardConfig, RewardTrainer
    torch.manual_seed(0)
    model = AutoModelForSequenceClassification.from_pretrained(model_dir, dtype=torch.float32)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    tokenizer.pad_token = "<|pad|>"
    args = RewardConfig(
        output_dir=str(Path(out).with_suffix(".run")),
        use_cpu=True,
        bf16=False,
        gradient_checkpointing=False,
        per_device_train_batch_size=BATCH,
        max_steps=steps,
        logging_steps=1,
        save_strategy="no",
        report_to="none",
        disable_tqdm=True,
        seed=0,
    )
    trainer = RewardTrainer(
        model=model,
        args=args,
        train_dataset=Dataset.from_list(datasets(pairs)[data]),
        processing_class=tokenizer,
    )
    trainer.data_collator = CountingCollator(trainer.data_collator)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    trainer.train()
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    logs = trainer.state.log_history
    tokens = max(e["num_tokens"] for e in logs if "num_tokens" in e)
    result = {
        "seconds": seconds,
        "pairs_per_s": steps * BATCH / seconds,
        "tokens_per_s": tokens / seconds,
        "real_tokens": tokens,
        "token_slots": trainer.data_collator.slots,
        "slots_per_real_token": trainer.data_collator.slots / tokens,
        "peak_rss_mb": peak / 1024,
        "train_rss_rise_mb": (peak - rss_before) / 1024,
        "losses": [e["loss"] for e in logs if "loss" in e],
    }
    stats = getattr(trainer.data_collator.inner, "sharing_stats", None)
    if stats:
        result["prefix_sharing"] = dict(stats)
    Path(out).write_text(json.dumps(result))


def run_worker(side: str, data: str, pairs: int, steps: int, model_dir: Path, tmp: Path) -> dict[str, Any]:
    out = tmp / f"{data}-{side}.json"
    command = [sys.executable, __file__, "--worker", side, "--data", data, "--model", str(model_dir),
               "--pairs", str(pairs), "--steps", str(steps), "--result", str(out)]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    subprocess.run(command, check=True, env=env, cwd=REPO)
    return json.loads(out.read_text())


def compare(data: str, pairs: int, steps: int, repeat: int, model_dir: Path, tmp: Path) -> dict[str, Any]:
    """Both trainers on one data set, alternating, `repeat` times; the fastest run of each is kept."""
    runs: dict[str, list[dict[str, Any]]] = {"trl": [], "prefdata": []}
    for i in range(repeat):
        for side in ("trl", "prefdata") if i % 2 == 0 else ("prefdata", "trl"):
            runs[side].append(run_worker(side, data, pairs, steps, model_dir, tmp))
    best = {side: min(results, key=lambda r: r["seconds"]) for side, results in runs.items()}
    trl, ours = best["trl"], best["prefdata"]
    return {
        "trl": trl,
        "prefdata": ours,
        "speedup_pairs_per_s": ours["pairs_per_s"] / trl["pairs_per_s"],
        "peak_rss_ratio": ours["peak_rss_mb"] / trl["peak_rss_mb"],
        "max_loss_difference": max(abs(a - b) for a, b in zip(ours["losses"], trl["losses"], strict=True)),
        "all_seconds": {side: [r["seconds"] for r in results] for side, results in runs.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pairs", type=int, default=512)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--out", type=Path, default=REPO / "bench-out")
    parser.add_argument("--data", nargs="+", default=["hh", "short-prompt"])
    parser.add_argument("--worker", choices=["trl", "prefdata"], help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.data[0], args.pairs, args.steps, args.model, args.result)
        return
    with tempfile.TemporaryDirectory(prefix="bench-train-") as tmp:
        model_dir = Path(tmp) / "model"
        parameters = build_model(model_dir)
        results = {
            data: compare(data, args.pairs, args.steps, args.repeat, model_dir, Path(tmp))
            for data in args.data
        }
    report = {
        "model": {"arch": "qwen3", "hidden": 128, "layers": 4, "parameters": parameters, "dtype": "float32"},
        "batch": BATCH,
        "steps": args.steps,
        "pairs": args.pairs,
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "results": results,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "train.json").write_text(json.dumps(report, indent=2) + "\n")
    print_table(report)


def print_table(report: dict[str, Any]) -> None:
    model = report["model"]
    print(
        f"model: {model['parameters'] / 1e6:.1f}M parameters, batch {report['batch']}, "
        f"{report['steps']} steps, CPU fp32"
    )
    header = f"{'data':<13}{'trainer':<10}{'pairs/s':>9}{'tokens/s':>10}{'slots/token':>12}{'peak MB':>9}{'rise MB':>9}"
    print(header)
    for data, result in report["results"].items():
        for side in ("trl", "prefdata"):
            r = result[side]
            speed = f"{r['pairs_per_s']:>9.1f}{r['tokens_per_s']:>10.0f}{r['slots_per_real_token']:>12.2f}"
            print(f"{data:<13}{side:<10}{speed}{r['peak_rss_mb']:>9.0f}{r['train_rss_rise_mb']:>9.0f}")
        print(f"{data:<13}ratio {result['speedup_pairs_per_s']:.2f}x pairs/s, peak memory "
              f"{result['peak_rss_ratio']:.2f}x, max loss difference {result['max_loss_difference']:.1e}")  # fmt: skip


if __name__ == "__main__":
    main()

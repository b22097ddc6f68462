"""Benchmark evaluation: `prefdata_train.evaluate` against `trl.RewardTrainer(...).evaluate()`, same data and model.

Usage::

    python benchmarks/bench_eval.py [--pairs 512] [--batch-size 16] [--repeat 1] [--out bench-out/]

The real sample ../shared/data/hh-rlhf-harmless-base-test.jsonl.gz is converted with
`prefdata.convert` (multi-turn dialogues as an explicit prompt plus the last answers) and its first
`--pairs` pairs saved as split `test`. The model is bench_train.py's benchmark model (Qwen3
layout, hidden 128, 4 layers, fp32, tokenizer trained on the sample) saved with pad token
`<|pad|>`, so that TRL's pooling, which looks for the last non-pad token, reads each reward at the
EOS as prefdata does.

Each side runs in a fresh subprocess (alternating, `--repeat` times, fastest kept), on CPU, with
the `datasets` cache disabled so no run reuses another's tokenisation. The time is end to end
after imports: load the model and data, tokenise, score every pair.

- prefdata: `prefdata_train.evaluate(model, data, split="test", batch_size=B, plot=None)`.
- TRL: `RewardTrainer(model, RewardConfig(per_device_eval_batch_size=B, max_length=None, ...),
  eval_dataset=...).evaluate()` (`max_length=None`: TRL would otherwise drop pairs over 1024
  tokens, and the two would not score the same pairs).

Accuracy is the share of pairs with chosen reward > rejected reward. TRL's own `eval_accuracy`
is a mean of per-batch means (a short last batch weighs as much as a full one), so TRL's rewards
are captured and its accuracy is recomputed per pair; its logged value is shown beside. The two
accuracies agree up to pairs whose reward gap is within float rounding of zero (counted as
near-ties). Results go to OUT/eval.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_train import HH_SAMPLE, REPO, build_model

NEAR_TIE = 1e-5  # a reward gap this small may flip with summation order alone


def prepare_data(pairs: int, tmp: Path) -> Path:
    """Convert the hh-rlhf sample and save its first `pairs` pairs as split `test`; return the folder."""
    from datasets import DatasetDict, load_from_disk

    import prefdata

    prefdata.convert(str(HH_SAMPLE), str(tmp / "converted"))
    converted = load_from_disk(str(tmp / "converted"))["train"]
    if pairs > len(converted):
        raise SystemExit(f"--pairs {pairs}: the converted sample has {len(converted)} pairs")
    out = tmp / "data"
    DatasetDict({"test": converted.select(range(pairs))}).save_to_disk(str(out))
    return out


def prepare_model(out: Path) -> int:
    """bench_train.py's model, saved with pad `<|pad|>` (not EOS); return its parameter count."""
    from transformers import AutoConfig, AutoTokenizer

    parameters = build_model(out)
    tokenizer = AutoTokenizer.from_pretrained(out)
    tokenizer.pad_token = "<|pad|>"
    tokenizer.save_pretrained(out)
    config = AutoConfig.from_pretrained(out)
    config.pad_token_id = tokenizer.pad_token_id
    config.save_pretrained(out)
    return parameters


def run_prefdata(model_dir: str, data_dir: str, batch: int) -> dict[str, Any]:
    # what `evaluate` imports on first use (torch, transformers), imported before the clock starts
    # as TRL's side imports its trainer: "end to end after imports" for both
    import prefdata_train._data.preprocessing
    import prefdata_train._modeling.group_scoring
    import prefdata_train._modeling.model_loading
    import prefdata_train._modeling.sharding  # noqa: F401
    from prefdata_train import evaluate

    start = time.perf_counter()
    report = evaluate(model_dir, data_dir, split="test", batch_size=batch, plot=None)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "chosen": report.chosen_rewards,
        "rejected": report.rejected_rewards,
        "reported_accuracy": report.accuracy,
    }


def run_trl(model_dir: str, data_dir: str, batch: int, tmp: str) -> dict[str, Any]:
    import torch
    from datasets import load_from_disk
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    from trl import RewardConfig, RewardTrainer

    captured: list[torch.Tensor] = []
    start = time.perf_counter()
    model = AutoModelForSequenceClassification.from_pretrained(model_dir, dtype=torch.float32)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    data = load_from_disk(data_dir)["test"].select_columns(["prompt", "chosen", "rejected"])
    args = RewardConfig(
        output_dir=tmp,
        use_cpu=True,
        bf16=False,
        per_device_eval_batch_size=batch,
        max_length=None,
        report_to="none",
        disable_tqdm=True,
        seed=0,
    )
    # TRL requires a train set even to evaluate; one pair keeps its tokenisation out of the timing.
    trainer = RewardTrainer(
        model=model, args=args, train_dataset=data.select([0]), eval_dataset=data, processing_class=tokenizer
    )
    compute_loss = trainer.compute_loss

    def capturing(model, inputs, return_outputs=False, num_items_in_batch=None):
        loss, outputs = compute_loss(model, inputs, return_outputs=True)
        captured.append(outputs.logits.squeeze(-1).detach())  # chosen rows, then rejected rows
        return (loss, outputs) if return_outputs else loss

    trainer.compute_loss = capturing
    metrics = trainer.evaluate()
    seconds = time.perf_counter() - start
    chosen, rejected = [], []
    for logits in captured:  # the eval sampler is sequential: batches come in dataset order
        half = logits.numel() // 2
        chosen += logits[:half].tolist()
        rejected += logits[half:].tolist()
    return {
        "seconds": seconds,
        "chosen": chosen,
        "rejected": rejected,
        "reported_accuracy": metrics["eval_accuracy"],
    }


def worker(side: str, model_dir: str, data_dir: str, batch: int, out: str) -> None:
    """Evaluate with one side and write its measurements to `out` (runs in its own process)."""
    import datasets

    datasets.disable_caching()
    if side == "trl":
        result = run_trl(model_dir, data_dir, batch, str(Path(out).with_suffix(".run")))
    else:
        result = run_prefdata(model_dir, data_dir, batch)
    pairs = len(result["chosen"])
    result.update(
        pairs=pairs,
        pairs_per_s=pairs / result["seconds"],
        accuracy=sum(c > r for c, r in zip(result["chosen"], result["rejected"], strict=True)) / pairs,
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )
    Path(out).write_text(json.dumps(result))


def run_worker(side: str, model_dir: Path, data_dir: Path, batch: int, tmp: Path, i: int) -> dict[str, Any]:
    out = tmp / f"{side}-{i}.json"
    command = [sys.executable, __file__, "--worker", side, "--model", str(model_dir),
               "--data", str(data_dir), "--batch-size", str(batch), "--result", str(out)]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    subprocess.run(command, check=True, env=env, cwd=REPO)
    return json.loads(out.read_text())


def compare(trl: dict[str, Any], ours: dict[str, Any]) -> dict[str, Any]:
    """Speed ratio and agreement of the two sides' rewards and accuracies."""
    if trl["pairs"] != ours["pairs"]:
        raise SystemExit(f"TRL scored {trl['pairs']} pairs, prefdata {ours['pairs']}: not the same data")
    gaps = [
        min(abs(tc - tr), abs(oc - orr))
        for tc, tr, oc, orr in zip(
            trl["chosen"], trl["rejected"], ours["chosen"], ours["rejected"], strict=True
        )
    ]
    rewards = zip(trl["chosen"] + trl["rejected"], ours["chosen"] + ours["rejected"], strict=True)
    return {
        "speedup_pairs_per_s": ours["pairs_per_s"] / trl["pairs_per_s"],
        "accuracy_difference": ours["accuracy"] - trl["accuracy"],
        "near_ties": sum(gap < NEAR_TIE for gap in gaps),
        "max_reward_difference": max(abs(a - b) for a, b in rewards),
        "trl_logged_accuracy": trl["reported_accuracy"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pairs", type=int, default=512)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--out", type=Path, default=REPO / "bench-out")
    parser.add_argument("--worker", choices=["trl", "prefdata"], help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.model, args.data, args.batch_size, args.result)
        return
    with tempfile.TemporaryDirectory(prefix="bench-eval-") as tmp_name:
        tmp = Path(tmp_name)
        parameters = prepare_model(tmp / "model")
        data_dir = prepare_data(args.pairs, tmp)
        runs: dict[str, list[dict[str, Any]]] = {"trl": [], "prefdata": []}
        for i in range(args.repeat):
            for side in ("trl", "prefdata") if i % 2 == 0 else ("prefdata", "trl"):
                runs[side].append(run_worker(side, tmp / "model", data_dir, args.batch_size, tmp, i))
    best = {side: min(results, key=lambda r: r["seconds"]) for side, results in runs.items()}
    report = {
        "model": {"arch": "qwen3", "hidden": 128, "layers": 4, "parameters": parameters, "dtype": "float32"},
        "batch_size": args.batch_size,
        "pairs": args.pairs,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "results": {side: {k: v for k, v in r.items() if k not in ("chosen", "rejected")} for side, r in best.items()},
        "all_seconds": {side: [r["seconds"] for r in results] for side, results in runs.items()},
        "comparison": compare(best["trl"], best["prefdata"]),
    }  # fmt: skip
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "eval.json").write_text(json.dumps(report, indent=2) + "\n")
    print_table(report)


def print_table(report: dict[str, Any]) -> None:
    model, comparison = report["model"], report["comparison"]
    print(
        f"model: {model['parameters'] / 1e6:.1f}M parameters, {report['pairs']} hh-rlhf pairs, "
        f"batch size {report['batch_size']}, CPU fp32\n"
    )
    print("| evaluator | pairs | seconds | pairs/s | accuracy | peak MB |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for side in ("trl", "prefdata"):
        r = report["results"][side]
        print(
            f"| {side} | {r['pairs']} | {r['seconds']:.2f} | {r['pairs_per_s']:.1f} | "
            f"{r['accuracy']:.4f} | {r['peak_rss_mb']:.0f} |"
        )
    print(
        f"\nprefdata / trl: {comparison['speedup_pairs_per_s']:.2f}x pairs/s; accuracy difference "
        f"{comparison['accuracy_difference']:+.4f} ({comparison['near_ties']} near-ties, gap < {NEAR_TIE:g}); "
        f"max reward difference {comparison['max_reward_difference']:.1e}; "
        f"TRL's logged eval_accuracy (mean of batch means) {comparison['trl_logged_accuracy']:.4f}"
    )


if __name__ == "__main__":
    main()

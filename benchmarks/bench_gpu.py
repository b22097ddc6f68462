"""GPU benchmark: `trl.RewardTrainer` (padded) against `prefdata_train` on each attention implementation.

Usage::

    python benchmarks/bench_gpu.py [--steps 40] [--warmup 5] [--pairs 1024] [--out bench-out/]
    python benchmarks/bench_gpu.py --smoke        # CPU, tiny model, 4 steps: checks the script works
    make bench-gpu                                # the first line, on a CUDA machine

The model has the published sizes of Qwen3-0.6B (hidden 1024, 28 layers, 16 query and 8 key/value
heads of 128, intermediate 3072, vocabulary 151,936) with random weights built here, in bf16; the
tokenizer is a byte-level BPE trained here on the sample (32,000 tokens, ChatML template). The data
is the real hh-rlhf sample (`--data`, default ../shared/data/hh-rlhf-harmless-base-test.jsonl.gz),
converted with `prefdata.convert` (conversational, explicit prompt; the first `--pairs` of 2,308);
where ../shared/data is not beside the checkout (a device machine), copy the file in and pass
`--data` (`make bench-gpu DATA=path`). Needs trl, datasets and tokenizers; flash_attn is optional.

Each configuration trains `--steps` steps of 8 pairs, in a process of its own (its peak memory is
its own), with identical `RewardConfig` arguments (bf16, no gradient checkpointing, seed 0):

| configuration     | trainer  | model attention   | batches                                          |
| ----------------- | -------- | ----------------- | ------------------------------------------------ |
| trl               | TRL      | sdpa              | padded                                           |
| sdpa-mask         | prefdata | sdpa              | packed rows, prefix shared, dense 4D mask        |
| prefdata_varlen   | prefdata | sdpa              | one packed row, unit by unit (the default)       |
| flex_attention    | prefdata | flex_attention    | packed, block mask (CUDA only)                   |
| flash_attention_2 | prefdata | flash_attention_2 | one row, one varlen call a layer (flash_attn)    |

Timing runs from the end of step `--warmup` to the end of the last step (compilation, caching and
the first allocations excluded; data collation and the optimizer included): pairs/s = timed steps
x 8 / seconds; tokens/s counts real tokens (chosen + rejected, TRL's `num_tokens`). Peak memory is
`torch.cuda.max_memory_allocated` over the run. The per-step losses of each run are compared with
TRL's (max |difference|); `packed` says whether prefdata's collator packed the batches (it pads,
with a warning, where the attention implementation cannot take packed rows). A markdown table goes
to stdout and everything to OUT/gpu.json. On one H200 the default run takes about 4 minutes (about
40 s per configuration, most of it start-up and tokenisation; flex_attention adds its compilation;
estimated, not yet measured). `--smoke` took 54 s here on 2 shared CPU cores, too slow for a test.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
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

QWEN3_0_6B: dict[str, Any] = dict(
    hidden_size=1024, num_hidden_layers=28, num_attention_heads=16, num_key_value_heads=8, head_dim=128,
    intermediate_size=3072, vocab_size=151936, max_position_embeddings=40960,
)  # fmt: skip
TINY: dict[str, Any] = dict(
    hidden_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, head_dim=16,
    intermediate_size=128, vocab_size=1000, max_position_embeddings=4096,
)  # fmt: skip
CONFIGURATIONS = {  # name: (trainer, attention implementation, collator)
    "trl": ("trl", "sdpa", "default"),
    "sdpa-mask": ("prefdata", "sdpa", "rows"),
    "prefdata_varlen": ("prefdata", "sdpa", "default"),
    "flex_attention": ("prefdata", "flex_attention", "default"),
    "flash_attention_2": ("prefdata", "flash_attention_2", "default"),
}


def available(smoke: bool) -> list[str]:
    """The configurations this machine can run (flex and flash need CUDA; flash needs flash_attn)."""
    import torch

    from prefdata_train._modeling.flash_varlen import flash_attn_available

    names = ["trl", "sdpa-mask", "prefdata_varlen"]
    if torch.cuda.is_available() and not smoke:
        names.append("flex_attention")
        if flash_attn_available():
            names.append("flash_attention_2")
    return names


def prepare(tmp: Path, data: Path, pairs: int, smoke: bool) -> dict[str, Any]:
    """Convert the sample, build the tokenizer and the model; return what the workers load."""
    import torch
    from datasets import load_from_disk
    from transformers import AutoModelForSequenceClassification, Qwen3Config

    import prefdata
    from prefdata_train._workflows.tiny_model import build_tokenizer

    prefdata.convert(str(data), str(tmp / "canonical"))
    rows = load_from_disk(str(tmp / "canonical"))["train"]
    rows.select(range(min(pairs, len(rows)))).select_columns(["prompt", "chosen", "rejected"]).save_to_disk(
        str(tmp / "pairs")
    )
    sizes = TINY if smoke else QWEN3_0_6B
    with gzip.open(data, "rt", encoding="utf-8") as handle:
        texts = [json.loads(line)[side] for line in handle for side in ("chosen", "rejected")]
    tokenizer = build_tokenizer(texts, vocab_size=min(32_000, sizes["vocab_size"]))
    tokenizer.pad_token = "<|pad|>"  # pad != eos: TRL's pooling then reads each reward at the last real token
    tokenizer.save_pretrained(tmp / "model")
    config = Qwen3Config(
        **sizes, num_labels=1, pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id
    )
    torch.manual_seed(0)
    model = AutoModelForSequenceClassification.from_config(config, dtype=torch.float32)
    dtype = torch.float32 if smoke else torch.bfloat16
    model.to(dtype).save_pretrained(tmp / "model")
    return {"parameters": sum(p.numel() for p in model.parameters()), "dtype": str(dtype).split(".")[-1]}


def worker(name: str, model_dir: str, pairs_dir: str, steps: int, warmup: int, smoke: bool) -> dict[str, Any]:
    """Train one configuration and return its measurements."""
    import torch
    from datasets import load_from_disk
    from transformers import (
        AutoModelForSequenceClassification,
        AutoTokenizer,
        PrinterCallback,
        TrainerCallback,
    )

    side, attention, collation = CONFIGURATIONS[name]
    if side == "trl":
        from trl import RewardConfig, RewardTrainer
    else:
        from prefdata_train import RewardConfig, RewardTrainer
    cuda = torch.cuda.is_available() and not smoke

    class StepClock(TrainerCallback):
        def __init__(self) -> None:
            self.ends: list[float] = []

        def on_step_end(self, args, state, control, **kwargs):
            if cuda:
                torch.cuda.synchronize()
            self.ends.append(time.perf_counter())

    torch.manual_seed(0)
    dtype = torch.float32 if smoke else torch.bfloat16
    model = AutoModelForSequenceClassification.from_pretrained(
        model_dir, dtype=dtype, attn_implementation=attention
    )
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    args = RewardConfig(
        output_dir=str(Path(model_dir).parent / f"run-{name}"),
        use_cpu=not cuda,
        bf16=cuda,
        gradient_checkpointing=False,
        per_device_train_batch_size=BATCH,
        max_steps=steps,
        logging_steps=1,
        save_strategy="no",
        report_to="none",
        disable_tqdm=True,
        seed=0,
    )
    collator = None
    if collation == "rows":
        from prefdata_train import DataCollatorForPreference

        collator = DataCollatorForPreference(
            tokenizer.pad_token_id, padding_free=True, prefix_sharing=True, single_row=False
        )
    clock = StepClock()
    trainer = RewardTrainer(
        model=model,
        args=args,
        data_collator=collator,
        train_dataset=load_from_disk(pairs_dir),
        processing_class=tokenizer,
        callbacks=[clock],
    )
    trainer.remove_callback(PrinterCallback)  # per-step logs stay in log_history, off stdout
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    trainer.train()
    logs = trainer.state.log_history
    tokens = [e["num_tokens"] for e in logs if "num_tokens" in e]
    seconds = clock.ends[-1] - clock.ends[warmup - 1]
    timed = steps - warmup
    return {
        "attention": trainer.model.config._attn_implementation,
        "packed": bool(getattr(trainer.data_collator, "padding_free", False)),
        "seconds": seconds,
        "pairs_per_s": timed * BATCH / seconds,
        "tokens_per_s": (tokens[-1] - tokens[warmup - 1]) / seconds,
        "peak_gpu_mb": torch.cuda.max_memory_allocated() / 2**20 if cuda else None,
        "losses": [e["loss"] for e in logs if "loss" in e],
    }


def run(name: str, tmp: Path, args: argparse.Namespace) -> dict[str, Any]:
    """One configuration: in a fresh process (own peak memory), or here with `--smoke`."""
    model_dir, pairs_dir = str(tmp / "model"), str(tmp / "pairs")
    if args.smoke:
        return worker(name, model_dir, pairs_dir, args.steps, args.warmup, smoke=True)
    out = tmp / f"{name}.json"
    command = [sys.executable, __file__, "--worker", name, "--model-dir", model_dir, "--pairs-dir", pairs_dir,
               "--steps", str(args.steps), "--warmup", str(args.warmup), "--result", str(out)]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    subprocess.run(command, check=True, env=env, cwd=REPO)
    return json.loads(out.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=5, help="steps left out of the timing")
    parser.add_argument("--pairs", type=int, default=1024, help="first pairs of the sample to train on")
    parser.add_argument("--data", type=Path, default=HH_SAMPLE)
    parser.add_argument("--out", type=Path, default=REPO / "bench-out")
    parser.add_argument("--only", nargs="+", choices=list(CONFIGURATIONS), help="run these configurations")
    parser.add_argument("--smoke", action="store_true", help="CPU, tiny model, 4 steps, in this process")
    parser.add_argument("--worker", choices=list(CONFIGURATIONS), help=argparse.SUPPRESS)
    parser.add_argument("--model-dir", help=argparse.SUPPRESS)
    parser.add_argument("--pairs-dir", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args()
    quiet()
    if args.worker:
        result = worker(args.worker, args.model_dir, args.pairs_dir, args.steps, args.warmup, smoke=False)
        Path(args.result).write_text(json.dumps(result))
        return
    if args.smoke:
        args.steps, args.warmup, args.pairs = 4, 1, min(args.pairs, 64)
    if not 0 < args.warmup < args.steps:
        parser.error("--warmup must be at least 1 and below --steps")
    names = [n for n in available(args.smoke) if not args.only or n in args.only]
    with tempfile.TemporaryDirectory(prefix="bench-gpu-") as tmp:
        model = prepare(Path(tmp), args.data, args.pairs, args.smoke)
        results = {name: run(name, Path(tmp), args) for name in names}
    report = {"model": {**model, "sizes": TINY if args.smoke else QWEN3_0_6B}, "batch": BATCH,
              "steps": args.steps, "warmup": args.warmup, "pairs": args.pairs, "smoke": args.smoke,
              "machine": machine(), "results": compare(results)}  # fmt: skip
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "gpu.json").write_text(json.dumps(report, indent=2) + "\n")
    print(markdown(report))


def quiet() -> None:
    """No progress bars or info logs: stdout keeps the table (prefdata's warnings still go to stderr)."""
    import datasets
    import transformers

    datasets.disable_progress_bars()
    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()


def compare(results: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Add each run's speed-up over TRL and its largest per-step loss difference from TRL's."""
    trl = results.get("trl")
    for result in results.values():
        if trl is not None:
            result["speedup_pairs_per_s"] = result["pairs_per_s"] / trl["pairs_per_s"]
            pairs = zip(result["losses"], trl["losses"], strict=True)
            result["max_loss_difference"] = max(abs(a - b) for a, b in pairs)
    return results


def machine() -> dict[str, Any]:
    import torch

    return {
        "gpu": torch.cuda.get_device_name() if torch.cuda.is_available() else None,
        "torch": torch.__version__,
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


def markdown(report: dict[str, Any]) -> str:
    """The comparison table."""
    model = report["model"]
    lines = [
        f"{model['parameters'] / 1e6:.2f}M parameters ({model['dtype']}), batch {report['batch']} pairs, "
        f"{report['steps']} steps ({report['warmup']} warm-up), {report['machine']['gpu'] or 'CPU'}",
        "",
        "| configuration | attention run | packed | pairs/s | tokens/s | vs TRL | peak GPU MB | max loss diff |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, r in report["results"].items():
        memory = "-" if r["peak_gpu_mb"] is None else f"{r['peak_gpu_mb']:.0f}"
        lines.append(
            f"| {name} | {r['attention']} | {'yes' if r['packed'] else 'no'} | {r['pairs_per_s']:.1f} | "
            f"{r['tokens_per_s']:.0f} | {r.get('speedup_pairs_per_s', 1.0):.2f}x | {memory} | "
            f"{r.get('max_loss_difference', 0.0):.1e} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()

"""`prefdata-train evaluate`, `normalize`, `score` and `tiny-model`: commands that apply or build a reward model."""

from __future__ import annotations

import sys
from pathlib import Path

import click

DATA_ARG = click.argument("data", type=click.Path(path_type=Path))
ATTENTION_CHOICES = ["eager", "sdpa", "flex_attention", "flash_attention_2"]
ATTN_OPTION = click.option(
    "--attn-implementation",
    type=click.Choice(ATTENTION_CHOICES),
    help="Attention kernel to run the model with  [default: the model's own, usually sdpa]",
)


BENCHMARK_OPTION = click.option(
    "--benchmark",
    type=click.Choice(["rewardbench", "rewardbench-2", "rm-bench"]),
    help="Read DATA as this benchmark's published shape  [default: detected from the columns]",
)


@click.command("evaluate")
@click.argument("model", type=click.Path(path_type=Path))
@DATA_ARG
@click.option("--split", help="Split to evaluate  [default: the only one, else test, else validation]")
@click.option("--by", help="Also report accuracy per value of this column (e.g. source).")
@BENCHMARK_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--report",
    "report_dir",
    type=click.Path(path_type=Path),
    help="Write a self-contained HTML report (plots included) to REPORT/index.html.",
)
@click.option(
    "--plot",
    type=click.Path(path_type=Path),
    help="PNG of chosen and rejected reward histograms  [default: MODEL/reward-distribution.png]",
)
@click.option("--no-plot", is_flag=True, help="Do not write the plot.")
@click.option("--batch-size", type=click.IntRange(min=1), default=16, show_default=True)
@click.option("--max-length", type=click.IntRange(min=1), help="Truncate sequences to this many tokens.")
@ATTN_OPTION
def evaluate_cmd(
    model,
    data,
    split,
    by,
    benchmark,
    as_json,
    report_dir,
    plot,
    no_plot,
    batch_size,
    max_length,
    attn_implementation,
) -> None:
    """Judge the reward model MODEL on DATA: accuracy with intervals, benchmark scores, length bias, calibration.

    DATA is a canonical folder, a raw preference file (converted in memory), or a benchmark's
    published shape: RewardBench (pairs with `subset`), RewardBench 2 (best-of-N lists),
    RM-Bench (style lists).
    """
    from prefdata._cli import user_errors
    from prefdata_train._cli.evaluation_text import print_report
    from prefdata_train._modeling.sharding import is_main_process
    from prefdata_train._workflows.evaluation import default_plot_path, evaluate

    with user_errors():
        report = evaluate(
            model,
            data,
            split=split,
            by=by,
            benchmark=benchmark,
            batch_size=batch_size,
            max_length=max_length,
            plot=None if no_plot else plot or default_plot_path(model),
            report_dir=report_dir,
            progress=sys.stderr.isatty(),
            attn_implementation=attn_implementation,
        )
    if not is_main_process():  # under `accelerate launch`, one report, not one per process
        return
    if as_json:
        click.echo(report.model_dump_json(indent=2))
    else:
        print_report(report)


@click.command("normalize")
@click.argument("model", type=click.Path(path_type=Path))
@DATA_ARG
@click.option("--split", help="Reference split  [default: the only one, else test, else validation]")
@BENCHMARK_OPTION
@click.option("--batch-size", type=click.IntRange(min=1), default=16, show_default=True)
@click.option("--max-length", type=click.IntRange(min=1), help="Truncate sequences to this many tokens.")
@ATTN_OPTION
def normalize_cmd(model, data, split, benchmark, batch_size, max_length, attn_implementation) -> None:
    """Store the mean and spread of MODEL's rewards on DATA in MODEL/config.json.

    `score --normalize` then writes standardised rewards, (r - mean) / std; pipeline users read
    `model.config.reward_normalization` and apply the same two numbers.
    """
    from prefdata._cli import user_errors
    from prefdata_train._modeling.sharding import is_main_process
    from prefdata_train._workflows.normalization import normalize

    with user_errors():
        result = normalize(
            model,
            data,
            split=split,
            benchmark=benchmark,
            batch_size=batch_size,
            max_length=max_length,
            progress=sys.stderr.isatty(),
            attn_implementation=attn_implementation,
        )
    if is_main_process():
        click.echo(
            f"reward mean {result.mean:+.4f}, std {result.std:.4f} over {result.n} completions "
            f"of {result.data} [{result.split}] -> {Path(model) / 'config.json'}"
        )


@click.command("score")
@click.argument("model", type=click.Path(path_type=Path))
@DATA_ARG
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--split", "splits", multiple=True, help="Split to score (repeat for several)  [default: all]")
@BENCHMARK_OPTION
@click.option("--normalize", is_flag=True, help="Standardise rewards with what `normalize` stored.")
@click.option("--batch-size", type=click.IntRange(min=1), default=16, show_default=True)
@click.option("--max-length", type=click.IntRange(min=1), help="Truncate sequences to this many tokens.")
@click.option("--overwrite", is_flag=True, help="Replace OUT if it exists (a file, or a folder of scores).")
@ATTN_OPTION
def score_cmd(
    model, data, out, splits, benchmark, normalize, batch_size, max_length, overwrite, attn_implementation
) -> None:
    """Write the reward of every completion of DATA to OUT, one row per pair or prompt.

    DATA is read as `evaluate` reads it. OUT ending in .jsonl or .parquet gives that file;
    anything else a save_to_disk folder.
    """
    from prefdata._cli import user_errors
    from prefdata_train._modeling.sharding import is_main_process
    from prefdata_train._workflows.score_folder import score_folder

    with user_errors():
        result = score_folder(
            model,
            data,
            out,
            splits=splits,
            benchmark=benchmark,
            normalize=normalize,
            batch_size=batch_size,
            max_length=max_length,
            overwrite=overwrite,
            progress=sys.stderr.isatty(),
            attn_implementation=attn_implementation,
        )
    if not is_main_process():  # under `accelerate launch`, one summary, not one per process
        return
    counts = ", ".join(f"{name}: {n}" for name, n in result.rows.items())
    click.echo(
        f"scored {sum(result.rows.values())} {result.unit} ({counts}) -> {result.path} [{result.format}]"
    )
    for name, reasons in result.dropped.items():  # rows missing from OUT, never silently
        dropped = ", ".join(f"{n} {reason}" for reason, n in reasons.items())
        click.echo(f"not scored ({name}): {dropped}")
    for name, n in result.truncated.items():  # scored on the kept tokens: said, never silent
        click.echo(f"truncated ({name}): {n} rows cut to --max-length tokens")


@click.command("tiny-model")
@click.argument("out", type=click.Path(path_type=Path))
@click.option(
    "--data",
    "data_dir",
    required=True,
    type=click.Path(path_type=Path),
    help="Canonical folder whose texts train the tokenizer.",
)
@click.option("--hidden-size", type=click.IntRange(min=16), default=64, show_default=True)
@click.option("--layers", type=click.IntRange(min=1), default=2, show_default=True)
@click.option("--vocab-size", type=click.IntRange(min=300), default=1000, show_default=True)
@click.option("--arch", type=click.Choice(["qwen3", "llama"]), default="qwen3", show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
def tiny_model_cmd(out, data_dir, hidden_size, layers, vocab_size, arch, seed) -> None:
    """Build a small random reward model and a tokenizer trained on DATA's texts, offline, in OUT."""
    from prefdata._cli import user_errors
    from prefdata_train._data.canonical_reader import load_canonical, pair_texts
    from prefdata_train._workflows.tiny_model import build_tiny_model

    with user_errors():
        texts = pair_texts(load_canonical(data_dir))
        path = build_tiny_model(
            out,
            texts,
            vocab_size=vocab_size,
            hidden_size=hidden_size,
            num_layers=layers,
            arch=arch,
            seed=seed,
        )
    click.echo(f"tiny {arch} reward model (hidden {hidden_size}, {layers} layers) -> {path}")

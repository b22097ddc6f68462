"""`prefdata-train evaluate`, `score` and `tiny-model`: commands that apply or build a reward model."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from prefdata_train._workflows.evaluation import EvaluationReport

DATA_DIR_ARG = click.argument("data_dir", type=click.Path(path_type=Path))


def _print_report(report: EvaluationReport) -> None:
    click.echo(f"split      {report.split}")
    click.echo(f"pairs      {report.n_pairs}")
    click.echo(f"accuracy   {report.accuracy:.4f}")
    click.echo(
        f"mean gap   {report.mean_gap:+.4f}  "
        f"(chosen {report.mean_chosen:+.4f}, rejected {report.mean_rejected:+.4f})"
    )
    if report.by_group:
        width = max(len(report.by or ""), *(len(k) for k in report.by_group))
        click.echo(f"\n{report.by:<{width}}  {'n':>7}  accuracy")
        for key, group in report.by_group.items():
            click.echo(f"{key:<{width}}  {group.n:>7}  {group.accuracy:.4f}")
    if report.by_margin:
        click.echo(f"\n{'margin':<23}  {'n':>7}  accuracy")
        for bucket in report.by_margin:
            label = f"[{bucket.low:.3g}, {bucket.high:.3g}]"
            click.echo(f"{label:<23}  {bucket.n:>7}  {bucket.accuracy:.4f}")
    if report.plot:
        click.echo(f"\nplot: {report.plot}")


@click.command("evaluate")
@click.argument("model", type=click.Path(path_type=Path))
@DATA_DIR_ARG
@click.option("--split", help="Split to evaluate  [default: test, else validation]")
@click.option("--by", help="Also report accuracy per value of this column (e.g. source).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--plot",
    type=click.Path(path_type=Path),
    help="PNG of chosen and rejected reward histograms  [default: MODEL/reward-distribution.png]",
)
@click.option("--no-plot", is_flag=True, help="Do not write the plot.")
@click.option("--batch-size", type=click.IntRange(min=1), default=16, show_default=True)
@click.option("--max-length", type=click.IntRange(min=1), help="Truncate pairs to this many tokens.")
def evaluate_cmd(model, data_dir, split, by, as_json, plot, no_plot, batch_size, max_length) -> None:
    """Pairwise accuracy of the reward model MODEL on a split of DATA_DIR."""
    from prefdata._cli import user_errors
    from prefdata_train._workflows.evaluation import default_plot_path, evaluate

    with user_errors():
        report = evaluate(
            model,
            data_dir,
            split=split,
            by=by,
            batch_size=batch_size,
            max_length=max_length,
            plot=None if no_plot else plot or default_plot_path(model),
            progress=sys.stderr.isatty(),
        )
    if as_json:
        click.echo(report.model_dump_json(indent=2))
    else:
        _print_report(report)


@click.command("score")
@click.argument("model", type=click.Path(path_type=Path))
@DATA_DIR_ARG
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--split", "splits", multiple=True, help="Split to score (repeat for several)  [default: all]")
@click.option("--batch-size", type=click.IntRange(min=1), default=16, show_default=True)
@click.option("--max-length", type=click.IntRange(min=1), help="Truncate pairs to this many tokens.")
@click.option("--overwrite", is_flag=True, help="Replace OUT if it exists (a file, or a folder of scores).")
def score_cmd(model, data_dir, out, splits, batch_size, max_length, overwrite) -> None:
    """Write the reward of every chosen and rejected response of DATA_DIR to OUT.

    OUT ending in .jsonl or .parquet gives that file; anything else a save_to_disk folder.
    """
    from prefdata._cli import user_errors
    from prefdata_train._workflows.score_folder import score_folder

    with user_errors():
        result = score_folder(
            model,
            data_dir,
            out,
            splits=splits,
            batch_size=batch_size,
            max_length=max_length,
            overwrite=overwrite,
            progress=sys.stderr.isatty(),
        )
    counts = ", ".join(f"{name}: {n}" for name, n in result.rows.items())
    click.echo(f"scored {sum(result.rows.values())} pairs ({counts}) -> {result.path} [{result.format}]")


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

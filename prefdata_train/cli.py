"""The `prefdata-train` command: thin click wrappers that call the library and print.

Exit status: 0 success, 1 the data failed validation (fit), 2 unusable input or misuse.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from prefdata._version import __version__
from prefdata.cli._errors import user_errors
from prefdata_train.cli_demo import demo_cmd
from prefdata_train.cli_options import config_options, file_only_fields, typed_values
from prefdata_train.reward_config import RewardConfig

if TYPE_CHECKING:
    from prefdata_train.evaluation import EvaluationReport

FIT_OWN_OPTIONS = {"model", "output_dir", "config", "config_file", "resume", "data_dir"}


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, prog_name="prefdata-train")
def main() -> None:
    """Train, evaluate and apply Bradley-Terry reward models on canonical preference data."""


DATA_DIR = click.argument("data_dir", type=click.Path(path_type=Path))


@main.command(
    "fit",
    epilog="Set only in --config (mappings): " + ", ".join(file_only_fields(RewardConfig)) + ".",
)
@DATA_DIR
@click.option("--model", required=True, help="Model folder (or Hub id) to start from.")
@click.option("--output-dir", required=True, type=click.Path(path_type=Path), help="Where the model goes.")
@click.option(
    "--config", "config_file", type=click.Path(path_type=Path), help="YAML file of RewardConfig fields."
)
@click.option("--resume", is_flag=True, help="Resume from the last checkpoint in --output-dir.")
@config_options(RewardConfig, FIT_OWN_OPTIONS)
@click.pass_context
def fit_cmd(ctx, data_dir, model, output_dir, config_file, resume, **fields) -> None:
    """Train a reward model on the `train` split of DATA_DIR (evaluating on `test`/`validation`)."""
    from prefdata_train.config_file import build_config
    from prefdata_train.fit import check_model_source, check_output_dir, fit
    from prefdata_train.validation_gate import check_data

    with user_errors():
        check_output_dir(output_dir)  # before anything slow is loaded
        problems = check_data(data_dir)
        if problems:
            click.echo(problems, err=True)
            click.echo("error: the data has structure errors; fix them before training", err=True)
            raise SystemExit(1)
        check_model_source(model)
        # Progress bars only where someone watches them; the file/CLI can still turn them on.
        defaults = {"disable_tqdm": not sys.stderr.isatty()}
        overrides = {**typed_values(ctx, fields), "output_dir": str(output_dir)}
        config = build_config(RewardConfig, config_file, overrides, defaults=defaults)
        result = fit(data_dir, model, output_dir, config, resume=resume)
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    if result.resumed_from:
        click.echo(f"resumed from {result.resumed_from}")
    dropped = sum(result.dropped.values())
    reasons = ", ".join(f"{reason}: {n}" for reason, n in sorted(result.dropped.items()))
    click.echo(
        f"trained {result.global_step} steps on {result.train_rows} pairs"
        + (f" ({dropped} dropped before training: {reasons})" if dropped else "")
    )
    for key in ("train_loss", "eval_loss", "eval_accuracy"):
        if key in result.final_metrics:
            click.echo(f"  {key:<14} {result.final_metrics[key]:.4f}")
    click.echo(f"model:   {result.output_dir}")
    click.echo(f"metrics: {result.metrics_path}")
    click.echo(f"plot:    {result.plot_path}")


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


@main.command("evaluate")
@click.argument("model", type=click.Path(path_type=Path))
@DATA_DIR
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
    from prefdata_train.evaluation import default_plot_path, evaluate

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


@main.command("score")
@click.argument("model", type=click.Path(path_type=Path))
@DATA_DIR
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--split", "splits", multiple=True, help="Split to score (repeat for several)  [default: all]")
@click.option("--batch-size", type=click.IntRange(min=1), default=16, show_default=True)
@click.option("--max-length", type=click.IntRange(min=1), help="Truncate pairs to this many tokens.")
@click.option("--overwrite", is_flag=True, help="Replace OUT if it exists (a file, or a folder of scores).")
def score_cmd(model, data_dir, out, splits, batch_size, max_length, overwrite) -> None:
    """Write the reward of every chosen and rejected response of DATA_DIR to OUT.

    OUT ending in .jsonl or .parquet gives that file; anything else a save_to_disk folder.
    """
    from prefdata_train.score_output import score_folder

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


@main.command("tiny-model")
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
    from prefdata_train.canonical import load_canonical, pair_texts
    from prefdata_train.tiny_model import build_tiny_model

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


main.add_command(demo_cmd)

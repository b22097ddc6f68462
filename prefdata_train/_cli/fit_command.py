"""`prefdata-train fit`: train a reward model on a canonical folder.

Its config options come from the generated table of `RewardConfig` fields (`fields_table.py`),
so `fit --help` imports no transformers; `RewardConfig` itself is imported when the command runs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from prefdata_train._cli.config_options import config_options, typed_values
from prefdata_train._cli.fields_table import FIELDS, FILE_ONLY
from prefdata_train._cli.help_sections import SectionedCommand

FIT_OWN_OPTIONS = {"model", "output_dir", "config", "config_file", "resume", "data_dir"}


@click.command(
    "fit",
    cls=SectionedCommand,
    config_names=frozenset(row.name for row in FIELDS),
    epilog="Set only in --config (mappings): " + ", ".join(FILE_ONLY) + ".",
)
@click.argument("data_dir", type=click.Path(path_type=Path))
@click.option("--model", required=True, help="Model folder (or Hub id) to start from.")
@click.option("--output-dir", required=True, type=click.Path(path_type=Path), help="Where the model goes.")
@click.option(
    "--config", "config_file", type=click.Path(path_type=Path), help="YAML file of RewardConfig fields."
)
@click.option("--resume", is_flag=True, help="Resume from the last checkpoint in --output-dir.")
@config_options(FIELDS, FIT_OWN_OPTIONS)
@click.pass_context
def fit_cmd(ctx, data_dir, model, output_dir, config_file, resume, **fields) -> None:
    """Train a reward model on the `train` split of DATA_DIR (evaluating on `test`/`validation`)."""
    from prefdata._cli import user_errors
    from prefdata_train._trainer.config_file import build_config
    from prefdata_train._trainer.reward_config import RewardConfig
    from prefdata_train._workflows.fit import check_model_source, check_output_dir, fit
    from prefdata_train._workflows.validation_gate import check_data

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

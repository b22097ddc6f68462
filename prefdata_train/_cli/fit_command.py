"""`prefdata-train fit`: train a reward model on a canonical folder.

Its config options are `RewardConfig`'s fields, read from the generated table (`fields_table.py`)
and built by `prefdata`'s one option builder (`prefdata._option_fields`, which also builds
`prefdata convert`'s). Both are loaded when `fit` first needs its options (to parse or print
help): importing `prefdata` loads the converter, which `prefdata-train --help`, `--version` and
the other commands should not pay for. `fit --help` imports no transformers; `RewardConfig`
itself is imported when the command runs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from prefdata_train._cli.help_sections import SectionedCommand

FIT_OWN_OPTIONS = {
    "model",
    "output_dir",
    "config",
    "config_file",
    "resume",
    "data_dir",
    "attn_implementation",
}


class _ConfigFieldsCommand(SectionedCommand):
    """A sectioned command that adds one option per `RewardConfig` field the first time it is used."""

    def get_params(self, ctx: click.Context) -> list[click.Parameter]:
        if not self.config_names:
            from prefdata._option_fields import field_params
            from prefdata_train._cli.fields_table import FIELDS, FILE_ONLY

            self.params.extend(field_params(FIELDS, taken=FIT_OWN_OPTIONS))
            self.config_names = frozenset(row.name for row in FIELDS)
            self.epilog = "Set only in --config (mappings): " + ", ".join(FILE_ONLY) + "."
        return super().get_params(ctx)


@click.command("fit", cls=_ConfigFieldsCommand)
@click.argument("data_dir", type=click.Path(path_type=Path))
@click.option("--model", required=True, help="Model folder (or Hub id) to start from.")
@click.option("--output-dir", required=True, type=click.Path(path_type=Path), help="Where the model goes.")
@click.option(
    "--config", "config_file", type=click.Path(path_type=Path), help="YAML file of RewardConfig fields."
)
@click.option("--resume", is_flag=True, help="Resume from the last checkpoint in --output-dir.")
@click.option(
    "--attn-implementation",
    type=click.Choice(["eager", "sdpa", "flex_attention", "flash_attention_2"]),
    help="Attention kernel (sets model_init_kwargs.attn_implementation); flex_attention trains on a GPU only.",
)
@click.pass_context
def fit_cmd(ctx, data_dir, model, output_dir, config_file, resume, attn_implementation, **fields) -> None:
    """Train a reward model on the `train` split of DATA_DIR (evaluating on `test`/`validation`)."""
    from prefdata._cli import terminate_as_interrupt, user_errors
    from prefdata._option_fields import typed_values
    from prefdata_train._trainer.config_file import build_config
    from prefdata_train._trainer.reward_config import RewardConfig
    from prefdata_train._workflows.fit import check_model_source, check_output_dir, fit
    from prefdata_train._workflows.fit_checks import check_apart_from_inputs
    from prefdata_train._workflows.validation_gate import check_data

    # SIGTERM unwinds like Ctrl-C: a folder this run created without a checkpoint is removed
    with terminate_as_interrupt(), user_errors():
        check_output_dir(output_dir)  # before anything slow is loaded
        check_apart_from_inputs(output_dir, data_dir, model)
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
        if attn_implementation:  # as TRL users pass it: a from_pretrained keyword of the model
            config.model_init_kwargs = {
                **(config.model_init_kwargs or {}),
                "attn_implementation": attn_implementation,
            }
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

"""`prefdata-train demo`: the whole pipeline on a generated sample, offline."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("demo")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--overwrite", is_flag=True, help="Replace OUT_DIR if an earlier demo wrote it.")
@click.option(
    "--seed", type=int, default=0, show_default=True, help="Seed for the data, the model and training."
)
def demo_cmd(out_dir: Path, overwrite: bool, seed: int) -> None:
    """Generate a raw arena-style source, convert, validate, build a tiny model, fit and evaluate."""
    from prefdata._cli import user_errors
    from prefdata_train._workflows.demo import run_demo

    with user_errors():
        result = run_demo(out_dir, echo=click.echo, overwrite=overwrite, seed=seed)
    reached = result.reached
    click.echo(
        f"every artefact is in {out_dir}" + ("" if reached else " (accuracy below target or baseline)")
    )
    if not reached:
        raise SystemExit(1)

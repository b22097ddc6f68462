"""`prefdata convert` and `prefdata detect`."""

from __future__ import annotations

from typing import Any

import click

from prefdata._cli.error_exits import user_errors
from prefdata._cli.paths import output_path, source_path
from prefdata._cli.streams import echo_result
from prefdata._cli.summary import convert_summary
from prefdata._option_fields import model_options, pick
from prefdata.records.manifest import Manifest
from prefdata.records.options import ConvertOptions

_source_options = [
    click.option("--split", default=None, help="Read only this split of the source."),
    click.option("--subset", default=None, help="Configuration (subset) of a Hub dataset."),
]


def source_options(func: Any) -> Any:
    for option in reversed(_source_options):
        func = option(func)
    return func


@click.command("convert")
@click.argument("source", callback=source_path)
@click.argument("out_dir", type=click.Path(file_okay=False), callback=output_path)
@click.option(
    "--spec",
    default=None,
    callback=source_path,
    help="Layout spec file (YAML/JSON) or built-in layout name; default: detect.",
)
@source_options
@model_options(ConvertOptions)
@click.option("--overwrite", is_flag=True, help="Replace OUT_DIR if an earlier prefdata convert wrote it.")
@click.option("--json", "as_json", is_flag=True, help="Print the manifest as JSON instead of the summary.")
def convert_cmd(
    source: str,
    out_dir: str,
    spec: str | None,
    split: str | None,
    subset: str | None,
    overwrite: bool,
    as_json: bool,
    **params: Any,
) -> None:
    """Convert preference data SOURCE (file, folder, save_to_disk folder or Hub id) into OUT_DIR."""
    from prefdata._cli.environment import engine_settings
    from prefdata._convert import convert

    with user_errors():
        result = convert(
            source,
            out_dir,
            spec=spec,
            options=pick(ConvertOptions, params),
            split=split,
            subset=subset,
            overwrite=overwrite,
            progress=True,
            **engine_settings(),  # PREFDATA_WORKERS, PREFDATA_BATCH
        )
    if as_json:
        echo_result(result.manifest.model_dump_json(indent=2), written=out_dir)
    else:
        assert isinstance(result.manifest, Manifest)  # a mixture's manifest comes from `prefdata mix` only
        echo_result(convert_summary(result.manifest, out_dir), written=out_dir)

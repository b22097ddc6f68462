"""The `prefdata-train` command: thin click wrappers that call the library and print.

Exit status: 0 success, 1 the data failed validation (fit) or the demo missed its target,
2 unusable input or misuse, or the trainer's packages (`pip install "prefdata[train]"`) missing.

Starting is fast: this package imports click and the generated options table only; each command
imports the library (and with it torch and transformers) when it runs.
"""

from __future__ import annotations

from typing import Any

import click

from prefdata_train._cli.demo_command import demo_cmd
from prefdata_train._cli.fit_command import fit_cmd
from prefdata_train._cli.model_commands import evaluate_cmd, normalize_cmd, score_cmd, tiny_model_cmd
from prefdata_train._cli.trainer_packages import INSTALL_HINT, missing_trainer_packages

EXIT_USAGE = 2

__all__ = ["main"]


class _TrainerCommands(click.Group):
    """The command group; it refuses to start, `--help` included, without the trainer's packages."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        missing = missing_trainer_packages()
        if missing:
            click.echo(f"error: {INSTALL_HINT} (missing: {', '.join(missing)})", err=True)
            raise SystemExit(EXIT_USAGE)
        return super().main(*args, **kwargs)


@click.group(
    cls=_TrainerCommands, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110}
)
# the installed version, read from package metadata: importing `prefdata` would load the converter
@click.version_option(package_name="prefdata", prog_name="prefdata-train")
def main() -> None:
    """Train, evaluate and apply Bradley-Terry reward models on canonical preference data."""


for _command in (fit_cmd, evaluate_cmd, normalize_cmd, score_cmd, tiny_model_cmd, demo_cmd):
    main.add_command(_command)

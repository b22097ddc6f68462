"""The `prefdata` command: thin click wrappers that call the library and print.

Exit status: 0 success, 1 problems found (validate) or interrupted (Ctrl-C), 2 unusable input or
misuse, 143 stopped by SIGTERM (after the same clean-up as Ctrl-C).
"""

from __future__ import annotations

from typing import Any

import click

from prefdata._cli.convert_command import convert_cmd
from prefdata._cli.detect_command import detect_cmd
from prefdata._cli.error_exits import terminate_as_interrupt, user_errors
from prefdata._cli.mix_command import mix_cmd
from prefdata._cli.validate_command import validate_cmd
from prefdata._version import __version__

# `user_errors` is public: other front ends (prefdata-train) report errors the same way
__all__ = ["main", "terminate_as_interrupt", "user_errors"]


class _Commands(click.Group):
    """The command group; every command runs with SIGTERM handled as an interrupt."""

    def invoke(self, ctx: click.Context) -> Any:
        with terminate_as_interrupt():
            return super().invoke(ctx)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="prefdata")
def main() -> None:
    """Detect, normalise and validate preference data."""


main.add_command(convert_cmd)
main.add_command(detect_cmd)
main.add_command(mix_cmd)
main.add_command(validate_cmd)

"""The `prefdata` command: thin click wrappers that call the library and print.

Exit status: 0 success, 1 problems found (validate), 2 unusable input or misuse.
"""

from __future__ import annotations

import click

from prefdata._version import __version__
from prefdata.cli.convert import convert_cmd, detect_cmd
from prefdata.cli.validate import validate_cmd


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="prefdata")
def main() -> None:
    """Detect, normalise and validate preference data."""


main.add_command(convert_cmd)
main.add_command(detect_cmd)
main.add_command(validate_cmd)

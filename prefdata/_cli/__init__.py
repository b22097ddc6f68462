"""The `prefdata` command: thin click wrappers that call the library and print.

Exit status: 0 success, 1 problems found (validate) or interrupted (Ctrl-C), 2 unusable input,
misuse or output that could not be written (standard output included), 141 standard output closed
by its reader (`| head`), 143 stopped by SIGTERM (after the same clean-up as Ctrl-C).
"""

from __future__ import annotations

import os
from typing import Any

import click

from prefdata._cli.convert_command import convert_cmd
from prefdata._cli.detect_command import detect_cmd
from prefdata._cli.error_exits import terminate_as_interrupt, user_errors
from prefdata._cli.mix_command import mix_cmd
from prefdata._cli.streams import checked_stdout
from prefdata._cli.validate_command import validate_cmd
from prefdata._version import __version__

# `user_errors` is public: other front ends (prefdata-train) report errors the same way
__all__ = ["main", "terminate_as_interrupt", "user_errors"]


EXIT_STATUS_HELP = (
    "Exit status: 0 success; 1 problems found (validate) or interrupted; 2 unusable input, misuse, "
    "or output that could not be written; 141 standard output closed by its reader; 143 stopped "
    "by SIGTERM."
)


class _Commands(click.Group):
    """The command group; every command runs with SIGTERM handled as an interrupt and standard
    output checked (`streams.py`), help and version included."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        with checked_stdout():
            return super().main(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        args = [*ctx._protected_args, *ctx.args]  # click empties both before it parses them
        with terminate_as_interrupt():
            try:
                return super().invoke(ctx)
            except click.NoSuchOption as exc:
                hint = _dashed_path_hint(args)
                if not hint:
                    raise
                raise click.UsageError(f"{exc.format_message()} {hint}", ctx=exc.ctx) from None


def _dashed_path_hint(args: list[str]) -> str:
    """`prefdata detect -data.jsonl` reads the file name as options: say how to pass it."""
    for arg in args:
        if arg == "--":
            break
        if arg.startswith("-") and arg != "-" and os.path.lexists(arg):
            return f"To pass the path {arg!r}, put `--` before it: -- {arg}"
    return ""


@click.group(
    cls=_Commands,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=EXIT_STATUS_HELP,
)
@click.version_option(__version__, prog_name="prefdata")
def main() -> None:
    """Detect, normalise and validate preference data."""


main.add_command(convert_cmd)
main.add_command(detect_cmd)
main.add_command(mix_cmd)
main.add_command(validate_cmd)

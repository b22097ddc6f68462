"""Click options derived from config fields, one per field: the one way `prefdata-train` builds them.

Each field `name` becomes `--name-with-dashes` (booleans `--name/--no-name`), typed and
documented from the field's own help (`trainer/config_fields.py` gives the mapping). The
options come from rows (`CliField`): `fit` reads them from the generated table
`fields_table.py`, so printing its help imports no transformers; any dataclass config can be
turned into rows directly (`cli_rows`), which is also how the table is generated
(`trainer/fields_table_writer.py`).

Only the values a user actually typed are passed on, so a `--config` file's values hold unless
the command line names the same field.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import click
from click.core import ParameterSource

from prefdata_train._trainer.config_fields import CliField, cli_rows

TYPES = {"int": click.INT, "float": click.FLOAT, "str": click.STRING, "list": click.STRING}


class IntOrText(click.ParamType):
    """An integer when the text is one (`8`), else the text itself (`auto`)."""

    name = "int|text"

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        try:
            return int(value)
        except (TypeError, ValueError):
            return value


def _option(row: CliField) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    flag = "--" + row.name.replace("_", "-")
    help_text = row.help or row.name.replace("_", " ")
    if row.kind == "bool":
        decls = [f"{flag}/--no-{flag[2:]}", row.name]
        return click.option(*decls, default=row.default, show_default=row.default is not None, help=help_text)
    if row.kind == "choice":
        kind: Any = click.Choice(row.choices)
    elif row.kind == "int_or_str":
        kind = IntOrText()
    else:
        kind = TYPES[row.kind]
    multiple = row.kind == "list"
    return click.option(
        flag,
        row.name,
        type=kind,
        multiple=multiple,
        default=None if multiple else row.default,
        show_default=not multiple and row.default not in (None, ""),
        help=help_text + (" (repeat for several)" if multiple else ""),
    )


def config_options(
    fields: type | Sequence[CliField], taken: set[str]
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator adding one click option per field (rows, or a dataclass's fields) not in `taken`."""
    rows = cli_rows(fields)[0] if isinstance(fields, type) else fields

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        for row in reversed([row for row in rows if row.name not in taken]):
            command = _option(row)(command)
        return command

    return decorate


def typed_values(ctx: click.Context, values: dict[str, Any]) -> dict[str, Any]:
    """The config values the user gave on the command line (or via environment), defaults left out."""
    given = {}
    for name, value in values.items():
        source = ctx.get_parameter_source(name)
        if source in (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT):
            given[name] = list(value) if isinstance(value, tuple) else value
    return given

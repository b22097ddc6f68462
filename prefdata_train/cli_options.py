"""Click options generated from the `RewardConfig` dataclass, one per field.

Each field `name` becomes `--name-with-dashes` (booleans `--name/--no-name`), typed and
documented from the field (see `config_fields` for the mapping). Only the values a user
actually typed are passed on, so a `--config` file's values hold unless the command line
names the same field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
from click.core import ParameterSource

from prefdata_train.config_fields import NOT_FROM_CLI, FieldSpec, config_fields

TYPES = {"int": click.INT, "float": click.FLOAT, "str": click.STRING, "list": click.STRING}


class IntOrText(click.ParamType):
    """An integer when the text is one (`8`), else the text itself (`auto`)."""

    name = "int|text"

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        try:
            return int(value)
        except (TypeError, ValueError):
            return value


def _option(spec: FieldSpec) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    flag = "--" + spec.name.replace("_", "-")
    help_text = spec.help or spec.name.replace("_", " ")
    if spec.kind == "bool":
        decls = [f"{flag}/--no-{flag[2:]}", spec.name]
        return click.option(
            *decls, default=spec.default, show_default=spec.default is not None, help=help_text
        )
    if spec.kind == "choice":
        kind: Any = click.Choice(spec.choices)
    elif spec.kind == "int_or_str":
        kind = IntOrText()
    else:
        kind = TYPES[spec.kind]
    multiple = spec.kind == "list"
    return click.option(
        flag,
        spec.name,
        type=kind,
        multiple=multiple,
        default=None if multiple else spec.default,
        show_default=not multiple and spec.default not in (None, ""),
        help=help_text + (" (repeat for several)" if multiple else ""),
    )


def cli_fields(config_cls: type, taken: set[str]) -> list[FieldSpec]:
    """Fields of `config_cls` settable on the command line, minus names the command already uses."""
    return [
        spec
        for spec in config_fields(config_cls)
        if spec.kind != "file_only" and spec.name not in NOT_FROM_CLI and spec.name not in taken
    ]


def file_only_fields(config_cls: type) -> list[str]:
    """Fields that only a `--config` file can set (mappings and objects)."""
    return [spec.name for spec in config_fields(config_cls) if spec.kind == "file_only"]


def config_options(config_cls: type, taken: set[str]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator adding one click option per CLI-settable field of `config_cls`."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        for spec in reversed(cli_fields(config_cls, taken)):
            command = _option(spec)(command)
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

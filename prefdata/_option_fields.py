"""Click options derived from config fields: the one way both command lines build them.

Each field is described once (its type, default and help) and becomes one row, `OptionField`,
from either source: a pydantic model's fields (`model_rows`: `prefdata convert`'s
`ConvertOptions`) or a dataclass's fields (`prefdata_train`'s `config_fields`: `RewardConfig`,
kept as a generated table so `prefdata-train fit --help` imports no transformers). One builder,
`field_options`, turns rows into options; `--name-with-dashes` for `name`:

| field type                    | kind        | on the command line           |
| ----------------------------- | ----------- | ----------------------------- |
| `bool` (optional or not)      | `bool`      | `--name/--no-name`            |
| `int`, `float`, `str`         | same        | `--name VALUE`                |
| an Enum or `Literal[...]`     | `choice`    | `--name [a|b|c]`              |
| `int | str`                   | `int_or_str`| `--name 8` or `--name auto`   |
| `list[str]`                   | `list`      | `--name A --name B`           |
| anything holding a dict/class | `file_only` | not an option (`--config`)    |

Light on purpose: click and the standard library only, no pydantic, torch or transformers.
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, TypeVar, Union

import click
from click.core import ParameterSource

if TYPE_CHECKING:
    from pydantic import BaseModel

M = TypeVar("M", bound="BaseModel")
Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]
NoneType = type(None)
TYPES = {"int": click.INT, "float": click.FLOAT, "str": click.STRING, "list": click.STRING}


class OptionField(NamedTuple):
    """One config field as the command line sees it (`kind`: see the module table)."""

    name: str
    kind: str
    default: Any
    help: str
    choices: tuple[str, ...]


def union_members(hint: Any) -> tuple[Any, ...]:
    """The members of a Union (`A | B` or `Optional[A]`), or `(hint,)` for any other type."""
    if typing.get_origin(hint) in (Union, types.UnionType):
        return typing.get_args(hint)
    return (hint,)


def _choices(members: list[Any]) -> tuple[str, ...]:
    values: list[str] = []
    for member in members:
        if isinstance(member, type) and issubclass(member, enum.Enum):
            values += [str(e.value) for e in member]
        elif typing.get_origin(member) is Literal:
            values += [v for v in typing.get_args(member) if isinstance(v, str)]
    return tuple(dict.fromkeys(values))


def _is_bool(member: Any) -> bool:
    if typing.get_origin(member) is Literal:  # `Literal[False]` beside a bool, never `Literal[1, 2]`
        return all(isinstance(value, bool) for value in typing.get_args(member))
    return member is bool


def option_kind(hint: Any) -> tuple[str, tuple[str, ...]]:
    """Classify a field type into a kind (see the module table) and its choices."""
    members = [m for m in union_members(hint) if m is not NoneType]
    origins = [typing.get_origin(m) or m for m in members]
    if any(o is dict for o in origins) or not members:
        return "file_only", ()
    choices = _choices(members)
    if choices:
        return "choice", choices
    if all(_is_bool(m) for m in members):
        return "bool", ()
    plain = set(origins) - {list}
    if plain == {int}:
        return "int", ()
    if plain <= {int, float} and plain:
        return "float", ()
    if plain == {int, str}:
        return "int_or_str", ()
    if str in plain:
        # `str | bool`, `str | list[str]`: the config parses the text form itself.
        return "str", ()
    if origins == [list] and typing.get_args(members[0]) == (str,):
        return "list", ()
    return "file_only", ()


def option_field(name: str, hint: Any, default: Any, help_text: str) -> OptionField:
    """The row of one field, whichever kind of class declares it; an Enum default becomes its value."""
    kind, choices = option_kind(hint)
    default = default.value if isinstance(default, enum.Enum) else default
    return OptionField(name, kind, default, help_text, choices)


def model_rows(model: type[BaseModel]) -> list[OptionField]:
    """One row per field of the pydantic `model`, help from the field's description."""
    rows = []
    for name, field in model.model_fields.items():
        if field.is_required():
            raise TypeError(f"{model.__name__}.{name} has no default; a command-line option needs one")
        default = field.get_default(call_default_factory=True)
        rows.append(option_field(name, field.annotation, default, field.description or ""))
    return rows


class IntOrText(click.ParamType):
    """An integer when the text is one (`8`), else the text itself (`auto`)."""

    name = "int|text"

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        try:
            return int(value)
        except (TypeError, ValueError):
            return value


def _option_spec(row: OptionField) -> tuple[list[str], dict[str, Any]]:
    """Declarations and settings of a row's option: typed by its kind, its help and default shown."""
    flag = "--" + row.name.replace("_", "-")
    help_text = row.help or row.name.replace("_", " ")
    shown = row.default not in (None, "")
    if row.kind == "bool":
        return [f"{flag}/--no-{flag[2:]}", row.name], {
            "default": row.default,
            "show_default": shown,
            "help": help_text,
        }
    if row.kind == "file_only":
        raise TypeError(f"field {row.name} holds a mapping or an object: it cannot be a command-line option")
    if row.kind == "choice":
        kind: Any = click.Choice(row.choices)
    elif row.kind == "int_or_str":
        kind = IntOrText()
    else:
        kind = TYPES[row.kind]
    multiple = row.kind == "list"
    return [flag, row.name], {
        "type": kind,
        "multiple": multiple,
        "default": row.default,
        "show_default": shown and not multiple,
        "help": help_text + (" (repeat for several)" if multiple else ""),
    }


def _chosen(rows: Iterable[OptionField], taken: Iterable[str]) -> list[OptionField]:
    skip = set(taken)
    return [row for row in rows if row.name not in skip]


def field_params(rows: Iterable[OptionField], taken: Iterable[str] = ()) -> list[click.Option]:
    """One click option per row, in the rows' order, except the names in `taken`.

    For a command that adds its options when first used (`prefdata-train fit`); others decorate.
    """
    options = []
    for row in _chosen(rows, taken):
        decls, settings = _option_spec(row)
        options.append(click.Option(decls, **settings))
    return options


def field_options(rows: Iterable[OptionField], taken: Iterable[str] = ()) -> Decorator:
    """Decorator adding one option per row, in the rows' order, except the names in `taken`."""
    specs = [_option_spec(row) for row in _chosen(rows, taken)]  # a field that cannot be one fails here

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        for decls, settings in reversed(specs):
            command = click.option(*decls, **settings)(command)
        return command

    return decorate


def model_options(model: type[BaseModel]) -> Decorator:
    """Decorator adding one `--kebab-name` option per field of the pydantic `model`."""
    return field_options(model_rows(model))


def pick(model: type[M], params: dict[str, Any]) -> M:
    """Build `model` from the click parameters that belong to it."""
    return model(**{k: v for k, v in params.items() if k in model.model_fields})


def typed_values(ctx: click.Context, values: dict[str, Any]) -> dict[str, Any]:
    """The values the user gave on the command line (or via environment), defaults left out.

    Passing only these lets a config file's values hold unless the command line names the field.
    """
    given = {}
    for name, value in values.items():
        source = ctx.get_parameter_source(name)
        if source in (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT):
            given[name] = list(value) if isinstance(value, tuple) else value
    return given

"""What each `RewardConfig` field accepts, read from the dataclass itself.

The CLI options of `prefdata-train fit` (through the generated table
`prefdata_train/_cli/fields_table.py`) and the checks on `--config` files are both derived from
here, so a field added to the config appears in both without being retyped.

| field type                    | kind        | on the command line           |
| ----------------------------- | ----------- | ----------------------------- |
| `bool` (optional or not)      | `bool`      | `--name/--no-name`            |
| `int`, `float`, `str`         | same        | `--name VALUE`                |
| an Enum or `Literal[...]`     | `choice`    | `--name [a|b|c]`              |
| `int | str`                   | `int_or_str`| `--name 8` or `--name auto`   |
| `list[str]`                   | `list`      | `--name A --name B`           |
| anything holding a dict/class | `file_only` | only in `--config`            |
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple, Union

NoneType = type(None)

# Set by the command itself (`--output-dir`, `--resume`) or by a distributed launcher.
NOT_FROM_CLI = frozenset({"output_dir", "resume_from_checkpoint", "local_rank"})


@dataclass(frozen=True)
class FieldSpec:
    """One settable config field: its name, type, default and help, and its CLI kind."""

    name: str
    hint: Any
    kind: str
    default: Any
    help: str
    choices: tuple[str, ...] = ()


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


def cli_kind(hint: Any) -> tuple[str, tuple[str, ...]]:
    """Classify a field type into a CLI kind (see the module table) and its choices."""
    members = [m for m in union_members(hint) if m is not NoneType]
    origins = [typing.get_origin(m) or m for m in members]
    if any(o is dict for o in origins) or not members:
        return "file_only", ()
    choices = _choices(members)
    if choices:
        return "choice", choices
    plain = set(origins) - {list}
    if all(typing.get_origin(m) is Literal or m is bool for m in members):
        return "bool", ()
    if plain == {int}:
        return "int", ()
    if plain <= {int, float} and plain:
        return "float", ()
    if plain == {int, str}:
        return "int_or_str", ()
    if str in plain:
        # `str | bool`, `str | list[str]`: transformers parses the text form itself.
        return "str", ()
    if origins == [list] and typing.get_args(members[0]) == (str,):
        return "list", ()
    return "file_only", ()


def _default(field: dataclasses.Field[Any]) -> Any:
    if field.default is not dataclasses.MISSING:
        return field.default.value if isinstance(field.default, enum.Enum) else field.default
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return None


def config_fields(config_cls: type) -> list[FieldSpec]:
    """Every init field of the dataclass `config_cls`, with its resolved type and help text."""
    hints = typing.get_type_hints(config_cls)
    specs = []
    for field in dataclasses.fields(config_cls):
        if not field.init:
            continue
        hint = hints.get(field.name, Any)
        kind, choices = cli_kind(hint)
        # transformers writes its help for argparse, which prints `%%` as `%`; no one else formats it
        help_text = " ".join(str(field.metadata.get("help", "")).split()).replace("%%", "%")
        specs.append(FieldSpec(field.name, hint, kind, _default(field), help_text, choices))
    return specs


class CliField(NamedTuple):
    """One config field as the command line sees it."""

    name: str
    kind: str  # int, float, str, list, bool, choice, int_or_str (the module table)
    default: Any
    help: str
    choices: tuple[str, ...]


def cli_rows(config_cls: type) -> tuple[tuple[CliField, ...], tuple[str, ...]]:
    """`(settable fields, file-only field names)` of the dataclass `config_cls`."""
    specs = [spec for spec in config_fields(config_cls) if spec.name not in NOT_FROM_CLI]
    rows = tuple(
        CliField(spec.name, spec.kind, spec.default, spec.help, spec.choices)
        for spec in specs
        if spec.kind != "file_only"
    )
    return rows, tuple(spec.name for spec in specs if spec.kind == "file_only")

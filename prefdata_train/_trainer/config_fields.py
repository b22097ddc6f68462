"""What each `RewardConfig` field accepts, read from the dataclass itself.

The CLI options of `prefdata-train fit` (through the generated table
`prefdata_train/_cli/fields_table.py`) and the checks on `--config` files are both derived from
here, so a field added to the config appears in both without being retyped. A field's kind on
the command line is decided by `prefdata._option_fields` (its module table), the same rule
that derives `prefdata convert`'s options from a pydantic model.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass
from typing import Any

from prefdata._option_fields import NoneType, OptionField, option_field, union_members

__all__ = ["NOT_FROM_CLI", "FieldSpec", "NoneType", "cli_rows", "config_fields", "union_members"]

# Set by the command itself (`--output-dir`, `--resume`) or by a distributed launcher.
NOT_FROM_CLI = frozenset({"output_dir", "resume_from_checkpoint", "local_rank"})


@dataclass(frozen=True)
class FieldSpec:
    """One settable config field: its full type (for `--config` checks) and its command-line row."""

    hint: Any
    row: OptionField

    @property
    def name(self) -> str:
        return self.row.name

    @property
    def kind(self) -> str:
        return self.row.kind

    @property
    def default(self) -> Any:
        return self.row.default

    @property
    def help(self) -> str:
        return self.row.help

    @property
    def choices(self) -> tuple[str, ...]:
        return self.row.choices


def _default(field: dataclasses.Field[Any]) -> Any:
    if field.default is not dataclasses.MISSING:
        return field.default
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
        # transformers writes its help for argparse, which prints `%%` as `%`; no one else formats it
        help_text = " ".join(str(field.metadata.get("help", "")).split()).replace("%%", "%")
        specs.append(FieldSpec(hint, option_field(field.name, hint, _default(field), help_text)))
    return specs


def cli_rows(config_cls: type) -> tuple[tuple[OptionField, ...], tuple[str, ...]]:
    """`(settable fields, file-only field names)` of the dataclass `config_cls`."""
    specs = [spec for spec in config_fields(config_cls) if spec.name not in NOT_FROM_CLI]
    rows = tuple(spec.row for spec in specs if spec.kind != "file_only")
    return rows, tuple(spec.name for spec in specs if spec.kind == "file_only")

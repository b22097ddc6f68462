"""One way to derive command-line options from config fields, shared by `prefdata` and `prefdata-train`.

A pydantic field and the equivalent dataclass field give the same row and the same click option;
both `prefdata convert` and `prefdata-train fit` build their options through the one builder.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Literal

import click
import pytest
from click.testing import CliRunner
from pydantic import BaseModel, Field

import prefdata._option_fields as option_fields
from prefdata._option_fields import (
    OptionField,
    field_params,
    model_options,
    model_rows,
    option_kind,
    pick,
)
from prefdata.records.options import ConvertOptions
from prefdata_train._trainer.config_fields import cli_rows


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Model(BaseModel):
    count: int = Field(default=3, description="How many.")
    rate: float | None = Field(default=None, description="A rate.")
    mode: Literal["fast", "slow"] = Field(default="fast", description="Which mode.")
    color: Color = Field(default=Color.RED, description="A color.")
    strict: bool = Field(default=False, description="Be strict.")
    workers: int | str = Field(default="auto", description="Workers or `auto`.")
    tags: list[str] | None = Field(default=None, description="Tags.")
    label: str = Field(default="", description="")


@dataclasses.dataclass
class Config:
    count: int = dataclasses.field(default=3, metadata={"help": "How many."})
    rate: float | None = dataclasses.field(default=None, metadata={"help": "A rate."})
    mode: Literal["fast", "slow"] = dataclasses.field(default="fast", metadata={"help": "Which mode."})
    color: Color = dataclasses.field(default=Color.RED, metadata={"help": "A color."})
    strict: bool = dataclasses.field(default=False, metadata={"help": "Be strict."})
    workers: int | str = dataclasses.field(default="auto", metadata={"help": "Workers or `auto`."})
    tags: list[str] | None = dataclasses.field(default=None, metadata={"help": "Tags."})
    label: str = ""


def _described(option: click.Option) -> tuple:
    """What a user sees of an option and what it parses to."""
    return (
        option.name,
        option.opts,
        option.secondary_opts,
        option.type.name,
        tuple(getattr(option.type, "choices", ())),
        option.multiple,
        option.default,
        option.show_default,
        option.help,
    )


def test_a_pydantic_field_and_the_equivalent_dataclass_field_give_the_same_option():
    rows, file_only = cli_rows(Config)
    assert file_only == ()
    assert model_rows(Model) == list(rows)
    described = [_described(option) for option in field_params(model_rows(Model))]
    assert described == [_described(option) for option in field_params(rows)]
    by_name = {d[0]: d for d in described}
    assert by_name["strict"][1:3] == (["--strict"], ["--no-strict"])
    assert by_name["color"][3:5] == ("choice", ("red", "blue")) and by_name["color"][6] == "red"
    assert by_name["workers"][3] == "int|text" and by_name["count"][3] == "integer"
    assert by_name["tags"][5] is True  # repeatable
    assert by_name["label"][8] == "label"  # no help text: the field name stands in


def test_both_command_lines_build_their_options_through_the_one_builder(monkeypatch):
    built: list[str] = []
    real = option_fields._option_spec

    def spy(row: OptionField):
        built.append(row.name)
        return real(row)

    monkeypatch.setattr(option_fields, "_option_spec", spy)

    @model_options(ConvertOptions)
    def convert_like(**_: object) -> None: ...

    assert built == list(ConvertOptions.model_fields)

    from prefdata_train._cli import main
    from prefdata_train._cli.fields_table import FIELDS
    from prefdata_train._cli.fit_command import fit_cmd

    # `fit` adds its config options on first use: start from a command that has not yet
    config = {row.name for row in FIELDS}
    monkeypatch.setattr(fit_cmd, "params", [p for p in fit_cmd.params if p.name not in config])
    monkeypatch.setattr(fit_cmd, "config_names", frozenset())
    built.clear()
    result = CliRunner().invoke(main, ["fit", "--help"])
    assert result.exit_code == 0, result.output
    assert built == [row.name for row in FIELDS]
    assert "--learning-rate" in result.output and "--model" in result.output


def test_fit_builds_the_rows_of_the_generated_table():
    from prefdata_train._cli.fields_table import FIELDS
    from prefdata_train._cli.fit_command import fit_cmd

    ctx = click.Context(fit_cmd)
    names = {param.name for param in fit_cmd.get_params(ctx)}
    assert {row.name for row in FIELDS} <= names
    assert all(isinstance(row, OptionField) for row in FIELDS)


def test_model_options_parse_back_into_the_model():
    seen: dict = {}

    @click.command()
    @model_options(Model)
    def probe(**params: object) -> None:
        seen["model"] = pick(Model, params)

    args = ["--count", "5", "--mode", "slow", "--color", "blue", "--strict", "--workers", "4", "--tags", "a"]
    result = CliRunner().invoke(probe, args)
    assert result.exit_code == 0, result.output
    model = seen["model"]
    assert (model.count, model.mode, model.color, model.strict, model.workers) == (
        5,
        "slow",
        Color.BLUE,
        True,
        4,
    )
    assert model.tags == ["a"] and model.rate is None


@pytest.mark.parametrize(
    ("hint", "kind"),
    [
        (bool | None, "bool"),
        (bool | Literal[False], "bool"),
        (Literal[1, 2], "file_only"),  # not a flag: a choice of numbers has no command-line form here
        (dict[str, int] | None, "file_only"),
        (str | list[str], "str"),
    ],
)
def test_field_kinds(hint, kind):
    assert option_kind(hint)[0] == kind


def test_a_field_that_cannot_be_an_option_is_refused_when_the_command_is_built():
    class Mapping(BaseModel):
        extra: dict[str, int] = Field(default_factory=dict)

    with pytest.raises(TypeError, match="extra"):
        model_options(Mapping)


def test_a_required_pydantic_field_is_refused_when_the_command_is_built():
    class Required(BaseModel):
        path: str

    with pytest.raises(TypeError, match="Required.path has no default"):
        model_options(Required)

"""Click options generated from pydantic fields, so each option is documented once."""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Any, TypeVar

import click
from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)


def model_options(model: type[BaseModel]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator adding one `--kebab-name` option per field of `model`, help from its description."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        for name, field in reversed(list(model.model_fields.items())):
            func = _option(name, field.annotation, field.default, field.description or "")(func)
        return func

    return decorate


def _option(name: str, annotation: Any, default: Any, help_text: str) -> Callable[..., Any]:
    flag = "--" + name.replace("_", "-")
    args = typing.get_args(annotation)
    if annotation is bool:
        return click.option(
            f"{flag}/--no-{flag[2:]}", name, default=default, show_default=True, help=help_text
        )
    if typing.get_origin(annotation) is typing.Literal:
        return click.option(
            flag,
            name,
            type=click.Choice([str(a) for a in args]),
            default=default,
            show_default=True,
            help=help_text,
        )
    base = next((a for a in args if a is not type(None)), annotation) if args else annotation
    return click.option(
        flag,
        name,
        type=base if base in (int, float, str) else str,
        default=default,
        show_default=default is not None,
        help=help_text,
    )


def pick(model: type[M], params: dict[str, Any]) -> M:
    """Build `model` from the click parameters that belong to it."""
    return model(**{k: v for k, v in params.items() if k in model.model_fields})

"""A click command whose `--help` lists its options under headings instead of one long list."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from prefdata_train._cli.option_groups import HEADINGS, option_group, option_rank


class SectionedCommand(click.Command):
    """`--help` lists config options under their heading (`option_groups`), the command's own first.

    `config_names` are the parameters that are config fields; the others (`--model`, `--help`...)
    go under the first heading, `run`. Headings come in `HEADINGS` order, empty ones left out.
    """

    def __init__(self, *args: Any, config_names: frozenset[str] = frozenset(), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.config_names = config_names

    def _place(self, name: str) -> tuple[str, int]:
        return (option_group(name), option_rank(name)) if name in self.config_names else (HEADINGS[0], 0)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Write the options heading by heading."""
        placed: dict[str, list[tuple[int, tuple[str, str]]]] = {heading: [] for heading in HEADINGS}
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx) if isinstance(param, click.Option) else None
            if record is not None:
                heading, rank = self._place(param.name or "")
                placed.setdefault(heading, []).append((rank, record))
        for heading, records in placed.items():
            if records:
                with formatter.section(f"{heading[0].upper()}{heading[1:]} options"):
                    formatter.write_dl([record for _, record in sorted(records, key=_rank)])


def _rank(item: tuple[int, tuple[str, str]]) -> int:
    return item[0]  # sorted() is stable: options of equal rank keep the config's order


HeadingOf = Callable[[str], str]

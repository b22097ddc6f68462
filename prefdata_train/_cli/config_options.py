"""`prefdata-train`'s config options: `prefdata`'s one option builder, fed a dataclass's fields.

The builder, the row type and `typed_values` live in `prefdata._option_fields` (shared with
`prefdata convert`); this adds only the dataclass source, `cli_rows`, for any config class.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from prefdata._option_fields import Decorator, OptionField, field_options, typed_values
from prefdata_train._trainer.config_fields import cli_rows

__all__ = ["config_options", "typed_values"]


def config_options(fields: type | Sequence[OptionField], taken: Iterable[str]) -> Decorator:
    """Decorator adding one click option per field (rows, or a dataclass's fields) not in `taken`."""
    return field_options(cli_rows(fields)[0] if isinstance(fields, type) else fields, taken)

"""Reading a `--config` YAML (or JSON) file into `RewardConfig` keyword arguments.

The file is a flat mapping of config field names to values, for example::

    learning_rate: 1.0e-5
    max_steps: 200
    model_init_kwargs: {dtype: bfloat16}

Every problem (an unknown key, a value of the wrong type) is collected and raised as one
error, so a user fixes the file in one go.
"""

from __future__ import annotations

import difflib
import enum
import typing
from pathlib import Path
from typing import Any, Literal

from prefdata._errors import PrefdataError
from prefdata._plain_files import load_plain_file
from prefdata_train._trainer.config_fields import FieldSpec, NoneType, config_fields, union_members


class ConfigFileError(PrefdataError):
    """A `--config` file cannot be read or holds keys or values the config does not accept."""


def _matches(value: Any, hint: Any) -> bool:
    """Whether a YAML value fits a field type (a union fits when one member does)."""
    origin = typing.get_origin(hint)
    if hint is Any:
        return True
    if len(union_members(hint)) > 1:
        return any(_matches(value, member) for member in union_members(hint))
    if hint is NoneType:
        return value is None
    if origin is Literal:
        return value in typing.get_args(hint)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return value in {e.value for e in hint}
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if origin in (list, dict):
        args = typing.get_args(hint)
        if not isinstance(value, origin):
            return False
        items = value if origin is list else value.values()
        return not args or all(_matches(item, args[-1]) for item in items)
    return isinstance(hint, type) and isinstance(value, hint)


def _coerce(value: Any, spec: FieldSpec) -> Any:
    """Read YAML 1.1 number spellings it leaves as text (`1e-5`) when the field wants a float."""
    if isinstance(value, str) and spec.kind == "float":
        try:
            return float(value)
        except ValueError:
            return value
    return value


def _type_name(hint: Any) -> str:
    members = [m for m in union_members(hint) if m is not NoneType]
    if len(members) == 1 and typing.get_origin(members[0]) is Literal:
        return "one of " + ", ".join(repr(v) for v in typing.get_args(members[0]))
    if len(members) == 1 and isinstance(members[0], type) and issubclass(members[0], enum.Enum):
        return "one of " + ", ".join(repr(e.value) for e in members[0])
    return str(hint).replace("typing.", "").replace("<class '", "").replace("'>", "")


def check_config_values(raw: dict[str, Any], config_cls: type) -> dict[str, Any]:
    """Return `raw` with values coerced to the field types; raise one error listing every problem."""
    specs = {spec.name: spec for spec in config_fields(config_cls)}
    problems, values = [], {}
    for key, value in raw.items():
        spec = specs.get(str(key))
        if spec is None:
            close = difflib.get_close_matches(str(key), list(specs), n=3)
            hint = f" (did you mean {', '.join(f'`{c}`' for c in close)}?)" if close else ""
            problems.append(f"unknown key `{key}`{hint}")
            continue
        value = _coerce(value, spec)
        if not _matches(value, spec.hint):
            problems.append(f"`{key}` = {value!r} ({type(value).__name__}); expected {_type_name(spec.hint)}")
        values[spec.name] = value
    if problems:
        raise ConfigFileError(
            f"{len(problems)} problem(s) in the config file:\n  " + "\n  ".join(problems),
            fix="use the field names of RewardConfig (`prefdata-train fit --help` lists them)",
        )
    return values


# a config is a page of `field: value` lines: far larger is not a config
MAX_CONFIG_BYTES = 1 << 20
MAX_CONFIG_VALUES = 100_000


def read_config_file(path: str | Path, config_cls: type) -> dict[str, Any]:
    """Load a YAML (or `.json`) config file and return its checked keyword arguments for `config_cls`."""
    path = Path(path)
    # bounded, safe, and a key given twice is an error (the parser would keep the last one)
    raw = load_plain_file(
        path, ConfigFileError, what="config file", max_bytes=MAX_CONFIG_BYTES, max_values=MAX_CONFIG_VALUES
    )
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ConfigFileError(
            f"expected a mapping of config fields, got {type(raw).__name__}",
            where=str(path),
            fix="write one `field: value` per line",
        )
    try:
        return check_config_values(raw, config_cls)
    except ConfigFileError as exc:
        raise ConfigFileError(exc.what, where=str(path), fix=exc.fix) from None


def build_config(
    config_cls: type,
    file_path: str | Path | None,
    overrides: dict[str, Any],
    *,
    defaults: dict[str, Any] | None = None,
) -> Any:
    """Make a `config_cls` from `defaults`, then a config file's values, then `overrides` (the CLI's).

    Errors `config_cls` raises on the combined values (transformers' checks of contradictory
    settings) are turned into a `ConfigFileError` naming the offending setting.
    """
    values = dict(defaults or {})
    values.update(read_config_file(file_path, config_cls) if file_path else {})
    values.update(overrides)
    try:
        return config_cls(**values)
    except PrefdataError:
        raise
    except (ValueError, TypeError, ImportError) as exc:
        raise ConfigFileError(
            f"the training settings do not work together: {exc}",
            where=str(file_path or "command line"),
            fix="change the setting named above",
        ) from None

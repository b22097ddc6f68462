"""Layout specs: the built-in ones (YAML files in `specs/`) and user-written spec files."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from prefdata.errors import SpecError
from prefdata.records.spec import LayoutSpec

SPECS_DIR = Path(__file__).parent / "specs"


@functools.cache
def builtin_specs() -> tuple[LayoutSpec, ...]:
    """Every built-in layout spec, in file-name order."""
    return tuple(load_spec(p) for p in sorted(SPECS_DIR.glob("*.yaml")))


def builtin_spec(name: str) -> LayoutSpec:
    """A built-in spec by name."""
    for spec in builtin_specs():
        if spec.name == name:
            return spec
    names = ", ".join(s.name for s in builtin_specs())
    raise SpecError(f"no built-in layout named {name!r}", fix=f"use one of: {names}")


def load_spec(path: str | Path) -> LayoutSpec:
    """Read a YAML or JSON spec file as plain data and validate it.

    YAML is parsed with the safe loader: tags that would construct objects are refused.
    Every problem is reported at once, each with its location in the file.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"cannot read spec file: {exc}", where=str(path)) from None
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise SpecError(
            f"not valid YAML/JSON: {exc}", where=str(path), fix="spec files are plain data: no tags, no code"
        ) from None
    return spec_from_data(data, where=str(path))


def spec_from_data(data: Any, *, where: str = "spec") -> LayoutSpec:
    """Validate already-parsed spec data."""
    if not isinstance(data, dict):
        raise SpecError(f"a spec is a mapping, got {type(data).__name__}", where=where)
    try:
        return LayoutSpec.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(top)'}: {err['msg']}" for err in exc.errors()
        )
        raise SpecError(
            f"invalid spec: {problems}",
            where=where,
            fix="see schemas/layout-spec.schema.json for the allowed keys",
        ) from None


def spec_to_yaml(spec: LayoutSpec) -> str:
    """A spec as YAML a user can edit and pass back with `--spec`."""
    data = spec.model_dump(mode="json", exclude_defaults=True)
    data["preference"] = spec.preference.model_dump(mode="json", exclude_defaults=True) | {
        "encoding": spec.preference.encoding
    }
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)

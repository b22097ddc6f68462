"""Layout specs: the built-in ones (YAML files in `specs/`) and user-written spec files."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from prefdata._errors import SpecError
from prefdata._plain_files import load_plain_file
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
    More than 1 MB read, YAML whose aliases expand past 100,000 values, and a key given twice
    in one mapping are refused first (`prefdata._plain_files`). Every problem of the spec itself
    is reported at once, each with its location in the file.
    """
    data = load_plain_file(
        path, SpecError, what="spec file", max_bytes=MAX_SPEC_BYTES, max_values=MAX_SPEC_VALUES
    )
    return spec_from_data(data, where=str(path))


def read_data_file(path: str | Path, *, what: str = "spec file") -> Any:
    """The plain data in a YAML or JSON file written like a spec (a mix recipe...), with the spec
    file's limits: bounded read, safe YAML, duplicate keys refused; problems raise `SpecError`."""
    return load_plain_file(path, SpecError, what=what, max_bytes=MAX_SPEC_BYTES, max_values=MAX_SPEC_VALUES)


# A spec is a page of YAML: anything far larger is not a spec. Aliases are counted as
# expanded, since nested aliases in a small file can stand for billions of values.
MAX_SPEC_BYTES = 1 << 20
MAX_SPEC_VALUES = 100_000


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

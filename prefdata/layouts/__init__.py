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
    Files over 1 MB, and YAML whose aliases expand past 100,000 values, are refused first.
    Every problem is reported at once, each with its location in the file.
    """
    path = Path(path)
    try:
        _check_size(path)
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else _plain_yaml(text, path)
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"cannot read spec file: {exc}", where=str(path)) from None
    except RecursionError:
        raise SpecError(
            "spec file is nested too deeply", where=str(path), fix="spec files are plain data"
        ) from None
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise SpecError(
            f"not valid YAML/JSON: {exc}", where=str(path), fix="spec files are plain data: no tags, no code"
        ) from None
    return spec_from_data(data, where=str(path))


# A spec is a page of YAML: anything far larger is not a spec. Aliases are counted as
# expanded, since nested aliases in a small file can stand for billions of values.
MAX_SPEC_BYTES = 1 << 20
MAX_SPEC_VALUES = 100_000


def _check_size(path: Path) -> None:
    size = path.stat().st_size
    if size > MAX_SPEC_BYTES:
        raise SpecError(
            f"spec file is too large ({size:,} bytes; the limit is {MAX_SPEC_BYTES:,})",
            where=str(path),
            fix="a spec describes columns and encodings: it fits in a few kilobytes",
        )


def _plain_yaml(text: str, path: Path) -> Any:
    """Safe-load YAML after sizing its node graph with aliases expanded (nothing is built first).

    The text is parsed once: the composed node graph is sized, then constructed.
    """
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None
        if _expanded(root, {}, set()) > MAX_SPEC_VALUES:
            raise SpecError(
                f"spec file expands to more than {MAX_SPEC_VALUES:,} values through YAML aliases",
                where=str(path),
                fix="write the values out instead of nesting aliases (`*name`)",
            )
        return loader.construct_document(root)
    finally:
        loader.dispose()


def _expanded(node: yaml.Node, sizes: dict[int, int], open_nodes: set[int]) -> int:
    """Values under `node` once every alias is expanded (shared nodes sized once)."""
    if id(node) in sizes:
        return sizes[id(node)]
    if id(node) in open_nodes:
        return MAX_SPEC_VALUES + 1  # an alias inside its own anchor: infinite when expanded
    open_nodes.add(id(node))
    children = node.value if isinstance(node, yaml.SequenceNode) else []
    if isinstance(node, yaml.MappingNode):
        children = [child for pair in node.value for child in pair]
    total = 1
    for child in children:
        total = min(total + _expanded(child, sizes, open_nodes), MAX_SPEC_VALUES + 1)
    open_nodes.discard(id(node))
    sizes[id(node)] = total
    return total


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

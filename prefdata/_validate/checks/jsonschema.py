"""Checking that a `tools` entry is a function schema whose parameters are a JSON schema.

A structural check of the JSON Schema keywords chat templates and APIs rely on (`type`,
`properties`, `required`, `items`, `enum`); it does not need the `jsonschema` package.
"""

from __future__ import annotations

from typing import Any

TYPES = {"object", "array", "string", "number", "integer", "boolean", "null"}


def tools_problem(tools: Any) -> str | None:
    """Why a decoded `tools` value is invalid, or None when it is a list of valid function schemas."""
    if not isinstance(tools, list):
        return f"expected a list of tools, got {type(tools).__name__}"
    for i, entry in enumerate(tools):
        problem = _function_problem(entry)
        if problem:
            return f"tools[{i}]: {problem}"
    return None


def _function_problem(entry: Any) -> str | None:
    if not isinstance(entry, dict):
        return f"expected an object, got {type(entry).__name__}"
    fn = entry.get("function", entry) if entry.get("type", "function") == "function" else None
    if not isinstance(fn, dict):
        return f"unsupported tool type {entry.get('type')!r}"
    if not isinstance(fn.get("name"), str) or not fn["name"]:
        return "function has no `name`"
    if "parameters" in fn:
        return schema_problem(fn["parameters"], "parameters")
    return None


def schema_problem(schema: Any, where: str) -> str | None:
    """Why `schema` is not a JSON schema (the keywords that matter), or None."""
    if not isinstance(schema, dict):
        return f"{where} is {type(schema).__name__}, not a schema object"
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind] if kind is not None else []
    if any(k not in TYPES for k in kinds):
        return f"{where}.type {kind!r} is not a JSON schema type"
    props = schema.get("properties", {})
    if not isinstance(props, dict):
        return f"{where}.properties is not an object"
    for name, sub in props.items():
        problem = schema_problem(sub, f"{where}.properties.{name}")
        if problem:
            return problem
    return _required_problem(schema, props, where) or _items_problem(schema, where)


def _required_problem(schema: dict[str, Any], props: dict[str, Any], where: str) -> str | None:
    required = schema.get("required", [])
    if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
        return f"{where}.required is not a list of names"
    missing = [r for r in required if props and r not in props]
    return f"{where}.required names {missing} missing from properties" if missing else None


def _items_problem(schema: dict[str, Any], where: str) -> str | None:
    if "enum" in schema and not isinstance(schema["enum"], list):
        return f"{where}.enum is not a list"
    items = schema.get("items")
    if items is None or isinstance(items, bool):
        return None
    return schema_problem(items, f"{where}.items")

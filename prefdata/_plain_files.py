"""Small plain-data files that people write (layout specs, training configs), read safely; and
small text files written whole (`write_text_atomic`).

One loader for YAML and JSON (`.json` files are JSON, anything else YAML):

- at most `max_bytes` are read, counted as they are read (`/dev/zero` or an endless pipe is
  refused after `max_bytes + 1`; a spec passed as `<(...)` of normal size works);
- YAML is safe-loaded: tags that would construct objects are refused, and the node graph is
  sized with aliases expanded before anything is built (nested aliases in a small file can
  stand for billions of values);
- a key given twice in one mapping, at any depth, is refused with its line: the parsers keep
  the last one silently, and a second `responses: {columns: [bad, good]}` would flip every pair.

Every problem is raised as the caller's error class (a `PrefdataError`) naming the file and line.
"""

from __future__ import annotations

import json
import json.decoder
import json.scanner
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

from prefdata._errors import OutputError, PrefdataError

_READ_CHUNK = 1 << 16
# The pure-Python JSON scanner and its helpers (not in typeshed): unlike the C scanner, it calls
# the decoder's `parse_object`, which sees each object's keys and where the object starts.
_py_make_scanner: Any = json.scanner.py_make_scanner  # type: ignore[attr-defined]
_json_object: Any = json.decoder.JSONObject  # type: ignore[attr-defined]
_whitespace: Any = json.decoder.WHITESPACE  # type: ignore[attr-defined]
_scanstring: Any = json.decoder.scanstring  # type: ignore[attr-defined]


def load_plain_file(
    path: str | Path, error: type[PrefdataError], *, what: str, max_bytes: int, max_values: int
) -> Any:
    """The data in a YAML or JSON file, read within the limits above; raises `error`."""
    path = Path(path)
    where = str(path)
    try:
        text = read_limited(path, max_bytes, error, what).decode("utf-8")
        if path.suffix == ".json":
            return _json_without_duplicates(text, where, error)
        return _plain_yaml(text, where, error, max_values)
    except FileNotFoundError:
        raise error(f"{what} not found", where=where) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"cannot read {what}: {exc}", where=where) from None
    except RecursionError:
        raise error(f"{what} is nested too deeply", where=where, fix=f"a {what} is plain data") from None
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise error(
            f"not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {exc}",
            where=where,
            fix=f"a {what} is plain data: no tags, no code",
        ) from None


def read_limited(path: Path, max_bytes: int, error: type[PrefdataError], what: str) -> bytes:
    """The file's bytes; refused once more than `max_bytes` have been read (the size on disk is not trusted)."""
    chunks: list[bytes] = []
    total = 0
    with path.open("rb") as handle:
        while total <= max_bytes:
            chunk = handle.read(min(_READ_CHUNK, max_bytes + 1 - total))
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            total += len(chunk)
    raise error(
        f"{what} is too large (more than {max_bytes:,} bytes)",
        where=str(path),
        fix=f"a {what} fits in a few kilobytes; pass a regular file",
    )


def _plain_yaml(text: str, where: str, error: type[PrefdataError], max_values: int) -> Any:
    """Safe-load YAML after sizing its node graph and looking for repeated keys (nothing is built first)."""
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None
        if _expanded(root, {}, set(), max_values) > max_values:
            raise error(
                f"file expands to more than {max_values:,} values through YAML aliases",
                where=where,
                fix="write the values out instead of nesting aliases (`*name`)",
            )
        _refuse_duplicates(loader, root, where, error, set())
        return loader.construct_document(root)
    finally:
        loader.dispose()


def _expanded(node: yaml.Node, sizes: dict[int, int], open_nodes: set[int], limit: int) -> int:
    """Values under `node` once every alias is expanded (shared nodes sized once)."""
    if id(node) in sizes:
        return sizes[id(node)]
    if id(node) in open_nodes:
        return limit + 1  # an alias inside its own anchor: infinite when expanded
    open_nodes.add(id(node))
    total = 1
    for child in _children(node):
        total = min(total + _expanded(child, sizes, open_nodes, limit), limit + 1)
    open_nodes.discard(id(node))
    sizes[id(node)] = total
    return total


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [child for pair in node.value for child in pair]
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def _refuse_duplicates(
    loader: yaml.SafeLoader, node: yaml.Node, where: str, error: type[PrefdataError], seen: set[int]
) -> None:
    """Raise on a mapping that gives a key twice (keys compared as built: `1` and `0x1` are one key)."""
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        keys: set[Any] = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue  # a complex key: the constructor refuses it (unhashable)
            key = loader.construct_object(key_node)
            if key in keys:
                raise _duplicate(error, key, where, key_node.start_mark.line + 1)
            keys.add(key)
    for child in _children(node):
        _refuse_duplicates(loader, child, where, error, seen)


def _duplicate(error: type[PrefdataError], key: Any, where: str, line: int) -> PrefdataError:
    return error(
        f"key `{key}` is given a second time in the same mapping; only one can hold",
        where=f"{where}, line {line}",
        fix="remove one of them: a parser would silently keep the last",
    )


def _json_without_duplicates(text: str, where: str, error: type[PrefdataError]) -> Any:
    """`json.loads`, refusing an object that gives a key twice (with the line of the second)."""
    decoder = json.JSONDecoder()

    def parse_object(
        s_and_end: tuple[str, int], strict: bool, scan_once: Any, hook: Any, pairs_hook: Any, memo: Any
    ) -> tuple[dict[str, Any], int]:
        text_, start = s_and_end
        pairs, end = _json_object(s_and_end, strict, scan_once, None, list, memo)
        keys = [key for key, _ in pairs]
        if len(set(keys)) != len(keys):
            twice = next(k for i, k in enumerate(keys) if k in keys[:i])
            raise _duplicate(error, twice, where, _line_of_second(text_, start, twice))
        return dict(pairs), end

    setattr(decoder, "parse_object", parse_object)  # noqa: B010 (an attribute typeshed does not list)
    setattr(decoder, "scan_once", _py_make_scanner(decoder))  # noqa: B010
    return decoder.decode(text)


def _line_of_second(text: str, start: int, key: str) -> int:
    """The line where `key` appears a second time among the keys of the object whose body starts at `start`."""
    ws = _whitespace
    scan = _py_make_scanner(json.JSONDecoder())
    pos, seen = ws.match(text, start).end(), 0
    while pos < len(text) and text[pos] == '"':
        name, end = _scanstring(text, pos + 1)
        if name == key:
            seen += 1
            if seen == 2:
                return text.count("\n", 0, pos) + 1
        end = ws.match(text, end).end() + 1  # past the colon
        _, end = scan(text, ws.match(text, end).end())
        pos = ws.match(text, end).end()
        pos = ws.match(text, pos + 1).end() if pos < len(text) and text[pos] == "," else len(text)
    return text.count("\n", 0, start) + 1


def starts_with(path: Path, head: bytes) -> bool:
    """Whether the file at `path` begins with `head` (an output's own signature: a tool replaces only
    a file it wrote); False for a file that cannot be read."""
    try:
        with path.open("rb") as handle:
            return handle.read(len(head)) == head
    except OSError:
        return False


def write_text_atomic(path: Path, text: str, what: str) -> Path:
    """`write_bytes_atomic` of `text` in UTF-8."""
    return write_bytes_atomic(path, text.encode("utf-8"), what)


def write_bytes_atomic(path: Path, data: bytes, what: str) -> Path:
    """Replace `path` with `data` through a temporary file in the same folder (the `what` names it in
    errors): readers see the old file or the new one, never half of one, and a failed write leaves
    no temporary file."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".tmp", dir=path.parent)
    except OSError as error:
        raise OutputError(f"cannot write the {what}: {error.strerror}", where=str(path)) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide the file from other readers
        os.replace(tmp, path)
    except BaseException as error:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise OutputError(f"cannot write the {what}: {error.strerror}", where=str(path)) from None
        raise
    return path

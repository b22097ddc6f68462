"""Arena-shaped sources with every trap, and a side-by-side run of the batch lane and the row path."""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import strategies as st

import prefdata
from prefdata._engine import work

# Turn texts a JSON encoder has to escape, and texts it does not.
TURN_TEXTS = [
    "What is the capital of Peru?",
    "Lima.",
    'He said "hi" and left',
    "C:\\temp\\new",
    "line one\nline two\ttabbed",
    "Größe? Ça va — 東京",
    "emoji 🌍 and 😀",
    "a/b",
    "",
    " ",
    "\u3000",  # ideographic space: blank for str.isspace
    "\x1c",  # a separator that str.isspace counts as space
    "\u200b",  # zero-width space: not blank for str.isspace
    " leading space",
    "x" * 300,
    "\x7f",
    "null",
    '"]',
    "],[",
]
# JSON texts that are not a list of strings, or not valid JSON, or try to break out of their row.
RAW_VALUES = [
    "null",
    "[]",
    "[ ]",
    '"just text"',
    "[1, 2]",
    '[["nested"]]',
    '["a",]',
    '["a"] x',
    '["a"]} {"v": ["b"]',
    '["a"],"v":["b"]',
    '{"v": ["a"]}',
    '["\\ud800"]',
    '["raw\ttab"]',
    '  ["padded"]  ',
    '["spaced" , "out"]',
    '[\n  "pretty",\n  "printed"\n]',
    '["unterminated',
    "",
    "[null]",
    '["a", null]',
    '["a""b"]',
    '\ufeff["bom"]',
    '["\\u00e9t\\u00e9"]',
    '["ok"]\n',
]

texts = st.sampled_from(TURN_TEXTS + TURN_TEXTS[:8] * 4)


@st.composite
def turn_list(draw: st.DrawFn, turns: int) -> str | None:
    """A JSON turn list as a source would hold it (any encoder settings), or a trap."""
    roll = draw(st.integers(0, 19))
    if roll == 0:
        return None
    if roll == 1:
        return draw(st.sampled_from(RAW_VALUES))
    n = turns if roll > 3 else draw(st.integers(0, turns + 1))
    values = draw(st.lists(st.one_of(texts, texts, texts, st.none()), min_size=n, max_size=n))
    if roll > 5:
        values = [v if v is not None else "ok" for v in values]
    separators = draw(st.sampled_from([(", ", ": "), (",", ":")]))
    return json.dumps(values, ensure_ascii=draw(st.booleans()), separators=separators)


FLAG_VALUES = {
    "int": st.sampled_from([0, 1, 0, 1, 2, None]),
    "float": st.sampled_from([0.0, 1.0, 0.0, 1.0, 0.5, None, float("nan")]),
    "string": st.sampled_from(["0", "1", "true", "False", "yes", None]),
    "bool": st.sampled_from([True, False, None]),
}
FLAG_TYPES = {"int": pa.int64(), "float": pa.float64(), "string": pa.string(), "bool": pa.bool_()}


@st.composite
def arena_rows(draw: st.DrawFn, max_rows: int = 40) -> tuple[list[dict[str, Any]], str]:
    """Rows of one arena-shaped table and the Arrow type of its flag columns."""
    kind = draw(st.sampled_from(["int", "int", "int", "float", "string", "bool"]))
    rows = []
    for _ in range(draw(st.integers(1, max_rows))):
        turns = draw(st.sampled_from([1, 1, 1, 2, 3]))
        same_reply = draw(st.integers(0, 9)) == 0
        a = draw(turn_list(turns))
        winner = draw(st.sampled_from([(1, 0, 0), (0, 1, 0), (0, 0, 1), (1, 0, 0), (0, 1, 0)]))
        if draw(st.integers(0, 7)) == 0:
            winner = tuple(draw(FLAG_VALUES[kind]) for _ in range(3))
        elif kind != "int":
            winner = tuple(_as_flag(w, kind) for w in winner)
        rows.append(
            {
                "model_a": "gpt-4",
                "model_b": "llama",
                "prompt": draw(turn_list(turns)),
                "response_a": a,
                "response_b": a if same_reply else draw(turn_list(turns)),
                "winner_model_a": winner[0],
                "winner_model_b": winner[1],
                "winner_tie": winner[2],
            }
        )
    return rows, kind


def _as_flag(value: int, kind: str) -> Any:
    return {"float": float(value), "string": str(value), "bool": bool(value)}.get(kind, value)


options = st.builds(
    prefdata.ConvertOptions,
    ties=st.sampled_from(["drop", "drop", "keep", "error"]),
    prompt=st.sampled_from(["explicit", "explicit", "implicit"]),
    margin=st.booleans(),
    format=st.sampled_from(["auto", "auto", "conversational"]),
    empty=st.sampled_from(["drop", "drop", "keep", "error"]),
    identical=st.sampled_from(["drop", "drop", "keep", "error"]),
)


def write_parquet(rows: list[dict[str, Any]], kind: str, path: Path, row_group_size: int = 7) -> Path:
    """The rows as parquet, JSON columns as text, flags of one type; small row groups."""
    flags = ("winner_model_a", "winner_model_b", "winner_tie")
    table = pa.table(
        {
            name: pa.array([r[name] for r in rows], FLAG_TYPES[kind] if name in flags else pa.string())
            for name in rows[0]
        }
    )
    pq.write_table(table, path, row_group_size=row_group_size)
    return path


@contextmanager
def lane(enabled: bool, workers: int = 0, flush_rows: int = 8):
    """Tables of `flush_rows` input rows; yields the arguments that convert with the batch lane on or
    off, on `workers` threads."""
    with mock.patch.object(work, "FLUSH_ROWS", flush_rows):
        yield {"batch": enabled, "workers": workers}


def convert_both(source: Path, out: Path, opts: prefdata.ConvertOptions, workers: int) -> tuple[Any, Any]:
    """(row path, batch lane) outcomes: the output files, or the error each raised."""
    outcomes = []
    for enabled in (False, True):
        target = out / ("lane" if enabled else "rows")
        with lane(enabled, workers) as how:
            try:
                prefdata.convert(source, target, spec="arena-human-preference", options=opts, **how)
            except prefdata.PrefdataError as exc:
                outcomes.append((type(exc).__name__, str(exc)))
                continue
        outcomes.append(files(target))
    return outcomes[0], outcomes[1]


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


__all__ = ["arena_rows", "convert_both", "files", "lane", "options", "write_parquet"]

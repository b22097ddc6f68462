"""Builders of malformed inputs for the hardening corpus.

A builder takes the test's `tmp_path` and returns the CLI arguments that come before the
output folder: the source path, then any options (`--spec ...`). Small text inputs are
committed under `corpus/`; large or binary ones are generated here, at test time.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

CORPUS = Path(__file__).parent / "corpus"
SPECS = CORPUS / "specs"

Builder = Callable[[Path], list[str]]

STANDARD = {"prompt": "Say hi", "chosen": "hello", "rejected": "go away"}


def corpus(name: str, *options: str) -> Builder:
    """A committed corpus file, converted with `options`."""
    return lambda tmp_path: [str(CORPUS / name), *options]


def with_spec(data: str, spec: str) -> Builder:
    """A committed data file converted with a committed spec file from `corpus/specs`."""
    return lambda tmp_path: [str(CORPUS / data), "--spec", str(SPECS / spec)]


def _jsonl_lines(rows: list[dict]) -> bytes:
    return b"".join(json.dumps(row).encode() + b"\n" for row in rows)


def _standard_rows(n: int) -> list[dict]:
    return [{**STANDARD, "chosen": f"hello {i}"} for i in range(n)]


def truncated_gzip(tmp_path: Path) -> list[str]:
    """A jsonl.gz cut in the middle of its compressed stream (a download that stopped)."""
    data = gzip.compress(_jsonl_lines(_standard_rows(20000)))
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    return [str(path)]


def invalid_line_in_large_file(tmp_path: Path) -> list[str]:
    """20,000 rows, line 15,001 broken: the error comes after output batches were flushed."""
    lines = _jsonl_lines(_standard_rows(20000)).splitlines(keepends=True)
    lines[15000] = b'{"prompt": "hi", "chosen": "a", "rejected": \n'
    path = tmp_path / "large.jsonl"
    path.write_bytes(b"".join(lines))
    return [str(path)]


def _raw_line(tmp_path: Path, name: str, line: bytes) -> list[str]:
    path = tmp_path / name
    path.write_bytes(json.dumps(STANDARD).encode() + b"\n" + line + b"\n")
    return [str(path)]


def non_utf8_jsonl(tmp_path: Path) -> list[str]:
    """Line 2 holds Latin-1 bytes."""
    return _raw_line(tmp_path, "latin1.jsonl", b'{"prompt": "caf\xe9", "chosen": "a", "rejected": "b"}')


def raw_nul_jsonl(tmp_path: Path) -> list[str]:
    """Line 2 holds a raw NUL byte inside a string (JSON forbids control characters there)."""
    return _raw_line(tmp_path, "nul.jsonl", b'{"prompt": "a\x00b", "chosen": "a", "rejected": "b"}')


def too_deep_jsonl(tmp_path: Path) -> list[str]:
    """Line 2 nests 100,000 lists: beyond any parser's depth limit, must not crash the process."""
    return _raw_line(tmp_path, "deep.jsonl", b'{"prompt": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")


def non_utf8_csv(tmp_path: Path) -> list[str]:
    """Row 2 of a CSV holds Latin-1 bytes."""
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"prompt,chosen,rejected\nhi,a,b\ncaf\xe9,a,b\n")
    return [str(path)]


def nul_csv(tmp_path: Path) -> list[str]:
    """A CSV value holding a raw NUL byte (kept: it is valid UTF-8)."""
    path = tmp_path / "nul.csv"
    path.write_bytes(b"prompt,chosen,rejected\nhi,a\x00b,c\n")
    return [str(path)]


def huge_row(tmp_path: Path) -> list[str]:
    """One 50 MB row: it converts, whole."""
    path = tmp_path / "huge.jsonl"
    path.write_bytes(_jsonl_lines([STANDARD, {**STANDARD, "chosen": "x" * (50 << 20)}]))
    return [str(path)]


def csv_huge_row(tmp_path: Path) -> list[str]:
    """A CSV row of 5 MB, larger than pyarrow's default 1 MB read block."""
    path = tmp_path / "huge.csv"
    path.write_text("prompt,chosen,rejected\nhi,a,b\nhi," + "x" * (5 << 20) + ",b\n")
    return [str(path)]


def _shards(tmp_path: Path, *tables: pa.Table) -> list[str]:
    folder = tmp_path / "shards"
    folder.mkdir()
    for i, table in enumerate(tables):
        pq.write_table(table, folder / f"train-{i:05d}-of-{len(tables):05d}.parquet")
    return [str(folder)]


def shards_prompt_types_differ(tmp_path: Path) -> list[str]:
    """Shard 0 has text prompts, shard 1 integer prompts: shard 1's rows are rejected by global row."""
    good = pa.table({"prompt": ["a", "b"], "chosen": ["c", "d"], "rejected": ["e", "f"]})
    bad = pa.table({"prompt": [1, 2], "chosen": ["c", "d"], "rejected": ["e", "f"]})
    return _shards(tmp_path, good, bad)


def shards_chosen_types_differ(tmp_path: Path) -> list[str]:
    """Shard 0 has text answers, shard 1 message lists (another layout): its rows are rejected."""
    good = pa.table({"prompt": ["a"], "chosen": ["c"], "rejected": ["e"]})
    msgs = [[{"role": "assistant", "content": "c"}]]
    bad = pa.table({"prompt": ["a"], "chosen": msgs, "rejected": msgs})
    return [*_shards(tmp_path, good, bad), "--spec", "trl-standard"]


def shards_prompt_column_missing(tmp_path: Path) -> list[str]:
    """Shard 1 lacks the `prompt` column of an explicit-prompt dataset."""
    good = pa.table({"prompt": ["a", "b"], "chosen": ["c", "d"], "rejected": ["e", "f"]})
    bad = pa.table({"chosen": ["c"], "rejected": ["e"]})
    return _shards(tmp_path, good, bad)


def parquet_margins_not_finite(tmp_path: Path) -> list[str]:
    """Margins NaN, +inf and -inf: the rows are kept with a null margin."""
    path = tmp_path / "margins.parquet"
    n = 4
    table = pa.table(
        {
            "prompt": ["hi"] * n,
            "chosen": [f"a{i}" for i in range(n)],
            "rejected": ["b"] * n,
            "margin": [1.5, float("nan"), float("inf"), float("-inf")],
        }
    )
    pq.write_table(table, path)
    return [str(path)]


def parquet_scores_not_finite(tmp_path: Path) -> list[str]:
    """ultrafeedback-binarized scores NaN or infinite, with --margin: margins null, never NaN."""
    msgs = lambda text: [{"role": "user", "content": "hi"}, {"role": "assistant", "content": text}]  # noqa: E731
    n = 4
    table = pa.table(
        {
            "prompt": ["hi"] * n,
            "chosen": [msgs(f"a{i}") for i in range(n)],
            "rejected": [msgs("b")] * n,
            "score_chosen": [8.0, float("nan"), float("inf"), float("inf")],
            "score_rejected": [3.0, 3.0, 3.0, float("inf")],
        }
    )
    path = tmp_path / "scores.parquet"
    pq.write_table(table, path)
    return [str(path), "--margin"]


def truncated_parquet(tmp_path: Path) -> list[str]:
    path = tmp_path / "cut.parquet"
    pq.write_table(pa.table({k: [v] * 100 for k, v in STANDARD.items()}), path)
    path.write_bytes(path.read_bytes()[:-100])
    return [str(path)]


def parquet_no_rows(tmp_path: Path) -> list[str]:
    """A Parquet file with a schema and no rows: the Parquet 'header only'."""
    path = tmp_path / "empty.parquet"
    pq.write_table(pa.table({k: pa.array([], pa.string()) for k in STANDARD}), path)
    return [str(path)]


def saved_split_escapes(tmp_path: Path) -> list[str]:
    """A save_to_disk folder whose dataset_dict.json names a split outside the folder."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "state.json").write_text(json.dumps({"_data_files": [{"filename": "x.arrow"}]}))
    folder = tmp_path / "saved"
    folder.mkdir()
    (folder / "dataset_dict.json").write_text(json.dumps({"splits": ["../outside"]}))
    return [str(folder)]


def saved_file_escapes(tmp_path: Path) -> list[str]:
    """A save_to_disk folder whose state.json lists a data file outside the folder."""
    stolen = tmp_path / "secret.arrow"
    table = pa.table({k: [v] for k, v in STANDARD.items()})
    with pa.OSFile(str(stolen), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    folder = tmp_path / "saved"
    folder.mkdir()
    (folder / "state.json").write_text(json.dumps({"_data_files": [{"filename": "../secret.arrow"}]}))
    (folder / "dataset_info.json").write_text("{}")
    return [str(folder)]


def python_tag_spec(tmp_path: Path) -> list[str]:
    """A spec whose YAML tag would run `touch MARKER` if it were constructed."""
    spec = tmp_path / "evil.yaml"
    marker = tmp_path / "MARKER"
    spec.write_text((SPECS / "python_tag.yaml").read_text().replace("MARKER_PATH", str(marker)))
    return [str(CORPUS / "embedded_newlines_quotes.csv"), "--spec", str(spec)]


def oversized_spec(tmp_path: Path) -> list[str]:
    """A 3 MB spec file (a long comment): refused by size before parsing."""
    spec = tmp_path / "big.yaml"
    spec.write_text((SPECS / "json_messages.yaml").read_text() + "#" + "x" * (3 << 20) + "\n")
    return [str(CORPUS / "json_messages_not_json.jsonl"), "--spec", str(spec)]


def deep_spec(tmp_path: Path) -> list[str]:
    """A YAML spec nested 50,000 levels deep: refused, not a crash of the parser's recursion."""
    spec = tmp_path / "deep.yaml"
    spec.write_text("name: " + "[" * 50_000 + "]" * 50_000 + "\n")
    return [str(CORPUS / "margin_na.jsonl"), "--spec", str(spec)]

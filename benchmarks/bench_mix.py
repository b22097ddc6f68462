"""Benchmark `prefdata mix`: three sources into 1,000,000 pairs, decontaminated against 5,000 prompts.

Usage::

    python benchmarks/bench_mix.py [--pairs 100000 1000000] [--out bench-out/]

For each size it generates three TRL-conversational parquet sources (50%, 30% and 20% of the
pairs; seeded pseudo-text as in `bench_convert.py`), where 1% of the second and third sources'
pairs repeat pairs of the first, and an evaluation file of 5,000 prompts drawn from another
text pool, 100 of them copied from the first source's prompts. It runs `prefdata mix` as a whole
process (wall time and peak RSS, measured as `bench_convert.py` measures them), checks that
exactly the planted duplicates and contaminated prompts were dropped, and prints a table
(also written to `OUT/mix.json`). Peak memory should stay nearly flat as the pairs grow.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_convert import _text_pool, _turn_texts, environment, measure  # noqa: E402

SHARES = (0.5, 0.3, 0.2)
DUPLICATE_SHARE = 0.01
EVAL_PROMPTS = 5000
PLANTED = 100
CHUNK = 50_000


def _messages(role: str, texts: list[str]) -> list[list[dict[str, str]]]:
    return [[{"role": role, "content": t}] for t in texts]


def _source(
    rng: np.random.Generator, pool: str, rows: int, path: Path, repeats: pa.Table | None, planted: list[str]
) -> None:
    """A parquet source; its first rows are `repeats` (duplicates), its last prompts `planted`."""
    writer = None
    for start in range(0, rows, CHUNK):
        n = min(CHUNK, rows - start)
        prompts = _turn_texts(rng, pool, n, 250)
        if start + n == rows and planted:
            prompts[-len(planted) :] = planted
        table = pa.table(
            {
                "prompt": _messages("user", prompts),
                "chosen": _messages("assistant", _turn_texts(rng, pool, n, 900)),
                "rejected": _messages("assistant", _turn_texts(rng, pool, n, 900)),
            }
        )
        if repeats is not None and start == 0:
            table = pa.concat_tables([repeats.cast(table.schema), table.slice(len(repeats))])
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    assert writer is not None
    writer.close()


def generate(pairs: int, work: Path) -> dict[str, Any]:
    """Three sources, an evaluation file and a recipe under `work`; what the mix must drop."""
    rng = np.random.default_rng(13)
    pool = _text_pool(rng)
    # evaluation prompts come from another pool: only the planted ones share n-grams with training
    eval_prompts = _turn_texts(rng, _text_pool(np.random.default_rng(31)), EVAL_PROMPTS, 250)
    sizes = [int(pairs * share) for share in SHARES]
    first = work / "first.parquet"
    _source(rng, pool, sizes[0], first, None, eval_prompts[:PLANTED])
    head = pq.ParquetFile(first).read_row_group(0)
    dupes = int(DUPLICATE_SHARE * min(sizes[1:]))
    for name, size, offset in (("second", sizes[1], 0), ("third", sizes[2], dupes)):
        _source(rng, pool, size, work / f"{name}.parquet", head.slice(offset, dupes), [])
    (work / "eval.jsonl").write_text("".join(json.dumps({"prompt": p}) + "\n" for p in eval_prompts))
    for kind, suffix in (("raw", ".parquet"), ("converted", "-converted")):
        recipe = {
            "seed": 0,
            "sources": [{"name": name, "path": f"{name}{suffix}"} for name in ("first", "second", "third")],
            "dedup": "pairs",
            "decontaminate": {"against": ["eval.jsonl"], "ngram": 13},
        }
        (work / f"recipe-{kind}.yaml").write_text(yaml.safe_dump(recipe))
    return {"pairs": sum(sizes), "duplicates": 2 * dupes, "contaminated": PLANTED}


def run(pairs: int, out: Path) -> dict[str, Any]:
    """Mix converted folders (the mix alone) and the raw parquet files (conversion included)."""
    work = out / f"mix-{pairs}"
    work.mkdir(parents=True, exist_ok=True)
    expected = generate(pairs, work)
    for name in ("first", "second", "third"):
        convert = [sys.executable, "-m", "prefdata", "convert", str(work / f"{name}.parquet")]
        subprocess.run(
            [*convert, str(work / f"{name}-converted"), "--overwrite"], check=True, capture_output=True
        )
    result: dict[str, Any] = dict(expected)
    for kind in ("converted", "raw"):
        mixed = work / f"mixed-{kind}"
        command = [
            sys.executable,
            "-m",
            "prefdata",
            "mix",
            str(work / f"recipe-{kind}.yaml"),
            str(mixed),
            "--overwrite",
        ]
        timing = measure(command, work / f"prefdata-{kind}")
        manifest = json.loads((mixed / "prefdata.json").read_text())
        dropped = manifest["splits"]["train"]["dropped"]
        found = {"duplicates": dropped.get("duplicate", 0), "contaminated": dropped.get("contaminated", 0)}
        assert found == {k: expected[k] for k in found}, (kind, found, expected)
        result[kind] = {**timing, "pairs_out": manifest["splits"]["train"]["rows_out"]}
    data = [
        (work / f"mixed-{kind}" / "train" / "data-00000-of-00001.arrow").read_bytes()
        for kind in ("raw", "converted")
    ]
    assert data[0] == data[1], "mixing converted folders must give the same data as mixing the raw files"
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    args = parser.parse_args(argv)
    results = [run(pairs, args.out) for pairs in args.pairs]
    print(
        f"{'pairs':>10} {'dup':>6} {'contam':>7} {'mix s':>7} {'mix RSS MB':>11} {'with convert s':>15} {'RSS MB':>7}"
    )
    for r in results:
        c, w = r["converted"], r["raw"]
        print(
            f"{r['pairs']:>10,} {r['duplicates']:>6,} {r['contaminated']:>7,} {c['wall_s']:>7.1f} "
            f"{c['peak_rss_mb']:>11.0f} {w['wall_s']:>15.1f} {w['peak_rss_mb']:>7.0f}"
        )
    if len(results) > 1:
        first, last = results[0]["converted"], results[-1]["converted"]
        print(
            f"mix peak RSS at {results[-1]['pairs']:,} / at {results[0]['pairs']:,}: "
            f"{last['peak_rss_mb'] / first['peak_rss_mb']:.2f}x"
        )
    (args.out / "mix.json").write_text(
        json.dumps({"results": results, "environment": environment()}, indent=2)
    )


if __name__ == "__main__":
    main()

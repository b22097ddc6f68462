"""Benchmark `prefdata convert` against the TRL documentation's recipe, as whole processes.

Usage::

    python benchmarks/bench_convert.py [--rows 55000 550000] [--out bench-out/] [--repeat 1]

For each size it generates an arena-human-preference-55k-shaped parquet file (seeded, so the
same bytes every run), then runs both sides as fresh subprocesses, one after the other:

- ``prefdata convert SOURCE OUT_DIR`` (layout detected, default options: ties dropped, every
  turn kept);
- ``benchmarks/trl_recipe.py`` (the documented ``load_dataset`` + ``filter`` + two ``map`` +
  ``select_columns`` + ``save_to_disk`` recipe, which keeps only the first turn).

Each run gets a new, empty ``HF_DATASETS_CACHE`` and ``HF_HUB_OFFLINE=1``, so neither side is
served from a cache. Wall time covers the whole process (interpreter start, imports, work,
exit); peak RSS comes from ``getrusage(RUSAGE_CHILDREN)`` in a small wrapper process that
starts only the measured command, so it is that command's own high-water mark. The table is
printed and written to ``OUT/convert.json`` (``convert-escapes.json`` with ``--escapes``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parent.parent
RECIPE = Path(__file__).resolve().parent / "trl_recipe.py"
SEED = 55
CHUNK_ROWS = 50_000  # rows generated and written per parquet row group
MODELS = [
    "gpt-4-1106-preview",
    "gpt-4-0613",
    "gpt-3.5-turbo-0613",
    "claude-2.1",
    "claude-instant-1",
    "llama-2-70b-chat",
    "mixtral-8x7b-instruct-v0.1",
    "vicuna-33b",
    "gemini-pro",
    "zephyr-7b-beta",
]

# Runs in a fresh interpreter: start the measured command, wait, report its wall time and the
# peak RSS of its process tree (ru_maxrss of waited-for children, in KiB on Linux).
_WRAPPER = """
import json, resource, subprocess, sys, time
report, cmd = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
rc = subprocess.call(cmd, stdout=open(report + ".log", "w"), stderr=subprocess.STDOUT)
wall = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
json.dump({"rc": rc, "wall_s": wall, "peak_rss_kb": peak}, open(report, "w"))
"""


# ---------------------------------------------------------------- input generation


# With --escapes, one word in ESCAPE_EVERY carries what real chat text has and JSON must escape.
ESCAPED_WORDS = [
    "line\nbreak",
    '"quoted"',
    "caf\u00e9",
    "\u6771\u4eac",
    "tab\there",
    "back\\slash",
    "\U0001f30d",
]
ESCAPE_EVERY = 40


def _text_pool(rng: np.random.Generator, size: int = 4_000_000, escapes: bool = False) -> str:
    """A long run of pseudo-words to slice turns from: cheap, varied, not one repeated string."""
    letters = np.array(list("etaoinshrdlucmfwypvbgkjqxz"))
    weights = np.linspace(2.0, 0.2, len(letters))
    words = [
        "".join(rng.choice(letters, size=rng.integers(1, 11), p=weights / weights.sum())) for _ in range(3000)
    ]
    if escapes:
        words[::ESCAPE_EVERY] = [
            ESCAPED_WORDS[i % len(ESCAPED_WORDS)] for i in range(len(words[::ESCAPE_EVERY]))
        ]
    picks = rng.integers(0, len(words), size=size // 5)
    return " ".join(words[i] for i in picks)[:size]


def _turn_texts(rng: np.random.Generator, pool: str, count: int, median: float) -> list[str]:
    """`count` slices of the pool, log-normal lengths around `median` characters."""
    lengths = np.clip(rng.lognormal(np.log(median), 0.8, size=count), 1, 8000).astype(int)
    starts = rng.integers(0, len(pool) - 8001, size=count)
    return [pool[s : s + n] for s, n in zip(starts.tolist(), lengths.tolist(), strict=True)]


def _reply(rng: np.random.Generator, text: str) -> str | None:
    """A model reply; about 1% are null (the '[null]' rows) and 0.5% empty strings."""
    roll = rng.random()
    return None if roll < 0.01 else "" if roll < 0.015 else text


def _chunk(rng: np.random.Generator, pool: str, first_id: int, rows: int) -> pa.Table:
    """`rows` arena-shaped rows: ~87% single-turn, ~30% ties, one-hot winner ints."""
    turns = np.where(rng.random(rows) < 0.87, 1, rng.integers(2, 7, size=rows)).tolist()
    total = sum(turns)
    prompts = iter(_turn_texts(rng, pool, total, 250))
    replies_a = iter(_turn_texts(rng, pool, total, 900))
    replies_b = iter(_turn_texts(rng, pool, total, 900))
    columns: dict[str, list[Any]] = {"prompt": [], "response_a": [], "response_b": []}
    for n in turns:
        columns["prompt"].append(json.dumps([next(prompts) for _ in range(n)]))
        columns["response_a"].append(json.dumps([_reply(rng, next(replies_a)) for _ in range(n)]))
        columns["response_b"].append(json.dumps([_reply(rng, next(replies_b)) for _ in range(n)]))
    winner = rng.choice(3, size=rows, p=[0.35, 0.35, 0.30])
    pair = rng.choice(len(MODELS), size=(rows, 2))
    return pa.table(
        {
            "id": pa.array(np.arange(first_id, first_id + rows, dtype=np.int64)),
            "model_a": [MODELS[i] for i in pair[:, 0]],
            "model_b": [MODELS[i] for i in pair[:, 1]],
            **columns,
            "winner_model_a": pa.array((winner == 0).astype(np.int64)),
            "winner_model_b": pa.array((winner == 1).astype(np.int64)),
            "winner_tie": pa.array((winner == 2).astype(np.int64)),
        }
    )


def generate(rows: int, path: Path, seed: int = SEED, escapes: bool = False) -> Path:
    """Write the arena-shaped parquet file of `rows` rows (kept and reused if already there)."""
    if path.exists() and pq.ParquetFile(path).metadata.num_rows == rows:
        return path
    rng = np.random.default_rng(seed)
    pool = _text_pool(rng, escapes=escapes)
    tmp = path.with_suffix(".tmp")
    writer = None
    for first in range(0, rows, CHUNK_ROWS):
        table = _chunk(rng, pool, first, min(CHUNK_ROWS, rows - first))
        writer = writer or pq.ParquetWriter(tmp, table.schema)
        writer.write_table(table)
    assert writer is not None
    writer.close()
    tmp.replace(path)
    return path


def input_counts(path: Path) -> dict[str, int]:
    """Rows, non-tie rows and the user turns of the non-tie rows (what a lossless convert keeps)."""
    table = pq.read_table(path, columns=["prompt", "winner_tie"])
    kept = table.filter(pc.not_equal(table["winner_tie"], 1))
    # The generator's prompts never contain '", "', so counting separators counts turns.
    separators = pc.sum(pc.count_substring(kept["prompt"], '", "')).as_py() or 0
    return {
        "rows": table.num_rows,
        "rows_not_tie": kept.num_rows,
        "turns_not_tie": kept.num_rows + separators,
    }


# ---------------------------------------------------------------- running the two sides


def prefdata_command(source: Path, out_dir: Path) -> list[str]:
    """`prefdata convert SOURCE OUT_DIR` in a fresh interpreter (the package is not installed)."""
    if (REPO / "prefdata" / "_cli" / "__main__.py").exists():
        return [sys.executable, "-m", "prefdata._cli", "convert", str(source), str(out_dir)]
    return [
        sys.executable,
        "-c",
        "from prefdata._cli import main; main()",
        "convert",
        str(source),
        str(out_dir),
    ]


def recipe_command(source: Path, out_dir: Path) -> list[str]:
    """The TRL documentation recipe, re-implemented in `trl_recipe.py`."""
    return [sys.executable, str(RECIPE), str(source), str(out_dir)]


def measure(command: list[str], log_stem: Path) -> dict[str, Any]:
    """Run `command` once under the wrapper with an empty datasets cache; wall time and peak RSS."""
    with tempfile.TemporaryDirectory(prefix="bench-hf-") as cache:
        env = {
            **os.environ,
            "HF_DATASETS_CACHE": cache,
            "HF_HUB_OFFLINE": "1",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        }
        report = log_stem.with_suffix(".json")
        subprocess.run([sys.executable, "-c", _WRAPPER, str(report), *command], env=env, check=True)
    result = json.loads(report.read_text())
    if result["rc"] != 0:
        tail = Path(str(report) + ".log").read_text()[-3000:]
        raise SystemExit(f"{' '.join(command)} failed with exit status {result['rc']}:\n{tail}")
    return {"wall_s": result["wall_s"], "peak_rss_mb": result["peak_rss_kb"] / 1024}


def output_counts(out_dir: Path) -> dict[str, int]:
    """Rows written and user turns kept (user messages in prompt + chosen) across all splits."""
    import datasets

    loaded = datasets.load_from_disk(str(out_dir))
    splits = loaded.values() if isinstance(loaded, datasets.DatasetDict) else [loaded]
    rows = turns = 0
    for split in splits:
        table = split.data.table
        rows += table.num_rows
        for column in ("prompt", "chosen"):
            if column in table.column_names:
                roles = pc.struct_field(pc.list_flatten(table[column]), "role")
                turns += pc.sum(pc.equal(roles, "user")).as_py() or 0
    return {"output_rows": rows, "turns_kept": turns}


def run_side(side: str, source: Path, work: Path, repeat: int) -> dict[str, Any]:
    """`repeat` runs of one side; the median wall time and the largest peak RSS."""
    make = prefdata_command if side == "prefdata" else recipe_command
    out_dir = work / f"{source.stem}-{side}"
    walls, peaks = [], []
    for attempt in range(repeat):
        shutil.rmtree(out_dir, ignore_errors=True)
        got = measure(make(source, out_dir), work / f"{source.stem}-{side}-run{attempt}")
        walls.append(got["wall_s"])
        peaks.append(got["peak_rss_mb"])
        print(
            f"  {side:<10} run {attempt + 1}/{repeat}: {got['wall_s']:.2f} s, {got['peak_rss_mb']:.0f} MB",
            flush=True,
        )
    return {
        "side": side,
        "wall_s": statistics.median(walls),
        "wall_runs_s": walls,
        "peak_rss_mb": max(peaks),
        **output_counts(out_dir),
    }


# ---------------------------------------------------------------- report


def summarise(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Speed-up per size (recipe wall / prefdata wall) and prefdata's memory growth."""
    by = {(r["rows"], r["side"]): r for r in results}
    sizes = sorted({r["rows"] for r in results})
    speedup = {str(n): by[n, "trl-recipe"]["wall_s"] / by[n, "prefdata"]["wall_s"] for n in sizes}
    ratios: dict[str, Any] = {"speedup_recipe_over_prefdata": speedup}
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        ratios["prefdata_memory_ratio"] = {
            f"{large}/{small}": by[large, "prefdata"]["peak_rss_mb"] / by[small, "prefdata"]["peak_rss_mb"]
        }
    return ratios


def print_table(results: list[dict[str, Any]], ratios: dict[str, Any]) -> None:
    """The side-by-side table and the ratios."""
    header = (
        f"{'rows':>8}  {'side':<10}  {'wall s':>8}  {'peak RSS MB':>11}  {'out rows':>9}  {'turns kept':>10}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r['rows']:>8}  {r['side']:<10}  {r['wall_s']:>8.2f}  {r['peak_rss_mb']:>11.0f}  "
            f"{r['output_rows']:>9}  {r['turns_kept']:>10}   (input: {r['turns_not_tie']} turns in "
            f"{r['rows_not_tie']} non-tie rows)"
        )
    for rows, value in ratios["speedup_recipe_over_prefdata"].items():
        print(f"speed-up at {rows} rows (recipe wall / prefdata wall): {value:.2f}x")
    for key, value in ratios.get("prefdata_memory_ratio", {}).items():
        print(f"prefdata peak RSS ratio {key} rows: {value:.2f}x")


def environment() -> dict[str, Any]:
    """What the figures were measured on."""
    import datasets

    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "datasets": datasets.__version__,
        "pyarrow": pa.__version__,
    }


def main(argv: list[str] | None = None) -> None:
    """Generate the inputs, time both sides per size, print and save the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[55_000])
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    parser.add_argument("--repeat", type=int, default=1, help="runs per side and size (median wall time)")
    parser.add_argument(
        "--escapes",
        action="store_true",
        help="text with line breaks, quotes, tabs, backslashes and non-ASCII (JSON-escaped), as real chat data",
    )
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    results = []
    for rows in args.rows:
        name = f"arena-{rows}-seed{SEED}{'-escapes' if args.escapes else ''}.parquet"
        source = generate(rows, args.out.resolve() / name, escapes=args.escapes)
        counts = input_counts(source)
        print(f"{rows} rows: {source} ({source.stat().st_size / 2**20:.0f} MiB)", flush=True)
        for side in ("trl-recipe", "prefdata"):
            results.append(
                {"rows": rows, **counts, **run_side(side, source, args.out.resolve(), args.repeat)}
            )
    ratios = summarise(results)
    print_table(results, ratios)
    report = {
        "command": "python benchmarks/bench_convert.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "environment": environment(),
        "results": results,
        "ratios": ratios,
    }
    (args.out / f"convert{'-escapes' if args.escapes else ''}.json").write_text(
        json.dumps(report, indent=2) + "\n"
    )


if __name__ == "__main__":
    main()

"""Benchmark layout inference: detection time, and converting an inferred layout vs a built-in one.

Usage::

    python benchmarks/bench_infer.py [--rows 100000] [--repeat 2] [--out bench-out/]

Generates two JSON-lines files with the same pairs (seeded): one in the built-in PKU-SafeRLHF
layout (`prompt`, `response_0`, `response_1`, `better_response_id`, `safer_response_id`, ...), one
with only `prompt`, `response_0`, `response_1`, `better_response_id`, which no built-in layout
matches, so its spec is inferred (a 0-based label). Times `prefdata detect` and `prefdata convert`
on each as whole processes (alternating, `--repeat` times), checks both give the same pairs,
and prints the medians.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

WORDS = [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "zeta",
    "eta",
    "theta",
    "iota",
    "kappa",
    "lambda",
    "mu",
    "nu",
    "xi",
    "pi",
    "rho",
    "sigma",
    "tau",
]


def generate(rows: int, out: Path) -> tuple[Path, Path]:
    rng = random.Random(0)
    builtin, inferred = out / "infer-builtin.jsonl", out / "infer-inferred.jsonl"
    with builtin.open("w") as a, inferred.open("w") as b:
        for _ in range(rows):
            prompt, r0, r1 = (" ".join(rng.choice(WORDS) for _ in range(n)) for n in (30, 80, 80))
            better = rng.randint(0, 1)
            pair = {"prompt": prompt, "response_0": r0, "response_1": r1, "better_response_id": better}
            extra = {
                "response_0_source": "m",
                "response_1_source": "m",
                "is_response_0_safe": True,
                "is_response_1_safe": True,
                "response_0_harm_category": {},
                "response_1_harm_category": {},
                "response_0_severity_level": 0,
                "response_1_severity_level": 0,
                "safer_response_id": better,
            }
            a.write(json.dumps({**pair, **extra}) + "\n")
            b.write(json.dumps(pair) + "\n")
    return builtin, inferred


def timed(*args: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "prefdata", *args], check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    files = dict(zip(("built-in", "inferred"), generate(args.rows, args.out), strict=True))
    times: dict[str, dict[str, list[float]]] = {k: {"detect": [], "convert": []} for k in files}
    for _ in range(args.repeat):
        for kind, path in files.items():
            out = args.out / f"infer-{kind}-out"
            shutil.rmtree(out, ignore_errors=True)
            times[kind]["detect"].append(timed("detect", str(path)))
            times[kind]["convert"].append(timed("convert", str(path), str(out)))
    import datasets

    a, b = (datasets.load_from_disk(str(args.out / f"infer-{k}-out"))["train"] for k in files)
    assert a["chosen"] == b["chosen"] and a["rejected"] == b["rejected"], (
        "the two layouts must give the same pairs"
    )
    print(f"{'layout':<10} {'detect s':>9} {'convert s':>10}   ({args.rows:,} rows, median of {args.repeat})")
    for kind, t in times.items():
        print(f"{kind:<10} {statistics.median(t['detect']):>9.2f} {statistics.median(t['convert']):>10.2f}")


if __name__ == "__main__":
    main()

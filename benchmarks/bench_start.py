"""Benchmark how fast the commands start: wall time of help and version, each a fresh process.

Usage::

    python benchmarks/bench_start.py [--repeat 5]

Runs `prefdata --help`, `prefdata-train --help`, `prefdata-train --version` and
`prefdata-train fit --help` from the virtual environment beside this interpreter, `--repeat`
times each, and prints the median, minimum and maximum wall time in seconds. The target is
under one second for `prefdata-train --help` and `--version` (they import no torch or
transformers). A benchmark, not a test: the figures depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent
COMMANDS = (
    ("prefdata", "--help"),
    ("prefdata-train", "--help"),
    ("prefdata-train", "--version"),
    ("prefdata-train", "fit", "--help"),
)


def wall_times(command: tuple[str, ...], repeat: int) -> list[float]:
    """Seconds each of `repeat` fresh runs of `command` took, start to exit."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([str(BIN / command[0]), *command[1:]], check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    """Time each command and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per command (default 5)")
    args = parser.parse_args()
    print(f"{'command':<32}{'median s':>10}{'min s':>10}{'max s':>10}")
    for command in COMMANDS:
        times = wall_times(command, args.repeat)
        print(
            f"{' '.join(command):<32}{statistics.median(times):>10.3f}{min(times):>10.3f}{max(times):>10.3f}"
        )


if __name__ == "__main__":
    main()

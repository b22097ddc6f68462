"""No two modules of the two packages share a name: a file name says where a thing is."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_module_names_are_unique():
    seen: dict[str, list[str]] = defaultdict(list)
    for package in ("prefdata", "prefdata_train"):
        for path in (ROOT / package).rglob("*.py"):
            if path.name not in ("__init__.py", "__main__.py"):
                seen[path.stem].append(str(path.relative_to(ROOT)))
    assert {name: paths for name, paths in seen.items() if len(paths) > 1} == {}

"""`prefdata_train` is grouped by role: module names tell each other apart, and the library never
imports a command-line module (only `prefdata_train/_cli/` may)."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "prefdata_train"
# names in `prefdata/` a trainer module must not take: two `convert.py` files confuse a reader
CONFUSING = {"convert", "messages", "options", "errors", "summary", "reader", "splits", "folder", "validate"}


def _modules() -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if p.name not in ("__init__.py", "__main__.py")]


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_no_two_trainer_modules_share_a_name():
    counts = Counter(path.stem for path in _modules())
    assert [name for name, n in counts.items() if n > 1] == []


def test_no_trainer_module_takes_a_confusing_prefdata_name():
    prefdata_names = {p.stem for p in (ROOT / "prefdata").rglob("*.py")}
    assert sorted({p.stem for p in _modules()} & prefdata_names & CONFUSING) == []
    assert sorted({p.stem for p in _modules()} & CONFUSING) == []


def test_the_library_never_imports_a_cli_module():
    offenders = []
    for path in _modules():
        if PACKAGE / "_cli" in path.parents:
            continue
        for name in _imports(path):
            if name == "prefdata._cli" or name.startswith(("prefdata._cli.", "prefdata_train._cli")):
                offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert offenders == []


def test_the_package_is_grouped_in_role_folders():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert top == ["__init__.py", "__main__.py"]
    assert {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"} >= {
        "_cli",
        "_data",
        "_modeling",
        "_trainer",
        "_workflows",
    }

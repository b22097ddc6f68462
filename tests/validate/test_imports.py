"""`prefdata validate` without --tokenizer imports neither torch nor transformers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.validate.conftest import clean_standard

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
from prefdata._cli import main
try:
    main(["validate", sys.argv[1]])
except SystemExit as exc:
    assert exc.code == 0, exc.code
heavy = sorted(m for m in ("torch", "transformers") if m in sys.modules)
assert not heavy, heavy
print("light")
"""


def test_validate_imports_no_torch_or_transformers(write):
    folder = write(clean_standard())
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(folder)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("light")

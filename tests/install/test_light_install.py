"""`pip install prefdata` is the light converter and validator; the trainer comes with `[train]`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parents[2]
HEAVY = {"torch", "transformers", "accelerate", "peft", "matplotlib"}


def _name(requirement: str) -> str:
    return requirement.split(";")[0].split("[")[0].split("=")[0].split(">")[0].split("<")[0].strip().lower()


def test_the_base_install_has_no_trainer_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert not {_name(r) for r in project["dependencies"]} & HEAVY
    assert {_name(r) for r in project["optional-dependencies"]["train"]} >= HEAVY


def _without(modules: list[str], code: str) -> subprocess.CompletedProcess[str]:
    """Run `code` in a fresh interpreter where importing any of `modules` fails, as on a light install."""
    block = "import sys\n" + "".join(f"sys.modules[{m!r}] = None\n" for m in modules)
    return subprocess.run([sys.executable, "-c", block + code], capture_output=True, text=True, check=False)


def test_validate_tokenizer_without_transformers_says_what_to_install(tmp_path):
    data = tmp_path / "d.jsonl"
    data.write_text('{"prompt": "p", "chosen": "a", "rejected": "b"}\n')
    proc = _without(
        ["transformers"],
        f"from prefdata._cli import main; main(['validate', {str(data)!r}, '--tokenizer', 'tok'])",
    )
    assert proc.returncode == 2, proc.stderr
    assert 'pip install "prefdata[train]"' in proc.stderr
    assert "Traceback" not in proc.stderr


def test_convert_and_validate_run_without_the_trainer_dependencies(tmp_path, hh_sample):
    out = tmp_path / "out"
    proc = _without(
        sorted(HEAVY),
        f"from prefdata._cli import main\n"
        f"import sys\n"
        f"try:\n    main(['convert', {str(hh_sample)!r}, {str(out)!r}])\nexcept SystemExit as e:\n"
        f"    assert e.code in (0, None), e.code\n"
        f"main(['validate', {str(out)!r}])\n",
    )
    assert proc.returncode == 0, proc.stderr
    assert "wrote" in proc.stdout


@pytest.mark.slow
def test_a_fresh_light_install_in_a_new_venv(tmp_path, hh_sample):
    """The real thing: a new virtual environment, `pip install .`, no trainer dependency installed."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, str(ROOT)], check=True)
    listed = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "list", "--format=freeze"], capture_output=True, text=True
    ).stdout.lower()
    assert not {line.split("==")[0] for line in listed.split()} & HEAVY
    prefdata = str(venv / "bin" / "prefdata")
    subprocess.run([prefdata, "convert", str(hh_sample), str(tmp_path / "o")], check=True)
    subprocess.run([prefdata, "validate", str(tmp_path / "o")], check=True)
    train = subprocess.run([str(venv / "bin" / "prefdata-train"), "--help"], capture_output=True, text=True)
    assert train.returncode == 2 and 'pip install "prefdata[train]"' in train.stderr

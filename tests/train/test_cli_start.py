"""`prefdata-train` starts fast and light: help and version import no torch or transformers, the
fit options come from a generated table that must match `RewardConfig`, `fit --help` is grouped,
and without the `[train]` extra every invocation says what to install."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from prefdata_train import RewardConfig
from prefdata_train._cli import main
from prefdata_train._cli.fields_table import FIELDS, FILE_ONLY
from prefdata_train._cli.option_groups import HEADINGS
from prefdata_train._cli.trainer_packages import TRAINER_PACKAGES
from prefdata_train._trainer.config_fields import cli_rows

HEAVY = ("torch", "transformers", "peft", "accelerate", "datasets")


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)


def test_the_fields_table_matches_reward_config():
    """Stale table: run `python -m prefdata_train._trainer.fields_table_writer` and commit the result."""
    fields, file_only = cli_rows(RewardConfig)
    assert fields == FIELDS
    assert file_only == FILE_ONLY


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["fit", "--help"], ["evaluate", "--help"]])
def test_help_and_version_import_no_trainer_library(args):
    code = (
        "import sys\nfrom prefdata_train._cli import main\n"
        f"try:\n    main({args!r})\nexcept SystemExit as exc:\n    assert exc.code in (0, None), exc.code\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    proc = _python(code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "[]"


def test_version_is_the_installed_one():
    from prefdata._version import __version__

    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and result.output == f"prefdata-train, version {__version__}\n"


def test_fit_help_lists_options_under_headings_without_argparse_escapes():
    result = CliRunner().invoke(main, ["fit", "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    text = result.output
    titles = [f"{h[0].upper()}{h[1:]} options:" for h in HEADINGS]
    positions = [text.index(title) for title in titles]
    assert positions == sorted(positions)
    data = text[text.index("Data options:") : text.index("Model options:")]
    assert "--max-length" in data and "--truncation-mode" in data and "--learning-rate" not in data
    run = text[text.index("Run options:") : text.index("Data options:")]
    assert "--model" in run and "--output-dir" in run and "--resume" in run
    assert "%%" not in text and "~20%" in text  # transformers' argparse escape, shown once
    assert "Set only in --config (mappings):" in text and "model_init_kwargs" in text


def test_every_config_field_is_an_option_of_fit():
    result = CliRunner().invoke(main, ["fit", "--help"], terminal_width=200)
    for row in FIELDS:
        assert "--" + row.name.replace("_", "-") in result.output, row.name


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["fit", "--help"], ["score", "m", "d", "o"]])
def test_without_the_train_extra_every_invocation_says_what_to_install(args):
    blocked = "".join(f"sys.modules[{name!r}] = None\n" for name in TRAINER_PACKAGES)
    proc = _python(f"import sys\n{blocked}from prefdata_train._cli import main\nmain({args!r})")
    assert proc.returncode == 2, proc.stderr
    assert 'pip install "prefdata[train]"' in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_the_missing_packages_are_named():
    proc = _python(
        "import sys\nsys.modules['peft'] = None\nfrom prefdata_train._cli import main\nmain(['--help'])"
    )
    assert proc.returncode == 2
    assert "(missing: peft)" in proc.stderr

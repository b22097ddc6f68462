"""Every `prefdata-train` command of the README's "Training reward models" section works as written.

The commands are read from that section's bash block and run in order, in a folder where
`out/arena` is a small converted arena-style dataset (so `tiny`, `rm` and `rewards.parquet`
land there too). Editing the README to a command that fails makes this test fail.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

import prefdata
from prefdata_train._cli import main
from prefdata_train._workflows.demo_data import write_demo_source

README = Path(__file__).resolve().parents[2] / "README.md"
SECTION = "## Training reward models"


def section_commands(text: str) -> list[list[str]]:
    """The `prefdata-train` command lines (comments dropped) of the section's bash blocks."""
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    commands = []
    for block in section.split("```bash\n")[1:]:
        body = block.split("```", 1)[0].replace("\\\n", " ")
        for line in body.splitlines():
            words = shlex.split(line, comments=True)
            if words and words[0] == "prefdata-train":
                commands.append(words[1:])
    return commands


def test_the_section_holds_the_commands_of_the_whole_job():
    names = [command[0] for command in section_commands(README.read_text(encoding="utf-8"))]
    assert names == ["tiny-model", "fit", "evaluate", "score"]


def test_readme_training_commands_run(tmp_path, monkeypatch):
    commands = section_commands(README.read_text(encoding="utf-8"))
    raw = write_demo_source(tmp_path / "raw", train_rows=24, test_rows=8)
    prefdata.convert(raw, tmp_path / "out" / "arena")
    monkeypatch.chdir(tmp_path)
    outputs = {}
    for command in commands:
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 0, f"prefdata-train {shlex.join(command)}\n{result.output}"
        outputs[command[0]] = result
    # what the commands claim to have made is there
    assert (tmp_path / "rm" / "model.safetensors").is_file()
    if "--json" in next(c for c in commands if c[0] == "evaluate"):
        assert json.loads(outputs["evaluate"].stdout)["split"] == "test"
    assert (tmp_path / "rewards.parquet").is_file()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "prefdata-train evaluate rm out/arena --json  # a comment",
            ["evaluate", "rm", "out/arena", "--json"],
        ),
        ("prefdata-train fit a \\\n  --model b", ["fit", "a", "--model", "b"]),
    ],
)
def test_commands_are_read_as_a_shell_reads_them(line, expected):
    text = f"{SECTION}\n\n```bash\n{line}\nprefdata convert x y\n```\n\n## Next\n```bash\nprefdata-train no\n```\n"
    assert section_commands(text) == [expected]

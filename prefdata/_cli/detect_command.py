"""`prefdata detect`: the layout of a source (built-in or inferred), the evidence, or its spec."""

from __future__ import annotations

import sys

import click

from prefdata._cli.convert_command import source_options
from prefdata._cli.error_exits import user_errors
from prefdata._cli.paths import source_path
from prefdata._cli.summary import detect_summary
from prefdata.records.manifest import DetectionResult


@click.command("detect")
@click.argument("source", callback=source_path)
@source_options
@click.option("--json", "as_json", is_flag=True, help="Print the detection result as JSON.")
@click.option(
    "--print-spec",
    is_flag=True,
    help="Print the detected or inferred layout's spec as YAML, to edit and pass to --spec.",
)
def detect_cmd(source: str, split: str | None, subset: str | None, as_json: bool, print_spec: bool) -> None:
    """Detect the layout of SOURCE and explain the choice (or infer one when no built-in matches)."""
    from prefdata._convert import detect
    from prefdata._layouts import builtin_spec, spec_to_yaml

    with user_errors():
        result = detect(source, split=split, subset=subset)
    if print_spec:
        spec = result.inference.spec if result.inference else builtin_spec(result.layout)
        sys.stdout.write(spec_to_yaml(spec))
    elif as_json:
        click.echo(result.model_dump_json(indent=2))
    else:
        click.echo(inferred_summary(result) if result.inference else detect_summary(result))


def inferred_summary(result: DetectionResult) -> str:
    """The inferred layout: each decision with its evidence, and how to confirm or correct it."""
    assert result.inference is not None
    inf = result.inference
    lines = [f"layout: inferred (no built-in layout matches; decided on {inf.sampled_rows} sampled rows)"]
    for d in inf.decisions:
        lines.append(f"{d.part}: {d.choice}")
        lines += [f"  because: {e}" for e in d.evidence]
    lines.append("columns: " + ", ".join(result.columns))
    lines.append(
        "to confirm or correct: prefdata detect SOURCE --print-spec > spec.yaml; edit; --spec spec.yaml"
    )
    return "\n".join(lines)

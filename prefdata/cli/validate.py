"""`prefdata validate PATH`: check preference data; exit 0 clean, 1 problems, 2 unreadable input."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from prefdata.cli._errors import user_errors


@click.command("validate")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--spec",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Layout spec for a raw source (otherwise raw sources are detected).",
)
@click.option("--split", "splits", multiple=True, help="Validate only this split (repeatable).")
@click.option("--tokenizer", help="Tokenizer path (or Hub id) for the token checks; imports transformers.")
@click.option(
    "--max-length", type=click.IntRange(min=1), help="Token budget for tokens.too_long and truncation."
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning"]),
    default="error",
    show_default=True,
    help="Lowest severity that makes the exit status 1.",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the report as JSON (schemas/validation-report.schema.json).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "github"]),
    default="text",
    show_default=True,
    help="Terminal summary, or GitHub workflow annotations.",
)
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write a self-contained HTML report here.",
)
def validate_cmd(
    path: Path,
    spec: Path | None,
    splits: tuple[str, ...],
    tokenizer: str | None,
    max_length: int | None,
    fail_on: str,
    as_json: bool,
    fmt: str,
    html_path: Path | None,
) -> None:
    """Check a preference dataset (canonical or raw) and report problems by code and row."""
    from prefdata.validate import validate

    if max_length is not None and tokenizer is None:
        raise click.UsageError("--max-length needs --tokenizer")
    with user_errors():
        report = validate(
            path, spec=spec, tokenizer=tokenizer, max_length=max_length, splits=list(splits) or None
        )
    if html_path is not None:
        from prefdata.validate.render_html import render_html

        html_path.write_text(render_html(report), encoding="utf-8")
    click.echo(_render(report, as_json, fmt, path))
    sys.exit(report.exit_status(fail_on))  # type: ignore[arg-type]


def _render(report, as_json: bool, fmt: str, path: Path) -> str:  # type: ignore[no-untyped-def]
    if as_json:
        return report.model_dump_json(indent=2)
    if fmt == "github":
        from prefdata.validate.render_github import render_github

        return render_github(report, str(path) if path.is_file() else None)
    from prefdata.validate.render_text import render_text

    return render_text(report)

"""`prefdata validate PATH...`: check preference data; exit 0 clean, 1 problems, 2 unreadable input.

With several paths (a pre-commit hook's `args`), each is validated on its own and the exit
status is the worst of them (2 for a path that cannot be read, which does not stop the others).

| output    | one path                    | several paths                                                  |
| --------- | --------------------------- | -------------------------------------------------------------- |
| text      | the report                  | each report (its first line names the path), then a tally      |
| `--json`  | one report object           | a list in path order: a report object, or `{"path", "error"}`  |
| `github`  | one annotation per finding  | the same, per path; an unreadable path gives one `::error`     |
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from prefdata._cli.error_exits import EXIT_USAGE, is_path_error, user_errors
from prefdata._cli.paths import output_path, source_path
from prefdata._errors import PrefdataError

if TYPE_CHECKING:
    from prefdata._validate import ValidationReport


class _AgainstTakesSeveral(click.Command):
    """`--against A B C` means `--against A --against B --against C`: the evaluation sets run up to
    the next option (click options take one value each; this keeps the documented spelling)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, _spread(args, "--against"))


def _spread(args: list[str], option: str) -> list[str]:
    """Repeat `option` before each value that follows it; `option` with no value is a usage error."""
    out: list[str] = []
    taking = False
    for i, arg in enumerate(args):
        if arg == option:
            following = args[i + 1] if i + 1 < len(args) else "-"
            if following.startswith("-"):
                raise click.UsageError(
                    f"{option} needs at least one evaluation set: {option} EVAL [EVAL ...]"
                )
            taking = True
            continue
        elif arg == "--" or arg.startswith("-"):
            taking = False
        elif taking:
            out.append(option)
        out.append(arg)
    return out


@click.command("validate", cls=_AgainstTakesSeveral)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path), callback=source_path)
@click.option(
    "--spec",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Layout spec for a raw source (otherwise raw sources are detected).",
)
@click.option("--split", "splits", multiple=True, help="Validate only this split (repeatable).")
@click.option(
    "--against",
    multiple=True,
    callback=source_path,
    metavar="EVAL...",
    help="Evaluation sets (any input prefdata reads; several may follow): report training prompts "
    "sharing an n-gram with theirs as splits.contamination, as `prefdata mix` decontaminates.",
)
@click.option(
    "--ngram",
    type=click.IntRange(1, 64),
    default=13,
    show_default=True,
    help="Words in an n-gram for --against.",
)
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
    callback=output_path,
    help="Also write a self-contained HTML report here.",
)
def validate_cmd(
    paths: tuple[Path, ...],
    spec: Path | None,
    splits: tuple[str, ...],
    against: tuple[str, ...],
    ngram: int,
    tokenizer: str | None,
    max_length: int | None,
    fail_on: str,
    as_json: bool,
    fmt: str,
    html_path: Path | None,
) -> None:
    """Check preference datasets (canonical or raw) and report problems by code and row.

    PATHS: one or more folders or files, each validated on its own; the exit status is the
    worst of them. With several, `--json` prints a list (one report, or `{"path", "error"}`
    for a path that cannot be read, per path).
    """
    if max_length is not None and tokenizer is None:
        raise click.UsageError("--max-length needs --tokenizer")
    if ngram != 13 and not against:
        raise click.UsageError("--ngram needs --against EVAL...")
    if html_path is not None and len(paths) > 1:
        raise click.UsageError("--html writes the report of one path; give one path, or run once per path")
    if html_path is not None:
        with user_errors():
            _check_html_target(html_path, [*paths, *map(Path, against), *([spec] if spec else [])])
    options: dict[str, Any] = dict(
        spec=spec,
        tokenizer=tokenizer,
        max_length=max_length,
        splits=list(splits) or None,
        against=list(against) or None,
        ngram=ngram,
    )
    if len(paths) > 1:
        sys.exit(_validate_many(paths, options, fail_on, as_json, fmt))
    from prefdata._validate import validate

    with user_errors():
        report = validate(paths[0], **options)
    if html_path is not None:
        from prefdata._plain_files import write_text_atomic
        from prefdata._validate.render_html import render_html

        with user_errors():  # a missing folder or a full disk: one line, exit 2, no half-written page
            write_text_atomic(html_path, render_html(report), "HTML report")
    click.echo(_render(report, as_json, fmt, paths[0]))
    sys.exit(report.exit_status(fail_on))  # type: ignore[arg-type]


_HTML_START = b"<!DOCTYPE html>"


def _check_html_target(html_path: Path, inputs: list[Path]) -> None:
    """Refuse an `--html` path that would destroy data: an input of the run (links resolved), or an
    existing file that is not an HTML report (a typo such as `--html train.jsonl`)."""
    from prefdata._errors import OutputError
    from prefdata._output_target import overlap
    from prefdata._plain_files import starts_with

    for path in inputs:
        if path.exists() and overlap(html_path, path) == "same":
            raise OutputError(
                f"--html would write over the input {path}",
                where=str(html_path),
                fix="write the report outside the data, e.g. --html report.html",
            )
    if html_path.is_file() and not starts_with(html_path, _HTML_START):
        raise OutputError(
            "--html would replace a file that is not an HTML report",
            where=str(html_path),
            fix="give a new file name, or remove the file first",
        )
    if not html_path.parent.is_dir():
        raise OutputError(
            f"--html: the folder {html_path.parent} does not exist",
            where=str(html_path),
            fix="create the folder first, or give a path in an existing folder",
        )


def _validate_many(
    paths: tuple[Path, ...], options: dict[str, Any], fail_on: Any, as_json: bool, fmt: str
) -> int:
    """Validate each path (an unreadable one does not stop the others); print; the worst status."""
    with user_errors():  # prints warnings; each path's own errors are caught in `_outcome`
        outcomes = [_outcome(path, options) for path in paths]
    statuses = [EXIT_USAGE if isinstance(o, str) else o.exit_status(fail_on) for o in outcomes]
    click.echo(_render_many(paths, outcomes, as_json, fmt, statuses))
    return max(statuses)


def _outcome(path: Path, options: dict[str, Any]) -> ValidationReport | str:
    """The report for `path`, or the message of the error that made it unreadable (also on stderr)."""
    from prefdata._validate import validate

    try:
        return validate(path, **options)
    except PrefdataError as exc:
        message = exc.message
    except OSError as exc:  # a path's problem, as `user_errors` takes it; anything else is a bug
        if not is_path_error(exc):
            raise
        message = str(exc)
    click.echo(f"error: {message}", err=True)
    return message


def _render_many(
    paths: tuple[Path, ...],
    outcomes: list[ValidationReport | str],
    as_json: bool,
    fmt: str,
    statuses: list[int],
) -> str:
    if as_json:
        items = [
            {"path": str(p), "error": o} if isinstance(o, str) else o.model_dump(mode="json")
            for p, o in zip(paths, outcomes, strict=True)
        ]
        return json.dumps(items, indent=2)
    parts = []
    for path, outcome in zip(paths, outcomes, strict=True):
        if not isinstance(outcome, str):
            parts.append(_render(outcome, False, fmt, path))
        elif fmt == "github":
            from prefdata._validate.render_github import render_error

            parts.append(render_error(str(path), outcome))
        else:
            parts.append(f"{path}: not validated: {outcome}")
    if fmt == "github":
        return "\n".join(p for p in parts if p)
    tally = f"{len(paths)} paths: {statuses.count(0)} passed, {statuses.count(1)} with problems"
    return "\n\n".join([*parts, tally + f", {statuses.count(EXIT_USAGE)} unreadable"])


def _render(report, as_json: bool, fmt: str, path: Path) -> str:  # type: ignore[no-untyped-def]
    if as_json:
        return report.model_dump_json(indent=2)
    if fmt == "github":
        from prefdata._validate.render_github import render_github

        return render_github(report, str(path) if path.is_file() else None)
    from prefdata._validate.render_text import render_text

    return render_text(report)

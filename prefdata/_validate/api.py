"""`validate()`: pick canonical or raw reading, run the checks, assemble the report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefdata._validate.folder_integrity import check_folder
from prefdata._validate.manifest_drops import manifest_rows_in, report_manifest_drops
from prefdata._validate.raw import is_raw, open_raw
from prefdata._validate.reading import CanonicalInput, from_dataset, open_canonical
from prefdata._validate.report import SplitStats, ValidationReport
from prefdata._validate.runner import run_checks
from prefdata._version import __version__


def validate(
    path_or_dataset: str | Path | Any,
    *,
    spec: str | Path | None = None,
    tokenizer: str | Path | Any | None = None,
    max_length: int | None = None,
    splits: list[str] | None = None,
    against: list[str | Path] | None = None,
    ngram: int = 13,
) -> ValidationReport:
    """Check preference data and return a `ValidationReport` (never raises for bad rows).

    `path_or_dataset`: a canonical folder or file, a raw source (read through `convert`'s
    mapping, nothing written), or an in-memory `Dataset` / `DatasetDict`. `spec`: a layout
    spec for a raw source (forces the raw path). `tokenizer`: a tokenizer path (or object)
    for the token checks; transformers is imported only then. `splits`: only these splits.
    `against`: evaluation sets; a prompt sharing an `ngram`-word n-gram with one of their prompts
    is reported as `splits.contamination` (as `prefdata mix` decontaminates).
    Raises `PrefdataError` when the input cannot be read.
    """
    raw = None
    if isinstance(path_or_dataset, (str, Path)):
        if spec is not None or is_raw(path_or_dataset):
            raw = open_raw(path_or_dataset, spec=spec, splits=splits)
            data: CanonicalInput = raw.data
        else:
            data = open_canonical(path_or_dataset, splits)
    else:
        data = from_dataset(path_or_dataset, splits)
    token_check = _token_check(tokenizer, max_length)
    extra = [_contamination_check(against, ngram)] if against else []
    result = run_checks(data, raw=raw is not None, token_check=token_check, extra=extra)
    if raw is not None:
        raw.report_rejects(result.sink)
    elif data.manifest is not None:  # a convert output: what the conversion dropped
        report_manifest_drops(data.manifest, data.path, list(data.splits), result.sink)
    if raw is None:
        check_folder(data, result.sink, all_splits=not splits)
    if token_check is not None:
        token_check.add_stats(result.stats)
    _add_rows_in(result.stats, raw.rows_in if raw is not None else manifest_rows_in(data.manifest))
    return ValidationReport(
        prefdata_version=__version__,
        path=str(path_or_dataset) if data.path == "<dataset>" else data.path,
        input="raw" if raw is not None else "canonical",
        layout=raw.layout if raw is not None else None,
        format=result.shape.format if result.shape else None,
        prompt=result.shape.prompt if result.shape else None,
        tokenizer=None if tokenizer is None else str(getattr(tokenizer, "name_or_path", tokenizer)),
        max_length=max_length,
        splits=result.stats,
        findings=result.sink.findings(),
        rows_affected=result.sink.affected.totals(raw.source_rows if raw is not None else None),
    )


def _contamination_check(against: list[str | Path], ngram: int) -> Any:
    from prefdata._mix.ngram_index import build_index
    from prefdata._validate.checks.contamination import ContaminationCheck

    return ContaminationCheck(build_index([str(path) for path in against], ngram, Path.cwd()))


def _add_rows_in(stats: dict[str, SplitStats], rows_in: dict[str, int]) -> None:
    for split, split_stats in stats.items():
        split_stats.rows_in = rows_in.get(split)


def _token_check(tokenizer: Any, max_length: int | None) -> Any:
    if tokenizer is None:
        return None
    from prefdata._validate.checks.tokens import TokenCheck  # imports transformers lazily

    return TokenCheck(tokenizer, max_length)

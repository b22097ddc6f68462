"""The inputs of a mixture as canonical folders: converted on the way in, or used as they are.

A source that is already a prefdata output (a folder with `prefdata.json`) is read in place;
anything else goes through `prefdata.convert` into a scratch folder beside the output, so no
source is ever held in memory whole. Evaluation sets are converted in memory (they are small);
a file of prompts alone (a `prompt` column of text or messages, no pairs) is read as prompts.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from prefdata._canonical_folder import MANIFEST_FILE, saved_split_files
from prefdata._errors import DetectionError, PrefdataWarning, SourceError, SpecError
from prefdata.records.manifest import Manifest
from prefdata.records.mix import MixSource
from prefdata.records.options import ConvertOptions

# An evaluation row whose pair a training conversion would drop (a tie, an empty or identical
# response) still holds a benchmark prompt: it must be indexed, so those rows are kept.
EVAL_OPTIONS = ConvertOptions(ties="keep", empty="keep", identical="keep")


@dataclass
class CanonicalInput:
    """A canonical folder: its splits' Arrow files and the manifest that made it (if any)."""

    name: str
    path: str
    folder: Path
    manifest: Manifest | None
    split_files: dict[str, list[Path]]

    def batches(self, split: str) -> Iterator[pa.RecordBatch]:
        """The split's record batches, in order (see `arrow_batches`)."""
        yield from arrow_batches(self.split_files[split])


_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


def located(path: str, base: Path, what: str = "source") -> str:
    """A recipe path, read from the recipe's folder (`base`); a Hub id (`org/name`, no such local
    path) is passed on as written. Anything else that does not exist is an error: a path is
    never looked up in the working folder behind the user's back."""
    candidate = Path(path) if Path(path).is_absolute() else base / path
    if candidate.exists():
        return str(candidate)
    if not Path(path).is_absolute() and _HUB_ID.match(path) and not Path(path).suffix:
        return path
    raise SourceError(
        f"{what} {path!r} not found: {candidate} does not exist",
        fix="give an existing file or folder (paths in a recipe are read from the recipe's folder) or a Hub id",
    )


def located_spec(spec: str | None, base: Path) -> str | None:
    """A source's `spec`: a file beside the recipe, or a built-in layout name."""
    if spec is None:
        return None
    candidate = Path(spec) if Path(spec).is_absolute() else base / spec
    if candidate.exists() or Path(spec).suffix in (".yaml", ".yml", ".json"):
        return str(candidate)  # a missing file is reported by the spec loader, with this path
    return spec  # a built-in layout name


def is_converted(path: str) -> bool:
    """True for a folder written by `prefdata convert` or `prefdata mix`."""
    return Path(path).is_dir() and (Path(path) / MANIFEST_FILE).is_file()


def prepare(
    source: MixSource, base: Path, scratch: Path, number: int, workers: int | None = None, batch: bool = True
) -> CanonicalInput:
    """The source as a canonical folder: converted into `scratch` (`workers`, `batch`: as for
    `prefdata.convert`), or read in place."""
    from prefdata._convert import convert

    assert source.name is not None  # filled in by the recipe
    path = located(source.path, base)
    if is_converted(path):
        if source.spec is not None or source.options.model_dump(exclude_defaults=True):
            raise SpecError(
                f"source {source.name!r} is a converted folder, so `spec` and `options` cannot apply to it",
                where=path,
                fix="remove them, or give the raw source instead of the converted folder",
            )
        if _is_mix(Path(path)):
            raise SpecError(
                f"source {source.name!r} is the output of `prefdata mix`: its rows already name their sources",
                where=path,
                fix="list that mixture's sources in this recipe instead",
            )
        return CanonicalInput(source.name, path, Path(path), _manifest_of(Path(path)), _splits(Path(path)))
    folder = scratch / f"source-{number}"
    spec = located_spec(source.spec, base)
    result = convert(path, folder, spec=spec, options=source.options, workers=workers, batch=batch)
    manifest = result.manifest if isinstance(result.manifest, Manifest) else None
    return CanonicalInput(source.name, path, folder, manifest, _splits(folder))


def _is_mix(folder: Path) -> bool:
    try:
        data = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("kind") == "mix"


def _splits(folder: Path) -> dict[str, list[Path]]:
    return saved_split_files(folder)


def _manifest_of(folder: Path) -> Manifest | None:
    try:
        data = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SourceError(f"cannot read {MANIFEST_FILE} ({exc})", where=str(folder)) from None
    if isinstance(data, dict) and data.get("kind") == "mix":
        return None  # a mixture used as a source: its own manifest stays beside it
    try:
        return Manifest.model_validate(data)
    except ValueError:
        return None  # written by another prefdata version: the data is still canonical


@dataclass
class EvalPrompts:
    """The prompts of one evaluation set: (split, input row, prompt text) in order."""

    origin: str
    rows: list[tuple[str, int, str]]


def eval_prompts(path: str, base: Path) -> EvalPrompts:
    """Read an evaluation set's prompts: converted (pairs), a converted folder, or a file of prompts.

    Rows whose prompt cannot be indexed are never passed over in silence: a set with no prompt
    text at all is an error (decontaminating against it would do nothing), and rows lost on the
    way (dropped by a conversion, or without prompt text) are counted in a warning."""
    from prefdata._mix.pair_text import prompt_texts

    where = located(path, base, "evaluation set")
    try:
        tables, lost = _eval_tables(where)
    except DetectionError as refused:
        tables, lost = _prompt_only_tables(where, refused), {}
    rows: list[tuple[str, int, str]] = []
    for split, table in tables.items():
        texts = prompt_texts(table).to_pylist()
        source_rows = (
            table["source_row"].to_pylist() if "source_row" in table.column_names else range(len(texts))
        )
        rows.extend((split, int(r), t or "") for r, t in zip(source_rows, texts, strict=True))
    _check_prompts(path, rows, lost)
    return EvalPrompts(path, rows)  # named as the user wrote it


def _check_prompts(path: str, rows: list[tuple[str, int, str]], lost: dict[str, int]) -> None:
    blank = [(split, row) for split, row, text in rows if not text.strip()]
    if len(blank) == len(rows):
        dropped = sum(lost.values())
        parts = [f"{_count(len(blank), 'row')} without prompt text"] if blank else []
        parts += [f"{_count(dropped, 'row')} dropped by its conversion"] if dropped else []
        raise SpecError(
            f"evaluation set {path!r} gives no prompt to decontaminate against "
            f"({', '.join(parts) or 'no rows'})",
            fix="give an evaluation set whose `prompt` column holds text or messages",
        )
    problems = [
        f"{_count(n, 'row')} dropped by its conversion as {reason}" for reason, n in sorted(lost.items())
    ]
    if blank:
        split, row = blank[0]
        problems.append(f"{_count(len(blank), 'row')} with no prompt text (first: split {split} row {row})")
    if problems:
        warnings.warn(
            f"evaluation set {path!r}: rows not indexed for decontamination: {'; '.join(problems)}; "
            "training prompts matching only those rows are not found (give the raw evaluation set, "
            "or fix those rows)",
            PrefdataWarning,
            stacklevel=3,
        )


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _eval_tables(where: str) -> tuple[dict[str, pa.Table], dict[str, int]]:
    """The evaluation set's canonical tables, and its rows dropped by conversion (reason -> rows)."""
    if is_converted(where):
        folder = Path(where)
        manifest = _manifest_of(folder)
        tables = {
            split: pa.Table.from_batches(list(arrow_batches(files)), schema=_schema(files))
            for split, files in saved_split_files(folder).items()
        }
        return tables, _dropped(manifest)
    from prefdata._convert import convert

    result = convert(where, options=EVAL_OPTIONS)
    dataset = result.dataset
    manifest = result.manifest if isinstance(result.manifest, Manifest) else None
    return {split: dataset[split].data.table for split in dataset}, _dropped(manifest)


def _schema(files: list[Path]) -> pa.Schema:
    with pa.OSFile(str(files[0])) as handle:
        return pa.ipc.open_stream(handle).schema


def _dropped(manifest: Manifest | None) -> dict[str, int]:
    lost: dict[str, int] = {}
    for report in (manifest.splits if manifest is not None else {}).values():
        for reason, n in report.dropped.items():
            lost[reason] = lost.get(reason, 0) + n
    return lost


def arrow_batches(files: list[Path]) -> Iterator[pa.RecordBatch]:
    """The record batches of Arrow stream files, in order, each read into memory of its own (not
    mapped: the pages of a mapped file stay resident, so memory would grow with the source)."""
    for path in files:
        with pa.OSFile(str(path)) as handle:
            yield from pa.ipc.open_stream(handle)


def _prompt_only_tables(where: str, refused: DetectionError) -> dict[str, pa.Table]:
    """An evaluation file of prompts without pairs: its `prompt` column, rows numbered from 0."""
    from prefdata._sources import open_source

    source = open_source(where)
    if "prompt" not in source.columns:
        refused.fix = (
            "give evaluation sets as preference data, converted folders, or files with a `prompt` column"
        )
        raise refused
    out: dict[str, pa.Table] = {}
    for split, split_source in source.splits.items():
        prompts: list[str] = []
        for batch in split_source.iter_batches(columns=["prompt"]):
            prompts.extend(_prompt_text(row.get("prompt")) for row in batch)
        out[split] = pa.table({"prompt": pa.array(prompts, pa.large_string())})
    return out


def _prompt_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "\n".join(str(m.get("content") or "") for m in value if isinstance(m, dict))
    return ""

"""Orchestration of `prefdata convert`: source -> spec -> row conversion -> atomic write + report.

A split of columnar files whose layout the batch lane covers (the arena layout) is converted
by whole record batches on threads, with the row path's output (`prefdata.batched`). Any other
split of at least 20,000 rows read from Parquet, CSV or Arrow files is converted by worker
processes, with the same output byte for byte (`prefdata.parallel`). The environment variable
`PREFDATA_WORKERS` sets how many: 0 or 1 converts in this process; unset, min(CPUs, 4).
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from prefdata._version import __version__
from prefdata.detect import detect_layout
from prefdata.errors import RowError, SpecError
from prefdata.infer.guard import check_inferred_split
from prefdata.layouts import builtin_spec, builtin_specs, load_spec
from prefdata.records.manifest import DetectionResult, Manifest, Reject, SplitReport
from prefdata.records.mix import MixManifest
from prefdata.records.options import ConvertOptions
from prefdata.records.spec import Index, LayoutSpec
from prefdata.sinks import DiskSink, MemorySink, Sink
from prefdata.sources import Source, SplitSource, open_source
from prefdata.sources.jsonlines import FlawedRow
from prefdata.spec_columns import check_spec_columns
from prefdata.tables import rows_to_table
from prefdata.transforms.drops import Drop
from prefdata.transforms.fields import columns_read
from prefdata.transforms.notes import conversion_notes
from prefdata.transforms.pairs import RowConverter

FLUSH_ROWS = 4096  # input rows per Arrow batch written (fewer when rows are dropped)


@dataclass
class ConvertResult:
    """What `convert` returns: the canonical data, the manifest, and every dropped row."""

    manifest: Manifest | MixManifest  # a mixture's manifest for `prefdata.mix`
    in_memory: Any = None  # the DatasetDict when nothing was written
    kept_rejects: list[Reject] = field(default_factory=list)
    out_dir: Path | None = None

    @property
    def dataset(self) -> Any:
        """The canonical `DatasetDict` (loaded memory-mapped, on first use, when it was written)."""
        if self.in_memory is None and self.out_dir is not None:
            import datasets

            self.in_memory = datasets.load_from_disk(str(self.out_dir))
        return self.in_memory

    @property
    def rejects(self) -> list[Reject]:
        """Every dropped input row (read from `rejects.jsonl` when the output was written)."""
        path = self.out_dir / "rejects.jsonl" if self.out_dir else None
        if path is None or not path.exists():
            return self.kept_rejects
        import orjson

        with path.open("rb") as fh:
            return [Reject.model_validate(orjson.loads(line)) for line in fh if line.strip()]


def detect(
    source: Any, *, split: str | None = None, subset: str | None = None, sample_size: int = 200
) -> DetectionResult:
    """Detect the layout of a path, Hub id or in-memory dataset, with the evidence."""
    src = open_source(source, split=split, subset=subset)
    return _detect(src, sample_size)


def _detect(src: Source, sample_size: int = 200) -> DetectionResult:
    first = next(iter(src.splits.values()))
    return detect_layout(src.columns, first.sample(sample_size), builtin_specs())


def resolve_spec(
    spec: LayoutSpec | DetectionResult | str | Path | None, src: Source
) -> tuple[LayoutSpec, DetectionResult | None]:
    """The spec to apply: given (object, file or built-in name) or detected."""
    if isinstance(spec, LayoutSpec):
        return spec, None
    if isinstance(spec, DetectionResult):  # what `detect` returned, inferred or built-in
        return (spec.inference.spec if spec.inference else builtin_spec(spec.layout)), spec
    if spec is not None:
        path = Path(spec)
        return (
            load_spec(path)
            if path.suffix in (".yaml", ".yml", ".json") or path.exists()
            else builtin_spec(str(spec))
        ), None
    found = _detect(src)
    return (found.inference.spec if found.inference else builtin_spec(found.layout)), found


def check_columns(spec: LayoutSpec, src: Source) -> None:
    """A spec given by the user must fit the source's columns: say so before converting anything."""
    missing = [c for c in spec.match.columns if c not in src.columns]
    if missing:
        raise SpecError(
            f"layout `{spec.name}` needs column(s) {', '.join(f'`{c}`' for c in missing)}, which the source "
            f"lacks (it has {', '.join(f'`{c}`' for c in src.columns)})",
            where=src.description,
            fix="check the spec's `match.columns`, or let prefdata detect the layout",
        )
    _check_case_clashes(spec, src)


def _check_case_clashes(spec: LayoutSpec, src: Source) -> None:
    """Refuse `chosen` beside `Chosen`: which one the user meant is a guess, and the other would be lost."""
    responses = [*spec.responses.columns, spec.responses.list_column or ""] if spec.responses else []
    read = {c.split(".")[0] for c in [*spec.match.columns, *responses]}
    read |= {p.column.split(".")[0] for p in spec.prompt if p.column}
    by_fold: dict[str, list[str]] = {}
    for column in src.columns:
        by_fold.setdefault(column.casefold(), []).append(column)
    for names in by_fold.values():
        if len(names) > 1 and read.intersection(names):
            raise SpecError(
                f"columns {' and '.join(f'`{n}`' for n in names)} differ only in case; layout `{spec.name}` "
                "reads one of them and would ignore the other",
                where=src.description,
                fix="rename or remove one of them",
            )


def check_options(spec: LayoutSpec, options: ConvertOptions) -> None:
    """Options that cannot apply to this spec are errors, not silently ignored."""
    if options.axis is None:
        return
    pref = spec.preference
    if not isinstance(pref, Index):
        raise SpecError(
            f"--axis {options.axis!r} given, but layout `{spec.name}` has a single preference axis",
            fix="drop --axis",
        )
    if options.axis not in pref.axes:
        raise SpecError(
            f"unknown axis {options.axis!r} for layout `{spec.name}`",
            fix=f"use one of: {', '.join(pref.axes)}",
        )


def convert(
    source: Any,
    out_dir: str | Path | None = None,
    *,
    spec: LayoutSpec | DetectionResult | str | Path | None = None,
    options: ConvertOptions | None = None,
    split: str | None = None,
    subset: str | None = None,
    overwrite: bool = False,
    progress: bool = False,
) -> ConvertResult:
    """Convert a preference source into the canonical dataset.

    `source` is a file, a folder, a `save_to_disk` folder, a Hub id, or an in-memory
    `Dataset`/`DatasetDict`/`IterableDataset`. With `out_dir`, the dataset is written there
    atomically (with `prefdata.json` and `rejects.jsonl`) and loaded back memory-mapped;
    without it, nothing touches disk.
    """
    options = options or ConvertOptions()
    src = open_source(source, split=split, subset=subset)
    layout, detection = resolve_spec(spec, src)
    check_columns(layout, src)
    check_options(layout, options)
    check_spec_columns(layout, src, options)
    manifest = Manifest(
        prefdata_version=__version__,
        source=src.description,
        source_fingerprint=src.fingerprint,
        layout=layout.name,
        spec=layout,
        options=options,
        detection=detection,
        format="",
        prompt="",
    )
    sink = DiskSink(out_dir, overwrite, src.paths) if out_dir is not None else MemorySink()
    with sink:
        for name, split_src in src.splits.items():
            manifest.splits[name] = _convert_split(
                split_src, RowConverter(layout, options, src.columns), sink, progress
            )
            if detection is not None and detection.inference is not None:
                check_inferred_split(name, manifest.splits[name], detection.inference)
        manifest.notes += conversion_notes(layout, options, src.columns, manifest.splits)
        _describe_output(manifest, sink.schema)
        dataset = sink.finish(manifest)
    return ConvertResult(manifest=manifest, in_memory=dataset, kept_rejects=sink.rejects, out_dir=sink.path)


def _convert_split(src: SplitSource, converter: RowConverter, sink: Sink, progress: bool) -> SplitReport:
    """Convert one split, counting every input row as used or rejected (with its reason).

    Rows stream through, except for a flat message table (`message_tree`, `structure: flat`):
    its trees span rows, so that layout alone holds the whole split in memory (see `_units`).
    A large split of columnar files is converted in chunks by worker processes (see
    `prefdata.parallel`); the output is the same, byte for byte.
    """
    from prefdata import batched, parallel

    plan = batched.plan_for(src, converter)
    if plan is not None:
        tally = batched.convert_batched(src, plan, sink, progress, parallel.configured_workers())
    elif (workers := parallel.workers_for(src, converter)) > 1:
        tally = parallel.convert_parallel(src, converter, sink, progress, workers)
    else:
        tally = convert_units(_units(src, converter, progress), converter, src, sink.write, sink.reject)
    if not tally.wrote:
        sink.write(src.name, None)
    report = SplitReport(
        rows_in=tally.rows_in,
        rows_out=tally.rows_out,
        dropped=dict(sorted(tally.dropped.items())),
        pairs_dropped=dict(sorted(converter.pair_drops.items())),
    )
    converter.pair_drops.clear()
    return report


@dataclass
class Tally:
    """What converting some units of a split gave: counts, and whether any table was written."""

    rows_in: int = 0
    rows_out: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    wrote: bool = False


Unit = tuple[list[int], "dict[str, Any] | Drop", int]


def convert_units(
    units: Iterable[Unit],
    converter: RowConverter,
    src: SplitSource,
    write: Callable[[str, pa.Table], None],
    reject: Callable[[dict[str, Any]], None],
    first: int = 0,
) -> Tally:
    """Convert `units` (input rows from `first` on), writing a table at every `FLUSH_ROWS`-th input row.

    Tables end where the input row number reaches a multiple of `FLUSH_ROWS`, whatever the
    rows before gave: a chunk that starts at such a multiple gives the tables the whole split
    would, which keeps parallel output identical to this sequential loop's.
    """
    tally, out = Tally(), []
    flush_at = (first // FLUSH_ROWS + 1) * FLUSH_ROWS
    for indices, row, index in units:
        out += convert_unit(converter, src, indices, row, index, tally, reject)
        if first + tally.rows_in >= flush_at:
            flush_at = ((first + tally.rows_in) // FLUSH_ROWS + 1) * FLUSH_ROWS
            if out:
                write(src.name, rows_to_table(out))
                out, tally.wrote = [], True
    if out:
        write(src.name, rows_to_table(out))
        tally.wrote = True
    return tally


def convert_unit(
    converter: RowConverter,
    src: SplitSource,
    indices: list[int],
    row: dict[str, Any] | Drop,
    index: int,
    tally: Tally,
    reject: Callable[[dict[str, Any]], None],
) -> list[dict[str, Any]]:
    """The output rows of one unit (none when it is dropped: then each of its input rows is rejected)."""
    tally.rows_in += len(indices)
    try:
        if isinstance(row, Drop):
            raise row
        produced = converter.convert(row, src.name, index)
    except Drop as drop:
        tally.dropped[drop.reason] += len(indices)
        for i in indices:  # a dropped tree rejects every row it was built from
            reject({"split": src.name, "source_row": i, "reason": drop.reason, "detail": drop.detail})
        return []
    except RowError as exc:
        exc.where = f"{src.origin}, split {src.name}, {exc.where}"
        raise
    if getattr(converter.spec.preference, "structure", None) == "flat":
        for out in produced:  # built from several input rows (a whole tree): name them all
            out["source_rows"] = sorted(indices)
    tally.rows_out += len(produced)
    return produced


def _units(
    src: SplitSource, converter: RowConverter, progress: bool
) -> Iterator[tuple[list[int], dict[str, Any] | Drop, int]]:
    """What `_convert_split` converts: (input rows it accounts for, the row or why it is dropped, its index).

    Each row is its own unit, except in a flat message table: there the whole split is read
    into memory (memory grows with the split, for this layout only), each assembled tree is
    one unit numbered by its root's row, and rows in no tree are dropped as orphans.
    """
    if getattr(converter.spec.preference, "structure", None) != "flat":
        # only the columns the spec reads: the others are never decoded or turned into Python
        for index, row in _rows(src, progress, columns_read(converter.spec)):
            yield [index], _flaw(row) or row, index
        return
    from prefdata.transforms.message_tree import assemble_flat

    rows = [row for _, row in _rows(src, progress)]
    in_tree: set[int] = set()
    for tree, indices in assemble_flat([{} if _flaw(row) else row for row in rows]):
        in_tree.update(indices)
        yield indices, tree, indices[0]
    for index in (i for i in range(len(rows)) if i not in in_tree):
        row = rows[index]
        if flaw := _flaw(row):  # a flawed row is in no tree: its own problem, not an orphan
            yield [index], flaw, index
            continue
        detail = (
            f"parent {row.get('parent_id')!r} of message {row.get('message_id')!r} "
            "is not reachable from a root message in this split"
        )
        yield [index], Drop("orphan_message", detail), index


def _flaw(row: dict[str, Any]) -> Drop | None:
    """Why a row the reader flagged (a repeated JSON key) cannot be used; None for a sound row."""
    return Drop(row.reason, row.detail) if isinstance(row, FlawedRow) else None


def _rows(
    src: SplitSource, progress: bool, columns: list[str] | None = None
) -> Iterator[tuple[int, dict[str, Any]]]:
    bar = None
    if progress and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=src.num_rows, desc=f"convert {src.name}", unit="row", file=sys.stderr)
    index = 0
    for batch in src.iter_batches(columns=columns):
        for row in batch:
            yield index, row
            index += 1
        if bar is not None:
            bar.update(len(batch))
    if bar is not None:
        bar.close()


def _describe_output(manifest: Manifest, schema: pa.Schema | None) -> None:
    if schema is None:
        # no row was written: the output has no shape to describe, and guessing one would be false
        manifest.format, manifest.prompt = "unknown", "unknown"
        return
    manifest.columns = schema.names
    manifest.prompt = "explicit" if "prompt" in schema.names else "implicit"
    manifest.format = "standard" if pa.types.is_string(schema.field("chosen").type) else "conversational"

"""Orchestration of `prefdata convert`: source -> spec -> engine -> atomic write + report.

Each split is converted by the engine (`prefdata._engine`), which picks the strategy (the row
path, the batch lane on threads, or worker processes) from the split and the `workers` and
`batch` arguments; every strategy gives the same output, byte for byte.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
from pydantic import ValidationError

from prefdata._canonical_folder import REJECTS_FILE
from prefdata._detect import detect_layout
from prefdata._engine.split import convert_split, resolve_workers
from prefdata._engine.work import Converted
from prefdata._errors import PrefdataError, SpecError
from prefdata._infer.guard import check_inferred_split
from prefdata._layouts import builtin_spec, builtin_specs, load_spec
from prefdata._sinks import DiskSink, MemorySink
from prefdata._sources import Source, open_source
from prefdata._spec_columns import check_spec_columns
from prefdata._transforms.late_columns import column_key, shown, spec_columns
from prefdata._transforms.notes import conversion_notes
from prefdata._transforms.pairs import RowConverter
from prefdata._version import __version__
from prefdata.records.manifest import DetectionResult, Manifest, Reject, SplitReport
from prefdata.records.mix import MixManifest
from prefdata.records.options import ConvertOptions
from prefdata.records.spec import Index, LayoutSpec


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
        path = self.out_dir / REJECTS_FILE if self.out_dir else None
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
    """Refuse `chosen` beside `Chosen` or `chosen `: which one the user meant is a guess, and the other
    would be lost."""
    read = spec_columns(spec)
    by_key: dict[str, list[str]] = {}
    for column in src.columns:
        by_key.setdefault(column_key(column), []).append(column)
    for names in by_key.values():
        if len(names) > 1 and read.intersection(names):
            raise SpecError(
                f"columns {' and '.join(map(shown, names))} differ only in case, white space or invisible "
                f"characters; layout `{spec.name}` reads one of them and would ignore the other",
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
    options: ConvertOptions | Mapping[str, Any] | None = None,
    split: str | None = None,
    subset: str | None = None,
    overwrite: bool = False,
    progress: bool = False,
    workers: int | None = None,
    batch: bool = True,
) -> ConvertResult:
    """Convert a preference source into the canonical dataset.

    `source` is a file, a folder, a `save_to_disk` folder, a Hub id, or an in-memory
    `Dataset`/`DatasetDict`/`IterableDataset`. With `out_dir`, the dataset is written there
    atomically (with `prefdata.json` and `rejects.jsonl`) and loaded back memory-mapped;
    without it, nothing touches disk.

    `workers` and `batch` choose how, never what: the output is the same, byte for byte.
    `workers` threads (batch lane) or processes (large columnar splits) convert a split; 0 or 1
    converts in this thread, None uses min(CPUs, 4). `batch=False` turns the batch lane off
    (every row then takes the row path). See `prefdata._engine`.
    """
    options = _checked_arguments(spec, options, overwrite=overwrite, progress=progress, batch=batch)
    threads = resolve_workers(workers)
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
    converter = RowConverter(layout, options, src.columns)  # configuration only: shared by every split
    with sink:
        for name, split_src in src.splits.items():
            counts = convert_split(
                split_src, converter, sink, workers=threads, batch=batch, progress=progress
            )
            manifest.splits[name] = _split_report(counts)
            if detection is not None and detection.inference is not None:
                check_inferred_split(name, manifest.splits[name], detection.inference)
        manifest.notes += conversion_notes(layout, options, src.columns, manifest.splits)
        _describe_output(manifest, sink.schema)
        dataset = sink.finish(manifest)
    return ConvertResult(manifest=manifest, in_memory=dataset, kept_rejects=sink.rejects, out_dir=sink.path)


def _checked_arguments(spec: object, options: object, **flags: object) -> ConvertOptions:
    """The options `convert` was given (a mapping is read as `ConvertOptions` fields), after
    refusing arguments of the wrong type, which would otherwise fail deep inside or, for a flag,
    be read by its truth (`batch="no"` is true)."""
    if spec is not None and not isinstance(spec, LayoutSpec | DetectionResult | str | Path):
        raise PrefdataError(
            f"spec={spec!r} is a {type(spec).__name__}",
            fix="pass a LayoutSpec, a DetectionResult (from prefdata.detect), a spec file path, "
            "a built-in layout name, or None (detect the layout)",
        )
    for name, value in flags.items():
        if not isinstance(value, bool):
            raise PrefdataError(
                f"{name}={value!r} is not True or False", fix=f"pass {name}=True or {name}=False"
            )
    if options is None:
        return ConvertOptions()
    if isinstance(options, Mapping):
        try:
            return ConvertOptions.model_validate(dict(options))
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'options'}: {e['msg']}" for e in exc.errors()
            )
            raise PrefdataError(
                f"options: {problems}", fix="see prefdata.ConvertOptions for the fields and their values"
            ) from None
    if not isinstance(options, ConvertOptions):
        raise PrefdataError(
            f"options={options!r} is a {type(options).__name__}",
            fix="pass a prefdata.ConvertOptions, a dict of its fields, or None",
        )
    return options


def _split_report(counts: Converted) -> SplitReport:
    return SplitReport(
        rows_in=counts.rows_in,
        rows_out=counts.rows_out,
        dropped=dict(sorted(counts.dropped.items())),
        pairs_dropped=dict(sorted(counts.pair_drops.items())),
    )


def _describe_output(manifest: Manifest, schema: pa.Schema | None) -> None:
    if schema is None:
        # no row was written: the output has no shape to describe, and guessing one would be false
        manifest.format, manifest.prompt = "unknown", "unknown"
        return
    manifest.columns = schema.names
    manifest.prompt = "explicit" if "prompt" in schema.names else "implicit"
    manifest.format = "standard" if pa.types.is_string(schema.field("chosen").type) else "conversational"

"""`prefdata mix`: several sources -> one canonical dataset, deduplicated and decontaminated.

The steps, always in this order:

1. **convert** each source (or read a converted folder as it is);
2. **dedup**: a pair (or, with `dedup: prompts`, a prompt) seen in an earlier source, or earlier
   in the same source, is dropped as `duplicate`, naming the source that kept it;
3. **decontaminate**: a pair whose prompt shares an n-gram with an evaluation prompt is dropped
   as `contaminated` (listed in `contamination.jsonl` with the evaluation row and the n-gram);
4. **take** each source's share of what is left (seeded), so `take` counts clean pairs.

Output rows keep their source's order, sources in recipe order, with a `source` column beside
`source_row`. `rejects.jsonl` lists each source's dropped input rows (with `source`) and each
dropped pair; pairs left out by `take` are counted, not listed.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import xxhash

from prefdata._errors import PrefdataError, SpecError
from prefdata._mix.inputs import CanonicalInput, located, prepare
from prefdata._mix.ngram_index import NgramIndex, build_index
from prefdata._mix.output_splits import CONTAMINATION_FILE, check_split_names, empty_split_notes
from prefdata._mix.selection import Scanned, choose, mark_duplicates, scan
from prefdata._pids import pid_alive
from prefdata._sources.saved import arrow_rows
from prefdata._version import __version__
from prefdata.records.manifest import Reject, SplitReport
from prefdata.records.mix import MixManifest, Recipe, SourceReport, SourceSplitReport


def run_mix(
    recipe: Recipe,
    base: Path,
    out_dir: str | Path | None,
    overwrite: bool,
    workers: int,
    convert_settings: dict[str, Any] | None = None,
) -> Any:
    """Build the mixture; see `prefdata._mix.mix` for the public entry point. `convert_settings`:
    `workers` and `batch` for converting raw sources."""
    from prefdata._convert import ConvertResult
    from prefdata._writer import CanonicalWriter

    for source in recipe.sources:  # before any work: a name clash would only show at the end
        check_split_names(str(source.name), (source.splits or {}).values())
    index = None
    if recipe.decontaminate is not None:
        index = build_index(recipe.decontaminate.against, recipe.decontaminate.ngram, base)
    target = Path(out_dir) if out_dir is not None else None
    writer = (
        CanonicalWriter(target, overwrite=overwrite, inputs=_local_inputs(recipe, base))
        if target is not None
        else MemoryWriter()
    )
    with writer:
        scratch = writer.staging / ".sources"  # inside staging: a killed run's leftovers go with it
        scratch.mkdir()
        settings = convert_settings or {}
        inputs = [
            prepare(source, base, scratch, number, **settings) for number, source in enumerate(recipe.sources)
        ]
        shape = _harmonise(inputs)
        scans = _scan_all(recipe, inputs, index, workers)
        mark_duplicates(scans, recipe.dedup)
        for s in scans:
            choose(s, recipe.sources[s.source].take, recipe.seed, _take_error)
        manifest = _manifest(recipe, inputs, scans, index, shape)
        manifest.notes += empty_split_notes(manifest)
        manifest.columns = _write(writer, inputs, scans, shape)
        _write_rejects(writer, recipe, inputs, scans)
        shutil.rmtree(scratch)
        writer.commit(manifest.model_dump_json(indent=2))
    if isinstance(writer, MemoryWriter):
        return ConvertResult(
            manifest=manifest, in_memory=writer.dataset(), kept_rejects=writer.kept_rejects()
        )
    return ConvertResult(manifest=manifest, out_dir=target)


def _local_inputs(recipe: Recipe, base: Path) -> list[Path]:
    """The recipe's sources and evaluation sets that are local paths: an overwritten output must hold none."""
    paths = [source.path for source in recipe.sources]
    paths += recipe.decontaminate.against if recipe.decontaminate is not None else []
    return [Path(p) for p in (located(path, base) for path in paths) if Path(p).exists()]


def _remove_stale_scratch() -> None:
    """Scratch folders of in-memory mixes whose process is gone (killed before it could clean up)."""
    for entry in Path(tempfile.gettempdir()).glob("prefdata-mix-*-*"):
        pid = entry.name.split("-")[2]
        if pid.isdigit() and not pid_alive(int(pid)):
            shutil.rmtree(entry, ignore_errors=True)


class MemoryWriter:
    """What `run_mix` writes to when no output folder is given: tables in memory, scratch in a temp folder."""

    def __init__(self) -> None:
        _remove_stale_scratch()
        self.staging = Path(tempfile.mkdtemp(prefix=f"prefdata-mix-{os.getpid()}-"))
        self.tables: dict[str, list[pa.Table]] = {}
        self.rejects: list[dict[str, Any]] = []

    def __enter__(self) -> MemoryWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)

    def write(self, split: str, table: pa.Table) -> None:
        self.tables.setdefault(split, []).append(table)

    def add_rejects(self, rejects: list[dict[str, Any]]) -> None:
        self.rejects.extend(rejects)

    def commit(self, manifest_json: str) -> None:
        """Nothing to publish: the data stays in memory."""

    def dataset(self) -> Any:
        import datasets

        return datasets.DatasetDict(
            {
                split: datasets.Dataset(
                    datasets.table.InMemoryTable(pa.concat_tables(tables, promote_options="default"))
                )
                for split, tables in self.tables.items()
            }
        )

    def kept_rejects(self) -> list[Reject]:
        return [Reject.model_validate(r) for r in self.rejects]


def _scan_all(
    recipe: Recipe, inputs: list[CanonicalInput], index: NgramIndex | None, workers: int
) -> list[Scanned]:
    scans = []
    for number, (source, canonical) in enumerate(zip(recipe.sources, inputs, strict=True)):
        mapping = source.splits or {split: split for split in canonical.split_files}
        check_split_names(canonical.name, mapping.values())
        unknown = [split for split in mapping if split not in canonical.split_files]
        if unknown:
            raise SpecError(
                f"source {canonical.name!r} has no split {', '.join(map(repr, unknown))}; "
                f"its splits are {', '.join(map(repr, canonical.split_files))}",
                fix="correct `splits` in the recipe",
            )
        for split, output_split in mapping.items():
            scans.append(
                scan(
                    number,
                    canonical.name,
                    split,
                    output_split,
                    canonical.batches(split),
                    recipe.dedup,
                    index,
                    workers,
                )
            )
    return scans


def _take_error(scan: Scanned, count: int, available: int) -> Exception:
    where = f"source {scan.source_name!r}, split {scan.split!r}"
    if count == 0:
        return PrefdataError(
            f"{where}: `take` comes to 0 of the {available:,} pairs left after dedup and decontamination",
            fix="take a larger share, or a count of at least 1",
        )
    return PrefdataError(
        f"{where}: `take` asks for {count:,} pairs, but only {available:,} are left after dedup and decontamination",
        fix=f"take at most {available:,} (or a share such as 0.5)"
        if available
        else "remove this source or its `take`",
    )


def _shape(canonical: CanonicalInput) -> tuple[str, str, list[str]]:
    """(format, prompt shape, columns) of a canonical input, from the schema of its first file."""
    files = [f for fs in canonical.split_files.values() for f in fs]
    schema = pa.ipc.open_stream(pa.memory_map(str(files[0]))).schema
    chosen = schema.field("chosen").type
    fmt = "standard" if pa.types.is_string(chosen) or pa.types.is_large_string(chosen) else "conversational"
    return fmt, "explicit" if "prompt" in schema.names else "implicit", schema.names


@dataclass
class Shape:
    """What the output looks like: one format and prompt shape; margin only when every source has one."""

    format: str
    prompt: str
    keep_margin: bool
    has_tie: bool
    notes: list[str]


def _rows(canonical: CanonicalInput) -> int:
    return sum(arrow_rows(files) for files in canonical.split_files.values())


def _harmonise(inputs: list[CanonicalInput]) -> Shape:
    """The output's shape; sources of different shapes are refused (one dataset holds one shape)."""
    notes: list[str] = []
    # a source that gave no pair has no shape to agree on (its empty schema is a placeholder)
    shapes = {c.name: _shape(c) for c in inputs if _rows(c)} or {c.name: _shape(c) for c in inputs[:1]}
    kinds = {(fmt, prompt) for fmt, prompt, _ in shapes.values()}
    if len(kinds) > 1:
        listed = "; ".join(f"{name}: {fmt}, {prompt} prompt" for name, (fmt, prompt, _) in shapes.items())
        raise SpecError(
            f"the sources have different shapes ({listed}); one dataset holds one shape",
            fix="give every source the same `options: {format: ..., prompt: ...}` "
            "(a converted folder: convert it again with those options)",
        )
    with_margin = [name for name, (_, _, columns) in shapes.items() if "margin" in columns]
    keep_margin = len(with_margin) == len(shapes)
    if with_margin and not keep_margin:
        without = [name for name in shapes if name not in with_margin]
        notes.append(
            f"margin: not written, because source(s) {', '.join(without)} have none "
            "(a margin column must hold a number on every row)"
        )
    has_tie = any("tie" in columns for _, _, columns in shapes.values())
    fmt, prompt = next(iter(kinds))
    if not any(_rows(c) for c in inputs):  # a placeholder schema: no shape to describe (as convert says)
        fmt, prompt = "unknown", "unknown"
    return Shape(fmt, prompt, keep_margin, has_tie, notes)


def _manifest(
    recipe: Recipe, inputs: list[CanonicalInput], scans: list[Scanned], index: NgramIndex | None, shape: Shape
) -> MixManifest:
    fingerprint = xxhash.xxh3_128(recipe.model_dump_json().encode())
    for source, canonical in zip(recipe.sources, inputs, strict=True):
        fingerprint.update(
            (canonical.manifest.source_fingerprint if canonical.manifest else source.path).encode()
        )
    manifest = MixManifest(
        prefdata_version=__version__,
        recipe=recipe.model_dump(mode="json"),
        source_fingerprint=fingerprint.hexdigest(),
        format=shape.format,
        prompt=shape.prompt,
        eval_prompts=index.prompts if index is not None else 0,
        notes=list(shape.notes),
    )
    names = [c.name for c in inputs]
    for source, canonical in zip(recipe.sources, inputs, strict=True):  # paths as the recipe writes them
        manifest.sources[canonical.name] = SourceReport(path=source.path, converted=canonical.manifest)
    for s in scans:
        manifest.sources[s.source_name].splits[s.split] = _split_report(s, scans, names)
        total = manifest.splits.setdefault(s.output_split, SplitReport())
        report = manifest.sources[s.source_name].splits[s.split]
        total.rows_in += report.pairs_in
        total.rows_out += report.taken
        for reason, count in report.dropped.items():
            total.dropped[reason] = total.dropped.get(reason, 0) + count
        if report.not_taken:
            total.pairs_dropped["not_taken"] = total.pairs_dropped.get("not_taken", 0) + report.not_taken
    return manifest


def _split_report(s: Scanned, scans: list[Scanned], names: list[str]) -> SourceSplitReport:
    assert s.duplicate_of is not None and s.selected is not None
    duplicate = s.duplicate_of >= 0
    contaminated = sum(1 for i in s.contaminated if not duplicate[i])
    keepers = Counter(_locate(scans, int(p))[0].source for p in s.duplicate_of[duplicate])
    dropped = {"duplicate": int(duplicate.sum()), "contaminated": contaminated}
    taken = int(s.selected.sum())
    return SourceSplitReport(
        output_split=s.output_split,
        pairs_in=s.pairs,
        dropped={reason: n for reason, n in dropped.items() if n},
        duplicates_of={names[owner]: n for owner, n in sorted(keepers.items())},
        not_taken=s.pairs - int(duplicate.sum()) - contaminated - taken,
        taken=taken,
    )


def _locate(scans: list[Scanned], position: int) -> tuple[Scanned, int]:
    """The scan holding a global position (as `mark_duplicates` numbers pairs) and the index in it."""
    for s in scans:
        if position < s.pairs:
            return s, position
        position -= s.pairs
    raise IndexError(position)


def _write(writer: Any, inputs: list[CanonicalInput], scans: list[Scanned], shape: Shape) -> list[str]:
    """Write the selected pairs, source by source in recipe order; return the output's columns.

    Every output split is written, also one no pair reached (a source split converted to no
    rows has no batch at all): an empty table with the output's columns."""
    written: dict[str, pa.Schema] = {}
    columns: list[str] = []
    for s in scans:
        assert s.selected is not None
        start = 0
        for batch in inputs[s.source].batches(s.split):
            mask = pa.array(s.selected[start : start + batch.num_rows])
            start += batch.num_rows
            table = _with_source(pa.Table.from_batches([batch]).filter(mask), s.source_name, s.split, shape)
            if table.num_rows or s.output_split not in written:
                writer.write(s.output_split, table)
                written.setdefault(s.output_split, table.schema)
                columns += [c for c in table.column_names if c not in columns]
    for s in scans:
        if s.output_split not in written:
            schema = next(iter(written.values()), None) or _empty_schema(inputs[s.source], s, shape)
            writer.write(s.output_split, schema.empty_table())
            written[s.output_split] = schema
    return columns


def _empty_schema(canonical: CanonicalInput, s: Scanned, shape: Shape) -> pa.Schema:
    """The columns of a split with no rows in any source: its Arrow file's, with the mix's own."""
    with pa.OSFile(str(canonical.split_files[s.split][0])) as handle:
        schema = pa.ipc.open_stream(handle).schema
    return _with_source(schema.empty_table(), s.source_name, s.split, shape).schema


def _with_source(table: pa.Table, name: str, split: str, shape: Shape) -> pa.Table:
    """A source's table as the output holds it: `source`, `source_split` and `source_row` together
    (two source splits may go to one output split), margin and tie aligned."""
    if not shape.keep_margin and "margin" in table.column_names:
        table = table.drop_columns(["margin"])
    if shape.has_tie and "tie" not in table.column_names:  # a source without the column kept no tie
        table = table.append_column("tie", pa.array([False] * table.num_rows, pa.bool_()))
    at = table.column_names.index("source_row") if "source_row" in table.column_names else table.num_columns
    table = table.add_column(at, "source_split", pa.array([split] * table.num_rows, pa.string()))
    return table.add_column(at, "source", pa.array([name] * table.num_rows, pa.string()))


def _write_rejects(writer: Any, recipe: Recipe, inputs: list[CanonicalInput], scans: list[Scanned]) -> None:
    """Each source's own rejects (row drops of its conversion), then every pair dropped by the mix."""
    from prefdata._canonical_folder import REJECTS_FILE

    for canonical in inputs:
        path = canonical.folder / REJECTS_FILE
        if path.is_file():
            with path.open("rb") as fh:
                rows = [orjson.loads(line) for line in fh if line.strip()]
            writer.add_rejects([{**row, "source": canonical.name} for row in rows])
    names = [c.name for c in inputs]
    contamination: list[dict[str, Any]] = []
    for s in scans:
        assert s.duplicate_of is not None
        rejects = []
        # only the dropped pairs, in order (a loop over every pair would be Python work per pair)
        dropped = sorted({*np.flatnonzero(s.duplicate_of >= 0).tolist(), *s.contaminated})
        for i in dropped:
            keeper = int(s.duplicate_of[i])
            if keeper >= 0:
                kept, at = _locate(scans, keeper)
                what = "prompt" if recipe.dedup == "prompts" else "pair"
                detail = (
                    f"same {what} as {names[kept.source]} split {kept.split} row {int(kept.source_rows[at])}"
                )
                rejects.append(_reject(s, i, "duplicate", detail))
            elif i in s.contaminated:
                hit = s.contaminated[i]
                rejects.append(
                    _reject(
                        s,
                        i,
                        "contaminated",
                        f"shares {hit.ngram!r} with {hit.eval_row.origin} "
                        f"split {hit.eval_row.split} row {hit.eval_row.row}",
                    )
                )
                contamination.append(
                    {
                        "source": s.source_name,
                        "split": s.split,
                        "source_row": int(s.source_rows[i]),
                        "eval_file": hit.eval_row.origin,
                        "eval_split": hit.eval_row.split,
                        "eval_row": hit.eval_row.row,
                        "ngram": hit.ngram,
                    }
                )
        if rejects:
            writer.add_rejects(rejects)
    if contamination:
        (writer.staging / CONTAMINATION_FILE).write_bytes(
            b"".join(orjson.dumps(r) + b"\n" for r in contamination)
        )


def _reject(s: Scanned, i: int, reason: str, detail: str) -> dict[str, Any]:
    return {
        "split": s.split,
        "source_row": int(s.source_rows[i]),
        "reason": reason,
        "detail": detail,
        "source": s.source_name,
    }

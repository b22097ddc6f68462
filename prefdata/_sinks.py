"""Where converted tables go: kept in memory (a `DatasetDict`) or streamed to the atomic writer.

Both keep the first non-empty schema, so an empty split is written with the columns of the
others; the memory sink also keeps the rejects, the disk sink streams them to `rejects.jsonl`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from prefdata.records.manifest import Manifest, Reject

# the columns of an output with no row at all (every input row dropped)
EMPTY_SCHEMA = pa.schema([("chosen", pa.string()), ("rejected", pa.string()), ("source_row", pa.int64())])


class Sink:
    """Where converted tables go; keeps the rejects and the first non-empty schema."""

    path: Path | None = None

    def __init__(self) -> None:
        self.rejects: list[Reject] = []
        self.schema: pa.Schema | None = None

    def __enter__(self) -> Sink:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        return None

    def reject(self, reject: dict[str, Any]) -> None:
        self.rejects.append(Reject.model_validate(reject))

    def reject_many(self, rejects: list[dict[str, Any]]) -> None:
        """Record dropped rows, in order."""
        for reject in rejects:
            self.reject(reject)

    def write(self, split: str, table: pa.Table | None) -> None:
        if table is not None and table.num_rows and self.schema is None:
            self.schema = table.schema

    def finish(self, manifest: Manifest) -> Any:
        raise NotImplementedError

    def transient_paths(self) -> list[str]:
        """Folders holding unfinished output, for helpers to remove if this process dies first."""
        return []


class MemorySink(Sink):
    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[pa.Table]] = {}

    def write(self, split: str, table: pa.Table | None) -> None:
        super().write(split, table)
        self.tables.setdefault(split, [])
        if table is not None:
            self.tables[split].append(table)

    def finish(self, manifest: Manifest) -> Any:
        import datasets

        out = {}
        for split, tables in self.tables.items():
            empty = (self.schema or EMPTY_SCHEMA).empty_table()
            table = pa.concat_tables(tables, promote_options="default") if tables else empty
            out[split] = datasets.Dataset(datasets.table.InMemoryTable(table))
        return datasets.DatasetDict(out)


class DiskSink(Sink):
    def __init__(self, out_dir: str | Path, overwrite: bool, inputs: Sequence[Path] = ()) -> None:
        """`inputs`: the files and folders being read (an output holding one is never replaced)."""
        super().__init__()
        from prefdata._writer import CanonicalWriter

        self.writer = CanonicalWriter(out_dir, overwrite=overwrite, inputs=inputs)
        self.path = Path(out_dir)
        self.pending_empty: list[str] = []

    def __enter__(self) -> DiskSink:
        self.writer.__enter__()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        self.writer.__exit__(exc_type, None, None)  # aborts unless committed: nothing half-written

    def transient_paths(self) -> list[str]:
        return [str(self.writer.staging)]

    def reject(self, reject: dict[str, Any]) -> None:
        self.writer.add_reject(reject)  # streamed to rejects.jsonl, not kept in memory

    def reject_many(self, rejects: list[dict[str, Any]]) -> None:
        self.writer.add_rejects(rejects)

    def write(self, split: str, table: pa.Table | None) -> None:
        super().write(split, table)
        if table is None:
            self.pending_empty.append(split)
        else:
            self.writer.write(split, table)

    def finish(self, manifest: Manifest) -> Any:
        for split in self.pending_empty:
            self.writer.write(split, (self.schema or EMPTY_SCHEMA).empty_table())
        self.writer.commit(manifest.model_dump_json(indent=2))
        return None  # ConvertResult.dataset loads it when asked

"""Which pairs of a mixture survive: dedup (earlier sources win), decontamination, then `take`.

Each pair is scanned once, in recipe order: its normalised texts give a 64-bit dedup key (xxh3)
and its prompt is looked up in the evaluation n-gram index. Per pair the scan keeps 8 bytes of
key and 8 of source row; the texts are not kept. Duplicates are found afterwards, over all keys
at once (a stable sort), so the first occurrence in recipe order is the one that stays.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import xxhash

from prefdata._mix.ngram_index import Contamination, NgramIndex
from prefdata._mix.pair_text import dedup_texts, prompt_texts
from prefdata._mix.textnorm import normalise


@dataclass
class Scanned:
    """One split of one source after the scan: a key and a source row per pair, and what matched."""

    source: int
    source_name: str
    split: str
    output_split: str
    keys: np.ndarray
    source_rows: np.ndarray
    empty: np.ndarray  # per pair: its dedup text is empty, so it is never a duplicate
    contaminated: dict[int, Contamination] = field(default_factory=dict)
    duplicate_of: np.ndarray | None = None  # per pair: position (in the global order) of the kept copy, or -1
    selected: np.ndarray | None = None  # per pair: written to the output

    @property
    def pairs(self) -> int:
        return len(self.keys)


def scan(
    source: int,
    source_name: str,
    split: str,
    output_split: str,
    batches: Iterable[pa.RecordBatch],
    dedup: str,
    index: NgramIndex | None,
    workers: int = 1,
) -> Scanned:
    """Keys, source rows and contamination of every pair of one split of one source.

    Batches are scanned on `workers` threads (Arrow's string kernels release the GIL), in order.
    """
    keys: list[np.ndarray] = []
    empties: list[np.ndarray] = []
    rows: list[np.ndarray] = []
    contaminated: dict[int, Contamination] = {}
    offset = 0
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        scanned = _in_order(pool, lambda b: _scan_batch(b, dedup, index), batches, 2 * max(1, workers))
        for batch_keys, batch_empty, batch_rows, hits in scanned:
            keys.append(batch_keys)
            empties.append(batch_empty)
            rows.append(batch_rows if batch_rows is not None else np.arange(offset, offset + len(batch_keys)))
            contaminated.update({offset + i: hit for i, hit in hits.items()})
            offset += len(batch_keys)
    return Scanned(
        source,
        source_name,
        split,
        output_split,
        np.concatenate(keys) if keys else np.zeros(0, np.uint64),
        np.concatenate(rows).astype(np.int64) if rows else np.zeros(0, np.int64),
        np.concatenate(empties) if empties else np.zeros(0, bool),
        contaminated,
    )


def _in_order(
    pool: ThreadPoolExecutor, work: Callable[[Any], Any], items: Iterable[Any], window: int
) -> Iterator[Any]:
    """`pool.map` that submits at most `window` items ahead (`Executor.map` takes the whole input at
    once, which would hold every batch of a source in memory)."""
    pending: deque[Future[Any]] = deque()
    for item in items:
        pending.append(pool.submit(work, item))
        if len(pending) >= window:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def _scan_batch(
    batch: pa.RecordBatch, dedup: str, index: NgramIndex | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, dict[int, Contamination]]:
    table = pa.Table.from_batches([batch])
    # a pair whose text is empty once normalised is no evidence that two pairs are the same
    text, empty = dedup_texts(table, dedup)
    keys = np.fromiter(map(_digest, text.to_pylist()), np.uint64, len(text))
    # a copy: a view would keep the whole batch it came from alive as long as the scan's result
    rows = table["source_row"].to_numpy().copy() if "source_row" in table.column_names else None
    hits = _contaminated(normalise(prompt_texts(table)).to_pylist(), index, 0) if index is not None else {}
    return keys, empty, rows, hits


def _digest(text: str) -> int:
    return xxhash.xxh3_64_intdigest(text.encode("utf-8", "surrogatepass"))


def _contaminated(prompts: list[str], index: NgramIndex, offset: int) -> dict[int, Contamination]:
    found: dict[int, Contamination] = {}
    memo: dict[str, Contamination | None] = {}  # pairs of one prompt come in runs (rankings, all-pairs)
    for i, prompt in enumerate(prompts):
        if prompt not in memo:
            memo[prompt] = index.find(prompt)
        hit = memo[prompt]
        if hit is not None:
            found[offset + i] = hit
    return found


def mark_duplicates(scans: list[Scanned], dedup: str) -> None:
    """Set `duplicate_of` on every scan: the global position of the pair that stays, or -1.

    `pairs`: any earlier pair with the same key (within a source too). `prompts`: a pair whose
    prompt an earlier *source* has; pairs of one prompt within a source all stay.
    """
    for s in scans:
        s.duplicate_of = np.full(s.pairs, -1, np.int64)
    if dedup == "none" or not scans:
        return
    keys = np.concatenate([s.keys for s in scans])
    owner = np.concatenate([np.full(s.pairs, s.source, np.int64) for s in scans])
    counted = np.flatnonzero(~np.concatenate([s.empty for s in scans]))  # global positions compared
    order = counted[np.argsort(keys[counted], kind="stable")]  # equal keys stay in recipe order
    sorted_keys = keys[order]
    starts = np.ones(len(order), bool)
    starts[1:] = sorted_keys[1:] != sorted_keys[:-1]
    first = order[np.maximum.accumulate(np.where(starts, np.arange(len(order)), 0))]
    keeper = np.arange(len(keys))  # an uncompared pair keeps itself
    keeper[order] = first
    duplicate = keeper != np.arange(len(keys))
    if dedup == "prompts":
        duplicate &= owner[keeper] != owner
    result = np.where(duplicate, keeper, -1)
    start = 0
    for s in scans:
        s.duplicate_of = result[start : start + s.pairs]
        start += s.pairs


TakeError = Callable[[Scanned, int, int], Exception]


def choose(scan: Scanned, take: int | float | None, seed: int, too_many: TakeError) -> None:
    """Set `selected`: the clean pairs (neither duplicate nor contaminated) that `take` keeps."""
    assert scan.duplicate_of is not None
    clean = scan.duplicate_of < 0
    if scan.contaminated:
        clean[np.fromiter(scan.contaminated, np.int64, len(scan.contaminated))] = False
    available = int(clean.sum())
    if take is None:
        scan.selected = clean
        return
    count = take if isinstance(take, int) else int(take * available)
    if count > available or (count == 0 and available > 0):
        raise too_many(scan, count, available)
    seed_key = xxhash.xxh64_intdigest(f"{seed}/{scan.source_name}/{scan.split}".encode())
    picked = np.random.default_rng(seed_key).choice(np.flatnonzero(clean), size=count, replace=False)
    scan.selected = np.zeros(scan.pairs, bool)
    scan.selected[picked] = True

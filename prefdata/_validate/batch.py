"""A record batch seen through its shape: per-side key and content strings, computed once."""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from prefdata._validate.dataset_shape import Shape
from prefdata._validate.finding_sink import excerpt
from prefdata._validate.flatten import conversation_text
from prefdata._validate.message_arrays import Messages
from prefdata._validate.report import Example


class BatchView:
    """One batch of one split, with the derived arrays the checks share."""

    def __init__(self, batch: pa.RecordBatch, shape: Shape, split: str, rows: np.ndarray, raw: bool = False):
        self.batch, self.shape, self.split, self.rows, self.raw = batch, shape, split, rows, raw
        self._text: dict[str, tuple[pa.Array, pa.Array]] = {}
        self._messages: dict[str, Messages] = {}

    def __len__(self) -> int:
        return self.batch.num_rows

    def slice(self, start: int, length: int) -> BatchView:
        """Rows `start` to `start + length` as a view of their own (text already derived is kept)."""
        part = BatchView(
            self.batch.slice(start, length),
            self.shape,
            self.split,
            self.rows[start : start + length],
            self.raw,
        )
        part._text = {k: (a.slice(start, length), b.slice(start, length)) for k, (a, b) in self._text.items()}
        return part

    def column(self, name: str) -> pa.Array | None:
        """Column `name`, or None when the batch has no such column."""
        i = self.batch.schema.get_field_index(name)
        return self.batch.column(i) if i >= 0 else None

    def side(self, name: str) -> pa.Array:
        """A text column (`prompt`, `chosen`, `rejected`) that the shape says is there."""
        col = self.column(name)
        if col is None:
            raise KeyError(f"batch has no `{name}` column")
        return col

    def _texts(self, side: str) -> tuple[pa.Array, pa.Array]:
        if side not in self._text:
            col = self.side(side)
            if self.shape.format == "conversational" and not pa.types.is_null(col.type):
                self._text[side] = conversation_text(col)
            else:
                text = pc.fill_null(col.cast(pa.large_string()), "")
                self._text[side] = (text, text)
        return self._text[side]

    def messages(self, side: str) -> Messages:
        """Flattened messages of a conversational side."""
        if side not in self._messages:
            self._messages[side] = Messages.of(self.side(side))
        return self._messages[side]

    def key(self, side: str) -> pa.Array:
        """Exact serialisation of `side` per row (for comparing sides and rows)."""
        return self._texts(side)[0]

    def content(self, side: str) -> pa.Array:
        """The text content of `side` per row."""
        return self._texts(side)[1]

    def char_lengths(self, side: str) -> np.ndarray:
        """Characters of content per row."""
        return pc.utf8_length(self.content(side)).to_numpy(zero_copy_only=False)

    @cached_property
    def source_rows(self) -> np.ndarray | None:
        """The `source_row` column as int64 (-1 where null), when present."""
        col = self.column("source_row")
        if col is None or not pa.types.is_integer(col.type):
            return None
        return pc.fill_null(col, -1).to_numpy(zero_copy_only=False).astype(np.int64)

    def example(self, i: int, field: str, text: str | None = None) -> Example:
        """An Example for local row `i`; the excerpt is `text` or the field's content."""
        source = (
            int(self.source_rows[i]) if self.source_rows is not None and self.source_rows[i] >= 0 else None
        )
        row = source if self.raw and source is not None else int(self.rows[i])
        if text is None:
            text = self.content(field)[i].as_py() if field in ("prompt", "chosen", "rejected") else ""
        return Example(split=self.split, row=row, source_row=source, field=field, excerpt=excerpt(text))

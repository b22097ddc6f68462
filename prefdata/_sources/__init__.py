"""Reading any supported input as streaming splits of plain-dict rows.

`open_source(path_or_dataset)` returns a `Source`; each `SplitSource` yields rows in
source order with `iter_batches`, which the conversion engine numbers (0-based) per split.
"""

from prefdata._sources.files import SUPPORTED_EXTENSIONS
from prefdata._sources.reader import open_source
from prefdata._sources.source import Source, SplitSource

__all__ = ["SUPPORTED_EXTENSIONS", "Source", "SplitSource", "open_source"]

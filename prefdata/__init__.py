"""prefdata: detect, normalise and validate preference data.

>>> import prefdata
>>> result = prefdata.convert("hh-rlhf-test.jsonl.gz", "out/")   # doctest: +SKIP
>>> result.manifest.splits["train"].dropped                        # doctest: +SKIP
{'empty_response': 4, ...}
"""

from prefdata._convert import ConvertResult, convert, detect
from prefdata._errors import (
    DetectionError,
    OutputError,
    PrefdataError,
    RowError,
    SourceError,
    SpecError,
)
from prefdata._infer import AmbiguousLayoutError
from prefdata._layouts import builtin_specs, load_spec
from prefdata._mix import Recipe, mix
from prefdata._version import __version__
from prefdata.records import ConvertOptions, DetectionResult, LayoutSpec, Manifest, Reject

__all__ = [
    "AmbiguousLayoutError",
    "ConvertOptions",
    "ConvertResult",
    "DetectionError",
    "DetectionResult",
    "LayoutSpec",
    "Manifest",
    "OutputError",
    "PrefdataError",
    "Recipe",
    "Reject",
    "RowError",
    "SourceError",
    "SpecError",
    "__version__",
    "builtin_specs",
    "convert",
    "detect",
    "load_spec",
    "mix",
]

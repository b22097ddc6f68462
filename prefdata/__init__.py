"""prefdata: detect, normalise and validate preference data.

>>> import prefdata
>>> result = prefdata.convert("hh-rlhf-test.jsonl.gz", "out/")   # doctest: +SKIP
>>> result.manifest.splits["train"].dropped                        # doctest: +SKIP
{'empty_response': 4, ...}
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from prefdata._version import __version__

# Names are imported on first use: `import prefdata._option_fields` (what `prefdata-train fit
# --help` needs) or `prefdata --version` do not pay for pyarrow, datasets and the converter.
_EXPORTS = {
    "AmbiguousLayoutError": "prefdata._infer",
    "ConvertOptions": "prefdata.records",
    "ConvertResult": "prefdata._convert",
    "DetectionError": "prefdata._errors",
    "DetectionResult": "prefdata.records",
    "LayoutSpec": "prefdata.records",
    "Manifest": "prefdata.records",
    "OutputError": "prefdata._errors",
    "PrefdataError": "prefdata._errors",
    "Recipe": "prefdata._mix",
    "Reject": "prefdata.records",
    "RowError": "prefdata._errors",
    "SourceError": "prefdata._errors",
    "SpecError": "prefdata._errors",
    "builtin_specs": "prefdata._layouts",
    "convert": "prefdata._convert",
    "detect": "prefdata._convert",
    "load_spec": "prefdata._layouts",
    "mix": "prefdata._mix",
}

if TYPE_CHECKING:
    from prefdata._convert import ConvertResult, convert, detect
    from prefdata._errors import DetectionError, OutputError, PrefdataError, RowError, SourceError, SpecError
    from prefdata._infer import AmbiguousLayoutError
    from prefdata._layouts import builtin_specs, load_spec
    from prefdata._mix import Recipe, mix
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


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'prefdata' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__

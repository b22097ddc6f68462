"""The JSON Schema files in `schemas/`, generated from the pydantic models (never hand-edited).

| file                        | model                                   | describes                       |
| --------------------------- | --------------------------------------- | ------------------------------- |
| `layout-spec.schema.json`   | `prefdata.records.spec.LayoutSpec`      | spec files (`--spec my.yaml`)   |
| `manifest.schema.json`      | `prefdata.records.manifest.Manifest`    | `OUT_DIR/prefdata.json`         |
| `mix-recipe.schema.json`    | `prefdata.records.mix.Recipe`           | `prefdata mix RECIPE.yaml`      |
| `mix-manifest.schema.json`  | `prefdata.records.mix.MixManifest`      | `OUT_DIR/prefdata.json` of a mix |

Regenerate with `python -m prefdata.records.schemas schemas` (`make schemas`); a test fails
when a committed file differs from what the models give.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from prefdata.records.manifest import Manifest
from prefdata.records.mix import MixManifest, Recipe
from prefdata.records.spec import LayoutSpec

SCHEMA_MODELS: dict[str, type[BaseModel]] = {
    "layout-spec.schema.json": LayoutSpec,
    "manifest.schema.json": Manifest,
    "mix-recipe.schema.json": Recipe,
    "mix-manifest.schema.json": MixManifest,
}


def json_schema(file_name: str) -> dict[str, Any]:
    """The JSON Schema written to `schemas/<file_name>`."""
    schema = SCHEMA_MODELS[file_name].model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://prefdata.dev/schemas/{file_name}"
    return schema


def schema_text(file_name: str) -> str:
    """The exact text of one schema file (sorted keys, so regenerating gives no spurious diff)."""
    return json.dumps(json_schema(file_name), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_schemas(folder: str | Path) -> list[Path]:
    """Write every schema file of this module into `folder` (created if missing); the paths written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in SCHEMA_MODELS:
        path = folder / name
        path.write_text(schema_text(name), encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str]) -> int:
    """`python -m prefdata.records.schemas [FOLDER]`: regenerate the files (default `schemas/`)."""
    for path in write_schemas(argv[0] if argv else "schemas"):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
